/**
 * The Vipps MobilePay ePayment client: create, get, the event log, capture, cancel (with
 * `cancelTransactionOnly`), refund, and force approve (test environment only), each a typed
 * Effect. Every call takes the same path: input checked before anything is sent (an invalid
 * field fails with `InvalidInput` naming it, and nothing leaves the process), the bearer token
 * of the sales unit, every header of the API (`Ocp-Apim-Subscription-Key`,
 * `Merchant-Serial-Number`, the `Vipps-System-*` headers), an `Idempotency-Key` made once per
 * logical create, capture, cancel or refund (or given by the caller) and sent with the same
 * body bytes on every retry, a deadline per attempt, retries of transient failures (network
 * errors, timeouts, 5xx, 423, 429 after its `Retry-After`, ErrorCodes 6160, 6250 and 6280,
 * and a 2xx answer cut off before its JSON ends on a read or a keyed call, whose repeat
 * returns what the platform already did), and on a 401 one new token and one more try.
 *
 * Unlike the official SDK, which makes a new random key inside every call, a retry here is
 * the same operation: pass your own `idempotencyKey` (persisted with the `reference` before
 * the call) to make it the same operation across a crash and restart too.
 *
 * @example
 * import { EPaymentClient } from "@effect-mobilepay/epayment"
 * import * as Effect from "effect/Effect"
 *
 * // A till pushes a payment to the customer's phone, then captures it once approved. The
 * // reference and both keys come from the till's own order, persisted before the calls.
 * const sale = Effect.gen(function* () {
 *   const client = yield* EPaymentClient.EPaymentClient
 *   const reference = "till-1-order-42-1"
 *   yield* client.create(
 *     {
 *       amount: { currency: "DKK", value: 1250 },
 *       paymentMethod: { type: "WALLET" },
 *       reference,
 *       userFlow: "PUSH_MESSAGE",
 *       customer: { phoneNumber: "4512345678" },
 *       customerInteraction: "CUSTOMER_PRESENT",
 *       paymentDescription: "Order 42",
 *     },
 *     { idempotencyKey: "order-42-create-1" },
 *   )
 *   const payment = yield* client.get(reference)
 *   if (payment.state === "AUTHORIZED") {
 *     yield* client.capture(reference, { currency: "DKK", value: 1250 }, {
 *       idempotencyKey: "order-42-capture-1",
 *     })
 *   }
 * }).pipe(Effect.catchTag("CustomerCannotPay", () => Effect.logInfo("offer another way to pay")))
 *
 * @since 0.2.0
 */
import {
  Domain as CoreDomain,
  DurationOption,
  InvalidInput,
  RequestPath,
  RetryPolicy,
  type TokenError,
  Untrusted,
  VippsConfig,
  type VippsEnvironment,
  VippsSystem,
} from "@effect-mobilepay/core"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Clock from "effect/Clock"
import type * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { IdempotencyKey, Reference } from "./Domain.js"
import * as EPaymentError from "./EPaymentError.js"
import * as Payment from "./Payment.js"
import { type AccessTokens, AccessTokenService } from "./internal/tokens.js"
import * as VippsCall from "./internal/vippsCall.js"

/**
 * Every way an ePayment call can fail: the platform's answer
 * ({@link EPaymentError.EPaymentError}), the token request, or input refused before sending.
 *
 * @since 0.2.0
 * @category errors
 */
export type EPaymentClientError =
  EPaymentError.EPaymentError | TokenError.TokenError | InvalidInput.InvalidInput

/**
 * Per-call options.
 *
 * @since 0.2.0
 * @category options
 */
