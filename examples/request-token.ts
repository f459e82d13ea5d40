/**
 * One token request with the core client, no cache (most programs want TokenService, see
 * token.ts). The token prints redacted.
 *
 *   pnpm example request-token
 */
import { TokenClient } from "@effect-mobilepay/core"
import { DateTime, Effect, Layer } from "effect"
import * as Main from "./shared/Main.js"
import * as Targets from "./shared/Target.js"
import { Target } from "./shared/Target.js"

const program = Effect.gen(function* () {
  const target = yield* Target
  yield* Effect.log(`talking to ${target.description}`)
  // Fails with InvalidClientCredentials, TokenEndpointError, ...: each typed, each a line below.
  const token = yield* TokenClient.requestToken({ merchantVat: target.merchantVat })
  yield* Effect.log(
    `got a ${token.tokenType} token (${String(token.value)}), valid until ${DateTime.formatIso(token.expiresAt)}`,
  )
  return `one ${token.tokenType} token for ${target.merchantVat}`
})

const tokenClient = Layer.unwrapEffect(
  Effect.map(Target, (target) => TokenClient.layer(target)),
).pipe(Layer.provideMerge(Layer.merge(Targets.layer, Main.layerHttpClient)))

Main.run(program, tokenClient)
