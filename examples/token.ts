/**
 * Tokens through the TokenService layer: the first `get` requests one, the next ones are
 * answered from the cache, and it is renewed before it expires. The token prints redacted.
 *
 *   pnpm example token
 */
import { TokenClient } from "@effect-mobilepay/core"
import { TokenService } from "@effect-mobilepay/token-service"
import { DateTime, Effect, Layer, Metric } from "effect"
import * as Main from "./shared/Main.js"
import * as Targets from "./shared/Target.js"
import { Target } from "./shared/Target.js"

const program = Effect.gen(function* () {
  const target = yield* Target
  const tokens = yield* TokenService.TokenService
  yield* Effect.log(`talking to ${target.description}`)
  const token = yield* tokens.get(target.merchantVat)
  yield* Effect.log(
    `token ${String(token.value)} (${token.tokenType}, scope ${token.scope}) for ${target.merchantVat}, valid until ${DateTime.formatIso(token.expiresAt)}`,
  )
  for (let i = 0; i < 1000; i++) yield* tokens.get(target.merchantVat)
  const hits = yield* Metric.value(TokenService.metrics.hits)
  const requests = yield* Metric.value(TokenService.metrics.misses)
  yield* Effect.log(`1000 more gets: ${hits.count} cache hits, ${requests.count} request(s) in all`)
  return `1001 gets of a token answered by ${requests.count} token request(s)`
})

const tokenService = Layer.unwrapEffect(
  Effect.map(Target, (target) =>
    TokenService.layer().pipe(Layer.provide(TokenClient.layer(target))),
  ),
).pipe(Layer.provideMerge(Layer.merge(Targets.layer, Main.layerHttpClient)))

Main.run(program, tokenService)