export interface CallOptions {
  /** The sales unit this call is for, when not the layer's (4 to 10 digits). */
  readonly merchantSerialNumber?: string | undefined
  /**
   * This call's deadline per attempt, instead of the operation's default: a positive, finite
   * duration (anything else is `InvalidInput`, before anything is sent).
   */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Options of the calls that change a payment (create, capture, cancel, refund).
 *
 * @since 0.2.0
 * @category options
 */
export interface ModificationOptions extends CallOptions {
  /**
   * The `Idempotency-Key` of this logical operation: 1 to 50 of `A-Z`, `a-z`, `0-9`, `-`. By
   * default a new UUID, made once and sent on every retry. Pass your own, persisted before the
   * call, to make a retry after a restart the same operation; a new key is a new operation
   * (a second capture, a second refund).
   */
  readonly idempotencyKey?: string | undefined
}

/**
 * Options of cancel.
 *
 * @since 0.2.0
 * @category options
 */
export interface CancelOptions extends ModificationOptions {
  /**
   * Cancel only if the customer has not authorized yet; if they have, the call fails with
   * `CannotCancelAuthorized` (6060) and the reservation is kept. For a till that gives up while
   * the customer may be approving at the same moment.
   * @default false
   */
  readonly cancelTransactionOnly?: boolean | undefined
}

type Call<A> = Effect.Effect<A, EPaymentClientError>

/**
 * @since 0.2.0
 * @category models
 */
export declare namespace EPaymentClient {
  /**
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /** The sales unit calls are for unless they name another. */
    readonly merchantSerialNumber: string
    /**
     * `createPayment`: asks the customer to pay. The `reference` is the payment's id from then
     * on; a lost answer is recovered by retrying with the same key, or by `get`.
     */
    readonly create: (
      request: Payment.CreatePaymentRequest.Encoded,
      options?: ModificationOptions,
    ) => Call<Payment.CreatePaymentResponse>
    /** `getPayment`: the payment now (its state and `aggregate`). Poll it: 5 s after create, then every 2 s. */
    readonly get: (reference: string, options?: CallOptions) => Call<Payment.GetPaymentResponse>
    /** `getPaymentEventLog`: every event of the payment, in time order. */
    readonly events: (
      reference: string,
      options?: CallOptions,
    ) => Call<ReadonlyArray<Payment.PaymentEvent>>
    /** `capturePayment`: captures (part of) the authorized amount; repeatable until it is used up. */
    readonly capture: (
      reference: string,
      amount: Payment.ModificationRequest.Encoded["modificationAmount"],
      options?: ModificationOptions,
    ) => Call<Payment.ModificationResponse>
    /** `cancelPayment`: releases everything not yet captured, at once and for good. */
    readonly cancel: (
      reference: string,
      options?: CancelOptions,
    ) => Call<Payment.ModificationResponse>
    /** `refundPayment`: refunds (part of) the captured amount; repeatable until it is used up. */
    readonly refund: (
      reference: string,
      amount: Payment.ModificationRequest.Encoded["modificationAmount"],
      options?: ModificationOptions,
    ) => Call<Payment.ModificationResponse>
    /**
     * `forceApprove`: approves the payment as the customer would, without the app. Test
     * environment (and custom hosts such as the sandbox) only: in production it fails with
     * `ForceApproveNotAllowed` before sending.
     */
    readonly forceApprove: (
      reference: string,
      request: Payment.ForceApproveRequest.Encoded,
      options?: CallOptions,
    ) => Effect.Effect<void, EPaymentClientError | EPaymentError.ForceApproveNotAllowed>
  }
}

/**
 * The ePayment client of one sales unit (or of a partner acting for several).
 *
 * @since 0.2.0
 * @category tags
 */
export class EPaymentClient extends Context.Tag("@effect-mobilepay/epayment/EPaymentClient")<
  EPaymentClient,
  EPaymentClient.Service
>() {}

