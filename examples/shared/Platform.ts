/**
 * Where the ePayment examples run. Without `VIPPS_MOBILEPAY_CLIENT_ID` they start the sandbox
 * in-process as its Danish demo sales unit and play the customer through the sandbox's
 * simulated customer. With it they talk to the platform the `VIPPS_MOBILEPAY_*` variables name
 * (see `@effect-mobilepay/core`'s VippsConfig; `VIPPS_MOBILEPAY_MSN` is needed): to
 * `pnpm sandbox` in another terminal (`VIPPS_MOBILEPAY_BASE_URL` as it prints, the customer
 * still played by the sandbox), or to the Vipps MobilePay test environment, where you are the
 * customer with the MobilePay test app, and the examples say what to do.
 *
 * Against the test environment, also: `VIPPS_MOBILEPAY_TEST_PHONE_NUMBER` (the test app's
 * number, for the push example), `VIPPS_MOBILEPAY_TEST_PERSONAL_QR` (what a till's scanner
 * reads from the app's personal QR) and, for the callback-QR example, `VIPPS_MOBILEPAY_WEBHOOK_URL`
 * (a public HTTPS URL forwarded to this machine's `VIPPS_MOBILEPAY_WEBHOOK_PORT`, default 8080).
 */
import {
  SalesUnitCredentials,
  VippsConfig,
  VippsEnvironment,
  VippsSystem,
} from "@effect-mobilepay/core"
import type { Payment } from "@effect-mobilepay/epayment"
import { EPayment, EPaymentClient } from "@effect-mobilepay/epayment"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Config, ConfigError, Context, Effect, Layer, Option, Schedule, Schema } from "effect"
import * as Main from "./Main.js"

/** Where the examples talk to, and who the customer is there. */
export class Platform extends Context.Tag("examples/Platform")<
  Platform,
  {
    readonly description: string
    readonly merchantSerialNumber: string
    readonly currency: "DKK" | "EUR" | "NOK"
    /** The customer's phone number (MSISDN digits). */
    readonly phoneNumber: Effect.Effect<string, ConfigError.ConfigError>
    /** The text of the customer's personal QR, as the till's scanner reads it. */
    readonly personalQr: Effect.Effect<string, ConfigError.ConfigError>
    /** The sandbox's simulated customer, or none: a person with the test app. */
    readonly customerUrl: Option.Option<string>
    /** The webhook URL to register, and the local port the receiver listens on. */
    readonly webhook: Effect.Effect<
      { readonly url: string; readonly port: number },
      ConfigError.ConfigError
    >
  }
>() {}

const system = new VippsSystem.VippsSystem({
  name: VippsSystem.SystemValue.make("effect-mobilepay-examples"),
  version: VippsSystem.SystemValue.make("1.0.0"),
})

interface Keys {
  readonly environment: VippsEnvironment.VippsEnvironment
  readonly credentials: SalesUnitCredentials.SalesUnitCredentials
  readonly system: VippsSystem.VippsSystem
}

class PlatformKeys extends Context.Tag("examples/PlatformKeys")<PlatformKeys, Keys>() {}

const embedded = Layer.scopedContext(
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.make()
    const unit = SeedData.demoShopDk
    const [customer] = SeedData.platformUsers
    if (customer === undefined) return yield* Effect.dieMessage("the sandbox has no test user")
    return Context.make(Platform, {
      description: `the embedded sandbox at ${sandbox.baseUrl} (sales unit ${unit.msn})`,
      merchantSerialNumber: unit.msn,
      currency: unit.currency,
      phoneNumber: Effect.succeed(customer.phoneNumber),
      personalQr: Effect.succeed(customer.personalQr),
      customerUrl: Option.some(sandbox.customerUrl),
      webhook: Effect.succeed({ url: "http://127.0.0.1:{port}/hooks/vipps", port: 0 }),
    }).pipe(
      Context.add(PlatformKeys, {
        environment: VippsEnvironment.custom(sandbox.baseUrl),
        credentials: yield* SalesUnitCredentials.make(unit),
        system,
      }),
    )
  }),
)

