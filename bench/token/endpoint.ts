/**
 * What the token benchmarks talk to: a token endpoint on loopback (test-support's
 * `TokenEndpoint`, in this process) that answers every request with the same token and counts
 * them, and the client credentials, merchant and environment that point at it.
 */
import { ClientCredentials, Environment, TokenClient } from "@effect-mobilepay/core"
import { TokenService } from "@effect-mobilepay/token-service"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer } from "effect"
import { respond } from "@effect-mobilepay/test-support/TokenEndpoint"
import { type Loopback, startLoopback } from "../harness/loopback.js"

export const clientId = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
export const clientSecret = "bench-secret"
/** The merchant the token benchmarks ask for when one merchant will do. */
export const merchantVat = "DK12345678"

const tokenBody = JSON.stringify({
  access_token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl",
  expires_in: 3700,
  token_type: "Bearer",
  scope: "integrator_scope",
})
const tokenReply = respond(200, tokenBody, {
  "content-type": "application/json",
  "content-length": String(Buffer.byteLength(tokenBody)),
})

/** The endpoint the token benchmarks share: every request answered with the same token. */
export type TokenEndpoint = Loopback

export const startTokenEndpoint = (): Promise<TokenEndpoint> => startLoopback(() => tokenReply)

/** The full token URL (`{authUrl}/connect/token`). */
export const tokenUrl = (endpoint: TokenEndpoint): string => `${endpoint.authUrl}/connect/token`

/** The `TokenClient` options for the endpoint. */
export const tokenClientOptions = (endpoint: TokenEndpoint) => ({
  credentials: Effect.runSync(ClientCredentials.make({ clientId, clientSecret })),
  environment: Environment.custom({
    authUrl: endpoint.authUrl,
    posUrl: "http://127.0.0.1:1/pos/v10",
  }),
})

/** A `TokenService` on its defaults over `TokenClient` on `NodeHttpClient.layerUndici`. */
export const tokenServiceLayer = (endpoint: TokenEndpoint) =>
  TokenService.layer().pipe(
    Layer.provide(TokenClient.layer(tokenClientOptions(endpoint))),
    Layer.provide(NodeHttpClient.layerUndici),
  )