/**
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /** Where the platform is (test, production, or a custom host such as the sandbox). */
  readonly environment: VippsEnvironment.VippsEnvironment
  /** The sales unit's `Ocp-Apim-Subscription-Key` (the one its tokens were issued for). */
  readonly subscriptionKey: Redacted.Redacted<string>
  /** The sales unit calls are for unless they name another (4 to 10 digits). */
  readonly merchantSerialNumber: string
  /**
   * The `Vipps-System-*` headers, sent on every call.
   * @default VippsSystem.none
   */
  readonly system?: VippsSystem.VippsSystem | undefined
  /**
   * The deadline of one attempt of get and the event log. No timeout is published; a read is
   * polled every 2 s, so a slow one gives way to the next rather than piling up.
   * @default "5 seconds"
   */
  readonly readTimeout?: Duration.DurationInput | undefined
  /**
   * The deadline of one attempt of create, capture, cancel, refund and force approve. No
   * timeout is published; §8 of the rules advises 10–30 s for POSTs, because a retry with the
   * same key and body is safe and a timeout is never a failed payment.
   * @default "15 seconds"
   */
  readonly writeTimeout?: Duration.DurationInput | undefined
  /**
   * Retries of transient failures. Create, capture, cancel and refund count against a limit
   * of 5 a minute per reference: they retry at most 3 times whatever the policy says (4
   * attempts; an attempt answered 401 makes one more try with a new token).
   * @default RetryPolicy.defaultPolicy (2 retries, backoff from 200 ms with jitter)
   */
  readonly retryPolicy?: RetryPolicy.RetryPolicy | undefined
  /**
   * The largest answer read, in bytes; a larger one fails with `EPaymentResponseTooLarge`
   * without being buffered.
   * @default 1048576
   */
  readonly maxResponseBytes?: number | undefined
}

/**
 * The most retries of a create, capture, cancel or refund: 4 attempts, under the platform's
 * limit of 5 a minute per reference. (A 401 adds one more try with a new token; whether the
 * limit counts a request the gateway refused is not documented.)
 *
 * @since 0.2.0
 * @category constants
 */
export const maxModificationRetries = 3

// The API rejects unknown request fields, so a caller's extra field is refused here, named,
// rather than dropped in silence or sent.
const strict: InvalidInput.DecoderOptions = { onExcessProperty: "error" }
const decoder = <A, I>(schema: Schema.Schema<A, I>, name: string) =>
  InvalidInput.decoder(schema, name, strict)
// For an input that may be absent (`undefined` stays so).
const optionalDecoder = <A, I>(schema: Schema.Schema<A, I>, name: string) => {
  const decode = decoder(schema, name)
  return (input: unknown): Either.Either<A | undefined, InvalidInput.InvalidInput> =>
    input === undefined ? Either.right(undefined) : decode(input)
}

const decodeMsn = decoder(CoreDomain.MerchantSerialNumber, "merchantSerialNumber")
const decodeReference = decoder(Reference, "reference")
const decodeIdempotencyKey = optionalDecoder(IdempotencyKey, "idempotencyKey")
const decodeCancelOnly = optionalDecoder(Schema.Boolean, "cancelTransactionOnly")

// A checked request and its wire form (the request path encodes it once per logical call, so
// every retry sends the same bytes).
const wire = <A, I>(schema: Schema.Schema<A, I>, name: string) => {
  const decode = decoder(schema, name)
  const encode = Schema.encodeSync(schema)
  return (input: unknown) => Either.map(decode(input), (value) => ({ value, body: encode(value) }))
}
const createWire = wire(Payment.CreatePaymentRequest, "request")
const modificationWire = wire(Payment.ModificationRequest, "modificationAmount")
const forceApproveWire = wire(Payment.ForceApproveRequest, "request")

// `expiresAt` must be more than 10 minutes and at most 60 days ahead (6110/6120 otherwise).
const expiresAtWindow = { min: Duration.minutes(10), max: Duration.days(60) }

// Compiled once: the decoder of each answer.
const answers = {
  created: RequestPath.answer(Payment.CreatePaymentResponse),
  payment: RequestPath.answer(Payment.GetPaymentResponse),
  events: RequestPath.answer(Payment.PaymentEventLog),
  modified: RequestPath.answer(Payment.ModificationResponse),
}

type Operation = EPaymentError.EPaymentOperation