const needed = (name: string): Effect.Effect<string, ConfigError.ConfigError> =>
  Effect.mapError(Config.nonEmptyString(name), () =>
    ConfigError.MissingData([name], `this example needs ${name} against the test environment`),
  )

const configured = Layer.effectContext(
  Effect.gen(function* () {
    const environment = yield* VippsConfig.environment
    const msn = yield* VippsConfig.merchantSerialNumber
    if (Option.isNone(msn)) {
      return yield* Effect.fail(
        ConfigError.MissingData(["VIPPS_MOBILEPAY_MSN"], "the examples need VIPPS_MOBILEPAY_MSN"),
      )
    }
    const custom = environment.name === "custom"
    const currency = yield* Config.literal(
      "DKK",
      "EUR",
      "NOK",
    )("VIPPS_MOBILEPAY_CURRENCY").pipe(Config.withDefault("DKK" as const))
    const [customer] = SeedData.platformUsers
    return Context.make(Platform, {
      description: `Vipps MobilePay (${environment.name}: ${environment.baseUrl}, sales unit ${msn.value})`,
      merchantSerialNumber: msn.value,
      currency,
      // `pnpm sandbox` knows its own test users; the test environment knows yours.
      phoneNumber:
        custom && customer !== undefined
          ? Effect.succeed(customer.phoneNumber)
          : needed("VIPPS_MOBILEPAY_TEST_PHONE_NUMBER"),
      personalQr:
        custom && customer !== undefined
          ? Effect.succeed(customer.personalQr)
          : needed("VIPPS_MOBILEPAY_TEST_PERSONAL_QR"),
      customerUrl: custom
        ? Option.some(`${environment.baseUrl}/sandbox/v1/customer`)
        : Option.none(),
      webhook: Effect.gen(function* () {
        const port = yield* Config.port("VIPPS_MOBILEPAY_WEBHOOK_PORT").pipe(
          Config.withDefault(custom ? 0 : 8080),
        )
        const url = custom
          ? "http://127.0.0.1:{port}/hooks/vipps"
          : yield* needed("VIPPS_MOBILEPAY_WEBHOOK_URL")
        return { url, port }
      }),
    }).pipe(
      Context.add(PlatformKeys, {
        environment,
        credentials: yield* VippsConfig.credentials,
        system: yield* VippsConfig.system,
      }),
    )
  }),
)

// The one-layer setup (the three clients, and their tokens from token-service's cache over
// the Access Token API) for the platform's sales unit, on the counted HTTP client.
const clients = Layer.unwrapEffect(
  Effect.gen(function* () {
    const keys = yield* PlatformKeys
    const platform = yield* Platform
    return EPayment.layer({ ...keys, merchantSerialNumber: platform.merchantSerialNumber })
  }),
)

/**
 * The platform's clients (ePayment, Webhooks, QR) for the {@link Platform}, the platform
 * itself, and the counted HTTP client they use.
 */
export const layer = clients.pipe(
  Layer.provideMerge(
    Layer.unwrapEffect(
      Effect.map(
        Config.option(Config.string("VIPPS_MOBILEPAY_CLIENT_ID")),
        (clientId): Layer.Layer<Platform | PlatformKeys, unknown> =>
          Option.isSome(clientId) ? configured : embedded,
      ),
    ),
  ),
  Layer.provideMerge(Main.layerHttpClient),
)

/** An amount in minor units as the app shows it: `125.50 DKK`. */
export const amount = (value: number, currency: string): string =>
  Main.amount(value / 100, currency)

const CustomerAnswer = Schema.Struct({ state: Schema.optional(Schema.NullOr(Schema.String)) })

