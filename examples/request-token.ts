/**
 * One token request with the core client, no cache (most programs want TokenService, see
 * token.ts). The token prints redacted.
 *
 *   pnpm example request-token
 */
import { TokenClient } from "@effect-mobilepay/core"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { DateTime, Effect, Layer } from "effect"
import * as Console from "./shared/Console.js"
import { Target } from "./shared/Target.js"
import * as Targets from "./shared/Target.js"

const program = Effect.gen(function* () {
  const target = yield* Target
  yield* Effect.log(`talking to ${target.description}`)
  const token = yield* TokenClient.requestToken({ merchantVat: target.merchantVat })
  yield* Effect.log(
    `got a ${token.tokenType} token (${String(token.value)}), valid until ${DateTime.formatIso(token.expiresAt)}`,
  )
}).pipe(
  Effect.catchTags({
    InvalidClientCredentials: (error) =>
      Effect.fail(new Error(`check your credentials: ${error.message}`)),
    TokenEndpointUnreachable: (error) =>
      Effect.fail(new Error(`MobilePay is unreachable: ${error.message}`)),
  }),
)

const tokenClient = Layer.unwrapEffect(
  Effect.map(Target, (target) =>
    TokenClient.layer(target).pipe(Layer.provide(NodeHttpClient.layerUndici)),
  ),
).pipe(Layer.provideMerge(Targets.layer))

program.pipe(
  Effect.provide(Layer.merge(tokenClient, Console.layer)),
  NodeRuntime.runMain({ disablePrettyLogger: true }),
)
