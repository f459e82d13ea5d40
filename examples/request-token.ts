/**
 * Requests one access token with the credentials from the environment
 * (MOBILEPAY_CLIENT_ID, MOBILEPAY_CLIENT_SECRET, MOBILEPAY_ENVIRONMENT, ...) and prints it,
 * redacted. Most programs want TokenService instead, which caches and renews tokens.
 */
import { TokenClient } from "@effect-mobilepay/core"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { DateTime, Effect, Layer } from "effect"

const program = Effect.gen(function* () {
  const token = yield* TokenClient.requestToken({ merchantVat: "DK90000028" })
  yield* Effect.log(
    `got a ${token.tokenType} token (${String(token.value)}), valid until ${DateTime.formatIso(token.expiresAt)}`,
  )
}).pipe(
  Effect.catchTags({
    InvalidClientCredentials: (error) =>
      Effect.logError(`check your credentials: ${error.message}`),
    TokenEndpointUnreachable: (error) =>
      Effect.logError(`MobilePay is unreachable: ${error.message}`),
  }),
)

program.pipe(
  Effect.provide(TokenClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
  NodeRuntime.runMain,
)