// The customer's app shows a request a moment after it is made: try every half second.
const untilShown = Schedule.spaced("500 millis").pipe(Schedule.intersect(Schedule.recurs(60)))

const customerCall = (path: string, body: Record<string, string>) =>
  Effect.gen(function* () {
    const platform = yield* Platform
    const http = HttpClient.filterStatusOk(yield* HttpClient.HttpClient)
    const base = Option.getOrElse(platform.customerUrl, () => "")
    return yield* HttpClientRequest.post(`${base}${path}`).pipe(
      HttpClientRequest.bodyUnsafeJson(body),
      http.execute,
      Effect.flatMap((response) => response.json),
      Effect.scoped,
    )
  })

/**
 * The customer approves the payment `reference` (after scanning `scanned` first, when given):
 * the sandbox's simulated customer does it once the request reaches their app; against the
 * test environment the example says what to do in the MobilePay test app, and the till waits.
 */
export const customerApproves = (
  reference: string,
  options: { readonly scanned?: string; readonly instructions: string },
) =>
  Effect.gen(function* () {
    const platform = yield* Platform
    if (Option.isNone(platform.customerUrl)) {
      return yield* Effect.log(`customer: ${options.instructions}`)
    }
    const phoneNumber = yield* platform.phoneNumber
    if (options.scanned !== undefined) {
      yield* customerCall("/scan", { phoneNumber, qr: options.scanned })
      yield* Effect.log(`customer ${phoneNumber} scanned the QR code`)
    }
    const answer = yield* customerCall("/approve", {
      phoneNumber,
      msn: platform.merchantSerialNumber,
      reference,
    }).pipe(Effect.retry(untilShown), Effect.flatMap(Schema.decodeUnknown(CustomerAnswer)))
    yield* Effect.log(`customer ${phoneNumber} approved in the app: ${answer.state ?? "?"}`)
  })

/** A customer scans a callback-QR sticker (the sandbox's customer; a person otherwise). */
export const customerScansSticker = (qrContent: string, phoneNumber: string, where: string) =>
  Effect.gen(function* () {
    const platform = yield* Platform
    if (Option.isNone(platform.customerUrl)) {
      return yield* Effect.log(`customer: scan the sticker "${where}" with the MobilePay test app`)
    }
    yield* customerCall("/scan", { phoneNumber, qr: qrContent })
    yield* Effect.log(`customer ${phoneNumber} scanned the sticker "${where}"`)
  })

/**
 * Polls the payment every 2 s (the platform's advice) until the customer has acted: it is then
 * `AUTHORIZED`, `ABORTED`, or `EXPIRED` after the customer's 10 minutes.
 */
export const awaitCustomer = (reference: string) =>
  Effect.gen(function* () {
    const client = yield* EPaymentClient.EPaymentClient
    let payment = yield* client.get(reference)
    while (payment.state === "CREATED") {
      yield* Effect.sleep("2 seconds")
      payment = yield* client.get(reference)
    }
    return payment
  })

/**
 * Captures an authorized payment in full, or fails saying how it ended.
 */
export const captureAll = (payment: Payment.GetPaymentResponse) =>
  Effect.gen(function* () {
    const client = yield* EPaymentClient.EPaymentClient
    const { currency } = yield* Platform
    if (payment.state !== "AUTHORIZED") {
      return yield* Effect.fail(new Error(`payment ${payment.reference} ended ${payment.state}`))
    }
    const captured = yield* client.capture(payment.reference, {
      currency,
      value: payment.aggregate.authorizedAmount.value,
    })
    return `payment ${payment.reference} captured: ${amount(
      captured.aggregate.capturedAmount.value,
      captured.amount.currency,
    )}`
  })

/** A reference per run: `{prefix}-{time}` (8–64 of `A-Z a-z 0-9 -`). */
export const newReference = (prefix: string) =>
  Effect.map(
    Effect.clockWith((clock) => clock.currentTimeMillis),
    (now) => `${prefix}-${now}`,
  )