// `Retry-After` in seconds, as an error carries it; the request path itself honours both forms.
const retryAfterSeconds = (value: string | undefined): Duration.Duration | undefined =>
  value !== undefined && /^\s*\d+\s*$/.test(value) ? Duration.seconds(Number(value)) : undefined

// What the ePayment API plugs into core's request path: its headers, its errors, which of
// them are transient, and what a span may show.
const ePaymentApi = (settings: {
  readonly subscriptionKey: Redacted.Redacted<string>
  readonly system: VippsSystem.VippsSystem
  readonly tokens: AccessTokens
  readonly retryPolicy: RetryPolicy.RetryPolicy
  readonly maxResponseBytes: number
}): RequestPath.Api<Operation, EPaymentError.EPaymentError> => ({
  name: "EPaymentClient",
  headers: {
    accept: "application/json",
    // The one place the subscription key leaves its Redacted wrapper: into its header, which
    // Effect's HTTP logging and tracing redact (below).
    "ocp-apim-subscription-key": Redacted.value(settings.subscriptionKey),
    ...VippsSystem.headers(settings.system),
  },
  tokens: settings.tokens,
  secrets: [Redacted.value(settings.subscriptionKey)],
  redactedHeaders: ["ocp-apim-subscription-key"],
  // A keyed create, capture, cancel or refund repeated with the same bytes is the same one.
  idempotencyHeader: "idempotency-key",
  retryPolicy: settings.retryPolicy,
  maxResponseBytes: settings.maxResponseBytes,
  failed: (call, answer) =>
    EPaymentError.fromResponse({
      operation: call.operation,
      status: answer.status,
      body: answer.body ?? "",
      traceIdHeader: answer.correlationId,
      retryAfter: retryAfterSeconds(answer.headers["retry-after"]),
      secrets: answer.secrets,
    }),
  unreachable: (call, reason, detail) =>
    new EPaymentError.EPaymentTransportError({ operation: call.operation, reason, detail }),
  malformed: (call, status, issue, secrets) =>
    EPaymentError.decodeError({ operation: call.operation, status, issue, secrets }),
  tooLarge: (call, status) =>
    new EPaymentError.EPaymentResponseTooLarge({
      operation: call.operation,
      status,
      maxBytes: settings.maxResponseBytes,
    }),
  retryable: EPaymentError.isTransient,
  spanAttributes: (call) => ({
    "epayment.operation": call.operation,
    "epayment.merchant_serial_number": call.headers?.["merchant-serial-number"],
    "epayment.idempotency_key": call.headers?.["idempotency-key"],
  }),
})

