/**
 * A scripted Vipps MobilePay on loopback for the client tests: a real HTTP server whose Access
 * Token API issues a new token per request and whose ePayment API answers as the test scripts
 * it, with core's AccessTokenClient behind a small token cache, and the EPaymentClient pointed
 * at it.
 */
import type { AccessToken } from "@effect-mobilepay/core"
import {
  AccessTokenClient,
  RetryPolicy,
  SalesUnitCredentials,
  VippsEnvironment,
  VippsSystem,
} from "@effect-mobilepay/core"
import { EPaymentClient } from "@effect-mobilepay/epayment"
import { TokenEndpoint } from "@effect-mobilepay/test-support"
import { Effect, Layer, Option, Redacted, Ref } from "effect"
import { AccessTokenService } from "@effect-mobilepay/token-service"
import * as Tokens from "./Tokens.js"
import * as Transport from "./Transport.js"

export const clientId = "a1b2c3d4-0000-4000-8000-000000000001"
export const clientSecret = "client-secret-9f8e7d6c5b4a"
export const subscriptionKey = "subscription-key-0a1b2c3d4e5f"
export const msn = "123456"
export const reference = "till-1-order-42-1"

/** The n-th token the endpoint issues (long enough to be cut out of server text). */
export const tokenValue = (n: number) => `token${n}-3q2+7w5e9r1t4y8u6i0o`

export type Script = (request: TokenEndpoint.ReceivedRequest, nth: number) => TokenEndpoint.Reply

export const problem = (status: number, code?: string, title = "Refused") =>
  TokenEndpoint.respond(
    status,
    JSON.stringify({
      type: `https://httpstatuses.io/${status}`,
      title,
      status,
      traceId: `00-trace-${status}-${code ?? "none"}-01`,
      ...(code === undefined ? {} : { extraDetails: [{ name: "ErrorCode", reason: code }] }),
    }),
    { "content-type": "application/problem+json" },
  )

const amount = (value: number) => ({ currency: "DKK", value })

/** A payment as get and the modifications return it. */
export const paymentBody = (state = "AUTHORIZED", captured = 0) => ({
  reference,
  state,
  amount: amount(1250),
  aggregate: {
    authorizedAmount: amount(state === "AUTHORIZED" ? 1250 : 0),
    cancelledAmount: amount(0),
    capturedAmount: amount(captured),
    refundedAmount: amount(0),
  },
  pspReference: "1304787731",
  paymentMethod: { type: "WALLET" },
  profile: {},
})

/**
 * Starts the server and a client on it; `epayment(request, nth)` answers the ePayment calls,
 * nth counting them only.
 */
export const setup = (epayment: Script, options: Partial<EPaymentClient.Options> = {}) =>
  Effect.gen(function* () {
    let issued = 0
    let calls = 0
    const server = yield* TokenEndpoint.make((_, request) =>
      request.path === "/accesstoken/get"
        ? TokenEndpoint.respond(200, {
            token_type: "Bearer",
            expires_in: "3600",
            access_token: tokenValue(issued++),
          })
        : epayment(request, calls++),
    )
    const baseUrl = server.authUrl.replace("/integrator-authentication", "")
    const environment = VippsEnvironment.custom(baseUrl)
    // Built in the test's scope: the client's connections live as long as the test.
    const http = yield* Layer.build(Transport.layer)
    const tokenClient = yield* AccessTokenClient.make({
      credentials: yield* SalesUnitCredentials.make({ clientId, clientSecret, subscriptionKey }),
      environment,
      retryPolicy: RetryPolicy.make({ retries: 0 }),
      timeout: "1 hour",
    }).pipe(Effect.provide(http))
    // A token cache with compare-and-invalidate, as token-service's AccessTokenService has.
    const cached = yield* Ref.make(Option.none<AccessToken.AccessToken>())
    const tokens = Tokens.scripted({
      get: (merchantSerialNumber) =>
        Effect.flatMap(Ref.get(cached), (current) =>
          Option.match(current, {
            onSome: Effect.succeed,
            onNone: () =>
              Effect.tap(tokenClient.requestToken({ merchantSerialNumber }), (token) =>
                Ref.set(cached, Option.some(token)),
              ),
          }),
        ),
      invalidate: (token) =>
        Ref.update(cached, (current) =>
          Option.exists(current, (held) => held === token) ? Option.none() : current,
        ),
    })
    const client = yield* EPaymentClient.make({
      environment,
      subscriptionKey: Redacted.make(subscriptionKey),
      merchantSerialNumber: msn,
      system: new VippsSystem.VippsSystem({
        name: VippsSystem.SystemValue.make("acme-pos"),
        version: VippsSystem.SystemValue.make("3.2.1"),
        pluginName: VippsSystem.SystemValue.make("effect-mobilepay"),
        pluginVersion: VippsSystem.SystemValue.make("0.2.0"),
      }),
      ...options,
    }).pipe(
      Effect.provide(http),
      Effect.provideService(AccessTokenService.AccessTokenService, tokens),
    )
    const received = Effect.map(server.received, (all) =>
      all.filter((request) => request.path.startsWith("/epayment/")),
    )
    const tokenRequests = Effect.map(server.received, (all) =>
      all.filter((request) => request.path === "/accesstoken/get"),
    )
    return { client, received, tokenRequests, nextArrival: server.nextArrival }
  })
