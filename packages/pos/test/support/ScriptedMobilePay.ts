/**
 * A scripted MobilePay on loopback for the pipeline and polling tests: a real HTTP server whose
 * token endpoint issues `token-<n>` and whose PoS API answers as the test scripts it, with the
 * whole client stack (MobilePay.layer) pointed at it.
 */
import { ClientCredentials, Environment, RetryPolicy } from "@effect-mobilepay/core"
import { MobilePay, PosClient } from "@effect-mobilepay/pos"
import { TokenEndpoint } from "@effect-mobilepay/test-support"
import type { HttpClient } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import * as Transport from "./Transport.js"

export const clientId = "a1b2c3d4-0000-4000-8000-000000000001"
export const posId = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
export const paymentId = "6f1f2d1e-8a7b-4c3d-9e0f-112233445566"

export type Script = (request: TokenEndpoint.ReceivedRequest, nth: number) => TokenEndpoint.Reply

/**
 * A MobilePay whose token endpoint issues `token-<n>` and whose PoS API answers with
 * `pos(request, nth)`, nth counting PoS requests only; the client on `transport` (this run's
 * by default).
 */
export const setup = (
  pos: Script,
  options: Partial<PosClient.Options> = {},
  transport: Layer.Layer<HttpClient.HttpClient> = Transport.layer,
) =>
  Effect.gen(function* () {
    let tokens = 0
    let posRequests = 0
    const server = yield* TokenEndpoint.make((_, request) =>
      request.path.startsWith("/integrator-authentication/")
        ? TokenEndpoint.respond(200, TokenEndpoint.tokenBody({ access_token: `token-${tokens++}` }))
        : pos(request, posRequests++),
    )
    const base = server.authUrl.replace("/integrator-authentication", "")
    const context = yield* Layer.build(
      MobilePay.layer({
        credentials: yield* ClientCredentials.make({ clientId, clientSecret: Redacted.make("s") }),
        environment: Environment.custom({
          authUrl: `${base}/integrator-authentication`,
          posUrl: `${base}/pos/v10`,
          userSimulationUrl: `${base}/pos/app/usersimulation`,
        }),
        clientSystemVersion: "2.1.1",
        merchantVat: "DK90000028",
        tokenRequest: { retryPolicy: RetryPolicy.make({ retries: 0 }), timeout: "1 hour" },
        ...options,
      }).pipe(Layer.provide(transport)),
    )
    const client = yield* Effect.provide(PosClient.PosClient, context)
    const received = Effect.map(server.received, (all) =>
      all.filter((request) => request.path.startsWith("/pos/")),
    )
    const tokenRequests = Effect.map(server.received, (all) =>
      all.filter((request) => request.path.startsWith("/integrator-authentication/")),
    )
    return { client, context, received, tokenRequests, nextArrival: server.nextArrival }
  })