/**
 * Builds an {@link EPaymentClient.Service} on the `HttpClient` and the access tokens in
 * context. A malformed MSN, or an invalid timeout or size limit, fails here, before any call.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<
  EPaymentClient.Service,
  InvalidInput.InvalidInput,
  HttpClient.HttpClient | AccessTokenService
> =>
  Effect.gen(function* () {
    // Checked here, as the other clients do, so that a bad key or URL fails the layer rather
    // than the first call.
    const baseUrl = yield* VippsCall.checkBaseUrl(options.environment)
    yield* VippsCall.checkSubscriptionKey(options.subscriptionKey)
    const readTimeout = yield* DurationOption.timeout(
      "readTimeout",
      options.readTimeout,
      "5 seconds",
    )
    const writeTimeout = yield* DurationOption.timeout(
      "writeTimeout",
      options.writeTimeout,
      "15 seconds",
    )
    const maxResponseBytes = yield* Untrusted.byteLimit(
      "maxResponseBytes",
      options.maxResponseBytes,
      1_048_576,
    )
    const defaultMsn = yield* decodeMsn(options.merchantSerialNumber)
    const retryPolicy = options.retryPolicy ?? RetryPolicy.defaultPolicy
    const api = ePaymentApi({
      subscriptionKey: options.subscriptionKey,
      system: options.system ?? VippsSystem.none,
      tokens: yield* AccessTokenService,
      retryPolicy,
      maxResponseBytes,
    })
    // Two paths, one per retry bound: reads retry as the policy says, modifications at most
    // maxModificationRetries times (5 a minute per reference).
    const reads = yield* RequestPath.make(api)
    const modifications = yield* RequestPath.make({
      ...api,
      retryPolicy: new RetryPolicy.RetryPolicy({
        ...retryPolicy,
        retries: Math.min(retryPolicy.retries, maxModificationRetries),
      }),
    })
    const base = `${baseUrl}/epayment/v1`
    const payment = (reference: string) => `${base}/payments/${reference}`

    // What every call resolves before sending: its sales unit (its token and its header), its
    // deadline, and for a modification its Idempotency-Key, made here once per logical
    // operation, before the request path's retries.
    const context = (
      callOptions: ModificationOptions | undefined,
      fallback: Duration.Duration,
      keyed: boolean,
    ) =>
      Effect.gen(function* () {
        const merchantSerialNumber =
          callOptions?.merchantSerialNumber === undefined
            ? defaultMsn
            : yield* decodeMsn(callOptions.merchantSerialNumber)
        const timeout =
          callOptions?.timeout === undefined
            ? fallback
            : yield* DurationOption.decode("timeout", callOptions.timeout)
        const headers: Record<string, string> = { "merchant-serial-number": merchantSerialNumber }
        if (keyed) {
          const given = yield* decodeIdempotencyKey(callOptions?.idempotencyKey)
          headers["idempotency-key"] = given ?? (yield* Effect.sync(() => crypto.randomUUID()))
        }
        return { timeout, tokenKey: merchantSerialNumber, headers }
      })

    const modify = (
      operation: "capturePayment" | "refundPayment",
      reference: string,
      request: unknown,
      modificationOptions: ModificationOptions | undefined,
    ) =>
      Effect.gen(function* () {
        const ref = yield* decodeReference(reference)
        const { body } = yield* modificationWire(request)
        const ctx = yield* context(modificationOptions, writeTimeout, true)
        return yield* modifications.execute(
          {
            operation,
            method: "POST",
            url: `${payment(ref)}/${operation === "capturePayment" ? "capture" : "refund"}`,
            body,
            ...ctx,
          },
          answers.modified,
        )
      })

    return EPaymentClient.of({
      merchantSerialNumber: defaultMsn,
      create: (request, o) =>
        Effect.gen(function* () {
          const { value, body } = yield* createWire(request)
          if (value.expiresAt !== undefined) {
            const ahead = Duration.millis(
              value.expiresAt.epochMillis - (yield* Clock.currentTimeMillis),
            )
            if (
              Duration.lessThanOrEqualTo(ahead, expiresAtWindow.min) ||
              Duration.greaterThan(ahead, expiresAtWindow.max)
            ) {
              return yield* new InvalidInput.InvalidInput({
                field: "expiresAt",
                reason: "must be more than 10 minutes and at most 60 days ahead",
              })
            }
          }
          const ctx = yield* context(o, writeTimeout, true)
          return yield* modifications.execute(
            {
              operation: "createPayment",
              method: "POST",
              url: `${base}/payments`,
              body,
              ...ctx,
            },
            answers.created,
          )
        }),
      get: (reference, o) =>
        Effect.gen(function* () {
          const ref = yield* decodeReference(reference)
          const ctx = yield* context(o, readTimeout, false)
          return yield* reads.execute(
            {
              operation: "getPayment",
              method: "GET",
              url: payment(ref),
              ...ctx,
            },
            answers.payment,
          )
        }),
      events: (reference, o) =>
        Effect.gen(function* () {
          const ref = yield* decodeReference(reference)
          const ctx = yield* context(o, readTimeout, false)
          return yield* reads.execute(
            {
              operation: "getPaymentEventLog",
              method: "GET",
              url: `${payment(ref)}/events`,
              ...ctx,
            },
            answers.events,
          )
        }),
      capture: (reference, amount, o) =>
        modify("capturePayment", reference, { modificationAmount: amount }, o),
      refund: (reference, amount, o) =>
        modify("refundPayment", reference, { modificationAmount: amount }, o),
      cancel: (reference, o) =>
        Effect.gen(function* () {
          const ref = yield* decodeReference(reference)
          const only = yield* decodeCancelOnly(o?.cancelTransactionOnly)
          const ctx = yield* context(o, writeTimeout, true)
          return yield* modifications.execute(
            {
              operation: "cancelPayment",
              method: "POST",
              url: `${payment(ref)}/cancel`,
              // The contract's cancel has no body; the flag is the live API's. Without it,
              // nothing is sent, as the official SDK does.
              body: only === true ? { cancelTransactionOnly: true } : undefined,
              ...ctx,
            },
            answers.modified,
          )
        }),
      forceApprove: (reference, request, o) =>
        Effect.gen(function* () {
          if (options.environment.name === "production") {
            return yield* new EPaymentError.ForceApproveNotAllowed({ environment: "production" })
          }
          const ref = yield* decodeReference(reference)
          const { body } = yield* forceApproveWire(request)
          const ctx = yield* context(o, writeTimeout, false)
          return yield* reads.execute({
            operation: "forceApprove",
            method: "POST",
            url: `${base}/test/payments/${ref}/approve`,
            body,
            ...ctx,
          })
        }),
    })
  })

/**
 * An {@link EPaymentClient} on the `HttpClient` and the access tokens in context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<
  EPaymentClient,
  InvalidInput.InvalidInput,
  HttpClient.HttpClient | AccessTokenService
> => Layer.effect(EPaymentClient, make(options))

/**
 * Where {@link layerConfig} reads each setting; each defaults to core's `VippsConfig`
 * (`VIPPS_MOBILEPAY_ENVIRONMENT` / `_BASE_URL`, `_SUBSCRIPTION_KEY`, `_MSN`, `_SYSTEM_*`).
 *
 * @since 0.2.0
 * @category options
 */
