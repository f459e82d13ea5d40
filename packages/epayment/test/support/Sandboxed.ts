/**
 * The epayment clients against the sandbox, in-process on loopback: the sandbox runs on the
 * test's Clock (so TestClock ages its payments, tokens and webhook retries), and the clients
 * talk to it as to Vipps MobilePay, as the Danish demo sales unit unless told otherwise. The
 * tokens come from the sandbox's Access Token API through core's AccessTokenClient behind
 * token-service's AccessTokenService, as in a program.
 */
import {
  AccessTokenClient,
  RetryPolicy,
  SalesUnitCredentials,
  VippsEnvironment,
  VippsSystem,
} from "@effect-mobilepay/core"
import { EPaymentClient, QrClient, WebhooksClient } from "@effect-mobilepay/epayment"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { AccessTokenService } from "@effect-mobilepay/token-service"
import { Effect, Layer } from "effect"
import * as Transport from "./Transport.js"

export const unit = SeedData.demoShopDk
const [first, second] = SeedData.platformUsers.filter((user) => user.market === "DK")
/** The DK test users of the platform. */
export const anna = first ?? SeedData.platformUsers[0]!
export const bent = second ?? SeedData.platformUsers[1]!

export const system = new VippsSystem.VippsSystem({
  name: VippsSystem.SystemValue.make("acme-pos"),
  version: VippsSystem.SystemValue.make("3.2.1"),
  pluginName: VippsSystem.SystemValue.make("effect-mobilepay"),
  pluginVersion: VippsSystem.SystemValue.make("0.2.0"),
})

export interface StartOptions {
  readonly sandbox?: Sandbox.SandboxOptions
  readonly client?: Partial<EPaymentClient.Options>
  readonly salesUnit?: SeedData.SalesUnit
}

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }

/** A call to the sandbox's simulated customer: its status and JSON body. */
export interface CustomerAnswer {
  readonly status: number
  readonly body: Json
}

export const start = (options: StartOptions = {}) =>
  Effect.gen(function* () {
    const salesUnit = options.salesUnit ?? unit
    const sandbox = yield* Sandbox.make(options.sandbox)
    const environment = VippsEnvironment.custom(sandbox.baseUrl)
    // Built in the test's scope: the clients' connections live as long as the test.
    const http = yield* Layer.build(Transport.layer)
    const tokenClient = yield* AccessTokenClient.make({
      credentials: yield* SalesUnitCredentials.make(salesUnit),
      environment,
      system,
      retryPolicy: RetryPolicy.make({ retries: 0 }),
      timeout: "1 hour",
    }).pipe(Effect.provide(http))
    // The tokens as a program gets them: token-service's cache over the Access Token API.
    const tokens = yield* AccessTokenService.make().pipe(
      Effect.provideService(AccessTokenClient.AccessTokenClient, tokenClient),
    )
    const provide = <A, E>(
      effect: Effect.Effect<
        A,
        E,
        Layer.Layer.Success<typeof Transport.layer> | AccessTokenService.AccessTokenService
      >,
    ) =>
      effect.pipe(
        Effect.provide(http),
        Effect.provideService(AccessTokenService.AccessTokenService, tokens),
      )
    const common = {
      environment,
      subscriptionKey: salesUnit.subscriptionKey,
      merchantSerialNumber: salesUnit.msn,
      system,
    }
    const client = yield* provide(EPaymentClient.make({ ...common, ...options.client }))
    const webhooks = yield* provide(WebhooksClient.make(common))
    const qr = yield* provide(QrClient.make(common))

    const customerCall = (method: "GET" | "POST", path: string, body?: unknown) =>
      Effect.promise(async (): Promise<CustomerAnswer> => {
        const response = await fetch(`${sandbox.customerUrl}${path}`, {
          method,
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
        })
        const text = await response.text()
        return { status: response.status, body: text === "" ? null : (JSON.parse(text) as Json) }
      })
    /** The sandbox's simulated customer: what a MobilePay app user does. */
    const customer = {
      /** The requests waiting in the user's app. */
      requests: (phoneNumber: string) =>
        customerCall("GET", `/requests?phoneNumber=${encodeURIComponent(phoneNumber)}`),
      approve: (reference: string, phoneNumber = anna.phoneNumber) =>
        customerCall("POST", "/approve", { phoneNumber, msn: salesUnit.msn, reference }),
      reject: (reference: string, phoneNumber = anna.phoneNumber) =>
        customerCall("POST", "/reject", { phoneNumber, msn: salesUnit.msn, reference }),
      /** Scans a dynamic QR's target or a callback-QR sticker's content. */
      scan: (qr: string, phoneNumber = anna.phoneNumber) =>
        customerCall("POST", "/scan", { phoneNumber, qr }),
    }

    const requestsTo = (prefix: string) =>
      Effect.map(sandbox.requests, (all) =>
        all.filter((request) => request.path.startsWith(prefix)),
      )
    return {
      sandbox,
      salesUnit,
      environment,
      client,
      webhooks,
      qr,
      customer,
      tokenClient,
      /** The requests the sandbox received on the ePayment API. */
      ePaymentRequests: requestsTo("/epayment/"),
      tokenRequests: requestsTo("/accesstoken/get"),
    }
  })

/** A unique-enough reference per test (8–64 of `[A-Za-z0-9-]`). */
export const referenceFor = (name: string) => `it-${name}`.slice(0, 64)

/** The text a dynamic QR's SVG image carries (what a phone's camera would read). */
export const qrTarget = (imageUrl: string) =>
  Effect.promise(async () => {
    const svg = await (await fetch(imageUrl)).text()
    return /data-target="([^"]+)"/.exec(svg)?.[1]?.replaceAll("&amp;", "&") ?? ""
  })