export interface ConfigOptions extends Omit<
  Options,
  "environment" | "subscriptionKey" | "merchantSerialNumber" | "system"
> {
  readonly environment?: Config.Config<VippsEnvironment.VippsEnvironment> | undefined
  readonly subscriptionKey?: Config.Config<Redacted.Redacted<string>> | undefined
  readonly merchantSerialNumber?: Config.Config<Option.Option<string>> | undefined
  readonly system?: Config.Config<VippsSystem.VippsSystem> | undefined
}

/**
 * An {@link EPaymentClient} configured from `Config` (by default the `VIPPS_MOBILEPAY_*`
 * variables). The MSN is required here: every ePayment call names its sales unit.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {},
): Layer.Layer<
  EPaymentClient,
  ConfigError.ConfigError,
  HttpClient.HttpClient | AccessTokenService
> =>
  Layer.effect(
    EPaymentClient,
    Effect.gen(function* () {
      const environment = yield* options.environment ?? VippsConfig.environment
      const subscriptionKey = yield* options.subscriptionKey ?? VippsConfig.subscriptionKey
      const system = yield* options.system ?? VippsConfig.system
      const msn = yield* options.merchantSerialNumber ?? VippsConfig.merchantSerialNumber
      const merchantSerialNumber = yield* Option.match(msn, {
        onNone: () =>
          Effect.fail(
            ConfigError.MissingData(
              ["VIPPS_MOBILEPAY_MSN"],
              "every ePayment call names its sales unit: set its Merchant Serial Number",
            ),
          ),
        onSome: Effect.succeed,
      })
      return yield* make({
        ...options,
        environment,
        subscriptionKey,
        system,
        merchantSerialNumber,
      }).pipe(
        // Configured from Config, so a bad option is reported like a bad variable.
        Effect.mapError((invalid) => ConfigError.InvalidData([invalid.field], invalid.reason)),
      )
    }),
  )
