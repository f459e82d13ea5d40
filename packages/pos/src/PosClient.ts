/**
 * The PoS V10 client: one method per operation (all 20, plus the sandbox's 3 user-simulation
 * calls), each a typed Effect. Every call takes the same path: input checked before anything
 * is sent, the bearer token from `TokenService`, MobilePay's headers, an idempotency key made
 * once per logical create call, a timeout (2 s for writes, 0.5 s for reads), retries of
 * transient failures, and on a 401 one new token and one more try.
 *
 * @since 0.1.0
 */
import {
  Domain as CoreDomain,
  DurationOption,
  type Environment,
  InvalidInput,
  MobilePayConfig,
  RetryPolicy,
  type TokenError,
  Untrusted,
} from "@effect-mobilepay/core"
import { TokenService } from "@effect-mobilepay/token-service"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { IdempotencyKey, PaymentId, PosId, RefundId, StoreId } from "./Domain.js"
import { decodeRequest } from "./internal/decodeRequest.js"
import * as Payment from "./Payment.js"
import * as PointOfSale from "./PointOfSale.js"
import type * as PosError from "./PosError.js"
import * as Refund from "./Refund.js"
import * as Store from "./Store.js"
import * as UserSimulation from "./UserSimulation.js"
import * as Pipeline from "./internal/pipeline.js"

/**
 * Every way a PoS call can fail: MobilePay's answer ({@link PosError.PosError}), the token
 * request, or input refused before sending.
 *
 * @since 0.1.0
 * @category errors
 */
export type PosClientError = PosError.PosError | TokenError.TokenError | InvalidInput.InvalidInput

/**
 * Per-call options.
 *
 * @since 0.1.0
 * @category options
 */
export interface CallOptions {
  /**
   * The merchant this call is for, when not the layer's default. Every PoS V10 call needs one
   * of the two: without, it fails with `InvalidInput` before anything is sent.
   */
  readonly merchantVat?: string | undefined
  /**
   * This call's timeout per attempt, instead of the default for reads or writes: a positive,
   * finite duration (anything else is `InvalidInput`, before anything is sent).
   */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Options of the create calls (`createPos`, `initiatePayment`, `preparePayment`,
 * `createRefund`).
 *
 * @since 0.1.0
 * @category options
 */
export interface CreateOptions extends CallOptions {
  /**
   * The idempotency key of this logical create (at most 36 valid characters). By default a
   * new GUID, made once and sent on every retry. Pass your own to make a create safe across
   * process restarts: the same key and request give the same resource.
   */
  readonly idempotencyKey?: string | undefined
}

type Call<A> = Effect.Effect<A, PosClientError>

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace PosClient {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** The merchant calls are for when they name none (`Options.merchantVat`), if any. */
    readonly merchantVat: string | undefined
    // Points of sale
    /** `CreatePos`: registers a point of sale in a store. */
    readonly createPos: (
      request: PointOfSale.CreatePosRequest.Encoded,
      options?: CreateOptions,
    ) => Call<PointOfSale.CreatePosResponse>
    /** `GetPosWithFilter`: the ids of the points of sale matching a filter. */
    readonly getPosWithFilter: (
      filter: PointOfSale.GetPosWithFilterRequest.Encoded,
      options?: CallOptions,
    ) => Call<PointOfSale.PosIdsResponse>
    /** `GetPos`: a point of sale, with its (possibly generated) beacon id. */
    readonly getPos: (posId: string, options?: CallOptions) => Call<PointOfSale.PosResponse>
    /** `DeletePos`: removes a point of sale; its reserved payments can still be settled. */
    readonly deletePos: (posId: string, options?: CallOptions) => Call<void>
    /** `GetCheckIn`: whether a customer is checked in at the point of sale (poll it). */
    readonly getCheckIn: (
      posId: string,
      options?: CallOptions,
    ) => Call<PointOfSale.GetCheckInResponse>
    // Stores
    /** `GetStores`: the merchant's store ids, optionally filtered. */
    readonly getStores: (
      filter?: Store.GetStoresRequest.Encoded,
      options?: CallOptions,
    ) => Call<Store.StoreIdsResponse>
    /** `GetDetailedStores`: the merchant's stores with their details. */
    readonly getDetailedStores: (
      filter?: Store.GetStoresRequest.Encoded,
      options?: CallOptions,
    ) => Call<Store.GetDetailedStoresResponse>
    /** `GetStore`: one store. */
    readonly getStore: (storeId: string, options?: CallOptions) => Call<Store.StoreResponse>
    // Payments
    /** `InitiatePayment`: a payment for the customer at the point of sale. */
    readonly initiatePayment: (
      request: Payment.InitiatePaymentRequest.Encoded,
      options?: CreateOptions,
    ) => Call<Payment.PaymentInitiatedResponse>
    /** `PreparePayment`: a payment the customer can pair with before the amount is known. */
    readonly preparePayment: (
      request: Payment.PreparePaymentRequest.Encoded,
      options?: CreateOptions,
    ) => Call<Payment.PaymentInitiatedResponse>
    /** `PaymentReady`: the amount and terms of a prepared payment. */
    readonly paymentReady: (
      paymentId: string,
      request: Payment.PaymentReadyRequest.Encoded,
      options?: CallOptions,
    ) => Call<void>
    /** `QueryPayment`: a payment and its status (poll it, after `pollDelayInMs`). */
    readonly queryPayment: (
      paymentId: string,
      options?: CallOptions,
    ) => Call<Payment.QueryPaymentResponse>
    /** `QueryPaymentIds`: active/reserved (or captured) payments by point of sale and order id. */
    readonly queryPaymentIds: (
      filter: Payment.QueryPaymentIdsRequest.Encoded,
      options?: CallOptions,
    ) => Call<Payment.QueryPaymentIdsResponse>
    /** `CapturePayment`: captures a reserved payment (partially where possible). */
    readonly capturePayment: (
      paymentId: string,
      request: Payment.PaymentCaptureRequest.Encoded,
      options?: CallOptions,
    ) => Call<void>
    /** `CancelPayment`: cancels an active or reserved payment. */
    readonly cancelPayment: (paymentId: string, options?: CallOptions) => Call<void>
    // Refunds
    /** `CreateRefund`: a refund of (part of) a captured payment. */
    readonly createRefund: (
      request: Refund.CreateRefundRequest.Encoded,
      options?: CreateOptions,
    ) => Call<Refund.CreateRefundResponse>
    /** `QueryRefundIds`: the refunds of a payment. */
    readonly queryRefundIds: (
      filter: Refund.QueryRefundIdsRequest.Encoded,
      options?: CallOptions,
    ) => Call<Refund.QueryRefundIdsResponse>
    /** `GetRefund`: a refund and its status (poll it). */
    readonly getRefund: (refundId: string, options?: CallOptions) => Call<Refund.GetRefundResponse>
    /** `CaptureRefund`: completes a reserved refund. */
    readonly captureRefund: (refundId: string, options?: CallOptions) => Call<void>
    /** `CancelRefund`: cancels a refund that is not captured yet. */
    readonly cancelRefund: (refundId: string, options?: CallOptions) => Call<void>
    // User simulation (sandbox only)
    /** Sandbox only: a test user checks in on a beacon. */
    readonly simulateCheckIn: (
      request: UserSimulation.UserCheckInRequest.Encoded,
      options?: CallOptions,
    ) => Call<void>
    /** Sandbox only: the checked-in test user accepts the payment issued to them. */
    readonly simulateAcceptPayment: (
      request: UserSimulation.AcceptPaymentRequest.Encoded,
      options?: CallOptions,
    ) => Call<void>
    /** Sandbox only: the user cancels the payment on the beacon. */
    readonly simulateCancelPaymentByUser: (
      request: UserSimulation.CancelPaymentByUserRequest.Encoded,
      options?: CallOptions,
    ) => Call<void>
  }
}

/**
 * The PoS V10 client of one integrator client.
 *
 * @since 0.1.0
 * @category tags
 */
export class PosClient extends Context.Tag("@effect-mobilepay/pos/PosClient")<
  PosClient,
  PosClient.Service
>() {}

/**
 * @since 0.1.0
 * @category options
 */
export interface Options {
  /** Where the PoS API (and, in the sandbox, the user simulation) is. */
  readonly environment: Environment.Environment
  /** The integrator's certified version, `Major.Minor.Build` (sent on every call). */
  readonly clientSystemVersion: string
  /**
   * The merchant calls are for unless a call names another (`DK`/`FI` + 8 digits). Without it,
   * every call must name its own (`CallOptions.merchantVat`).
   */
  readonly merchantVat?: string | undefined
  /**
   * `merchant`: a merchant-bound token per merchant (no VAT header); `unbound`: one token for
   * all merchants, each call naming its merchant in `x-mobilepay-merchant-vat-number`.
   * @default "merchant"
   */
  readonly tokenBinding?: "merchant" | "unbound" | undefined
  /** @default "500 millis" (MobilePay's timeout for GETs) */
  readonly readTimeout?: Duration.DurationInput | undefined
  /** @default "2 seconds" (MobilePay's timeout for POST, PUT and DELETE) */
  readonly writeTimeout?: Duration.DurationInput | undefined
  /** @default RetryPolicy.defaultPolicy (2 retries of network errors, timeouts and 5xx) */
  readonly retryPolicy?: RetryPolicy.RetryPolicy | undefined
  /**
   * The largest answer read, in bytes; a larger one fails with `PosResponseTooLarge` (an
   * error answer that large keeps only its status) without being buffered.
   * @default 1048576
   * @since 0.2.0
   */
  readonly maxResponseBytes?: number | undefined
}

const optionalInput = <A, I>(schema: Schema.Schema<A, I>, field: string) => {
  const decode = decodeRequest(schema, field)
  return (value: I | undefined): Effect.Effect<A | undefined, InvalidInput.InvalidInput> =>
    value === undefined ? Effect.succeed(undefined) : decode(value)
}

const decodeVat = optionalInput(CoreDomain.MerchantVat, "merchantVat")
const noMerchant = new InvalidInput.InvalidInput({
  field: "merchantVat",
  reason:
    "no merchant for this call: name one with the call's merchantVat option, or give the layer " +
    "a default (its merchantVat option, or MOBILEPAY_MERCHANT_VAT for layerConfig)",
})
const decodePosId = decodeRequest(PosId, "posId")
const decodePaymentId = decodeRequest(PaymentId, "paymentId")
const decodeRefundId = decodeRequest(RefundId, "refundId")
const decodeStoreId = decodeRequest(StoreId, "storeId")
const decodeIdempotencyKey = optionalInput(IdempotencyKey, "idempotencyKey")

// The wire form of a checked request: encoding cannot fail for a value that just decoded.
const checked =
  <A, I>(schema: Schema.Schema<A, I>, field: string) =>
  (input: I): Effect.Effect<I, InvalidInput.InvalidInput> =>
    decodeRequest(schema, field)(input).pipe(Effect.map(Schema.encodeSync(schema)))

// Compiled once: the decoder of each answer.
const answers = {
  CreatePosResponse: Pipeline.answer(PointOfSale.CreatePosResponse),
  CreateRefundResponse: Pipeline.answer(Refund.CreateRefundResponse),
  GetCheckInResponse: Pipeline.answer(PointOfSale.GetCheckInResponse),
  GetDetailedStoresResponse: Pipeline.answer(Store.GetDetailedStoresResponse),
  GetRefundResponse: Pipeline.answer(Refund.GetRefundResponse),
  PaymentInitiatedResponse: Pipeline.answer(Payment.PaymentInitiatedResponse),
  PosIdsResponse: Pipeline.answer(PointOfSale.PosIdsResponse),
  PosResponse: Pipeline.answer(PointOfSale.PosResponse),
  QueryPaymentIdsResponse: Pipeline.answer(Payment.QueryPaymentIdsResponse),
  QueryPaymentResponse: Pipeline.answer(Payment.QueryPaymentResponse),
  QueryRefundIdsResponse: Pipeline.answer(Refund.QueryRefundIdsResponse),
  StoreIdsResponse: Pipeline.answer(Store.StoreIdsResponse),
  StoreResponse: Pipeline.answer(Store.StoreResponse),
}

/**
 * Builds a {@link PosClient.Service} on the `HttpClient` and `TokenService` in context. A
 * malformed version or merchant, or an invalid timeout or size limit, fails here, before any
 * call.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<
  PosClient.Service,
  InvalidInput.InvalidInput,
  HttpClient.HttpClient | TokenService.TokenService
> =>
  Effect.gen(function* () {
    const readTimeout = yield* DurationOption.timeout(
      "readTimeout",
      options.readTimeout,
      "500 millis",
    )
    const writeTimeout = yield* DurationOption.timeout(
      "writeTimeout",
      options.writeTimeout,
      "2 seconds",
    )
    const maxResponseBytes = yield* Untrusted.byteLimit(
      "maxResponseBytes",
      options.maxResponseBytes,
      1_048_576,
    )
    const tokens = yield* TokenService.TokenService
    const clientSystemVersion = yield* decodeRequest(
      CoreDomain.ClientSystemVersion,
      "clientSystemVersion",
    )(options.clientSystemVersion)
    const defaultMerchant = yield* decodeVat(options.merchantVat)
    const posUrl = options.environment.posUrl
    const pipeline = yield* Pipeline.make({
      tokens,
      clientSystemVersion,
      tokenBinding: options.tokenBinding ?? "merchant",
      readTimeout,
      writeTimeout,
      retryPolicy: options.retryPolicy ?? RetryPolicy.defaultPolicy,
      maxResponseBytes,
    })

    // What every call resolves before sending: its merchant and its timeout (without options,
    // the layer's, resolved once).
    const defaults = Effect.succeed({ merchantVat: defaultMerchant, timeout: undefined })
    const resolve = (callOptions: CallOptions | undefined) =>
      callOptions === undefined
        ? defaults
        : Effect.gen(function* () {
            const merchantVat = yield* decodeVat(callOptions?.merchantVat)
            const timeout =
              callOptions?.timeout === undefined
                ? undefined
                : yield* DurationOption.decode("timeout", callOptions.timeout)
            return { merchantVat: merchantVat ?? defaultMerchant, timeout }
          })
    // Every V10 operation is for a merchant, named in a merchant-bound token or in the VAT
    // header; without one MobilePay answers 400 (code 1151) once the call is sent. The user
    // simulation's calls name none in the published API, so they go without.
    const context = (operation: PosError.PosOperation, callOptions: CallOptions | undefined) =>
      Effect.flatMap(resolve(callOptions), (ctx) =>
        ctx.merchantVat === undefined && !operation.startsWith("UserSimulation")
          ? Effect.fail(noMerchant)
          : Effect.succeed(ctx),
      )

    const idempotencyKey = (createOptions: CreateOptions | undefined) =>
      Effect.flatMap(
        decodeIdempotencyKey(createOptions?.idempotencyKey),
        (key): Effect.Effect<string> =>
          key === undefined ? Effect.sync(() => crypto.randomUUID()) : Effect.succeed(key),
      )

    const userSimulationUrl = (path: string) =>
      Either.fromNullable(
        options.environment.userSimulationUrl,
        () =>
          new InvalidInput.InvalidInput({
            field: "environment",
            reason: "this environment has no user simulation (it exists in the sandbox only)",
          }),
      ).pipe(Either.map((base) => `${base}${path}`))

    interface Extra {
      readonly body?: unknown
      readonly urlParams?: Readonly<Record<string, string | undefined>>
      readonly idempotencyKey?: string
    }

    // A call whose answer has a body, decoded with `answer`.
    const query = <A>(
      operation: PosError.PosOperation,
      method: "GET" | "POST",
      url: string,
      callOptions: CallOptions | undefined,
      extra: Extra,
      answer: Pipeline.Answer<A>,
    ) =>
      Effect.flatMap(context(operation, callOptions), (ctx) =>
        pipeline.execute({ operation, method, url, ...extra, ...ctx }, answer),
      )

    // A call whose answer is just its status.
    const command = (
      operation: PosError.PosOperation,
      method: "POST" | "DELETE",
      url: string,
      callOptions: CallOptions | undefined,
      extra: Extra = {},
    ) =>
      Effect.flatMap(context(operation, callOptions), (ctx) =>
        pipeline.execute({ operation, method, url, ...extra, ...ctx }),
      )

    // A create: its body checked, and its idempotency key made once, here, before the
    // pipeline's retry loop, so that every retry sends the same key.
    const create = <A, B, J>(
      operation: "CreatePos" | "InitiatePayment" | "PreparePayment" | "CreateRefund",
      url: string,
      requestSchema: Schema.Schema<B, J>,
      request: J,
      createOptions: CreateOptions | undefined,
      answer: Pipeline.Answer<A>,
    ) =>
      Effect.gen(function* () {
        const body = yield* checked(requestSchema, "request")(request)
        const key = yield* idempotencyKey(createOptions)
        return yield* query(
          operation,
          "POST",
          url,
          createOptions,
          { body, idempotencyKey: key },
          answer,
        )
      })

    const simulate =
      <B, J>(
        operation:
          "UserSimulationCheckin" | "UserSimulationAcceptPayment" | "UserSimulationCancelPayment",
        path: string,
        requestSchema: Schema.Schema<B, J>,
      ) =>
      (request: J, callOptions?: CallOptions) =>
        Effect.gen(function* () {
          const url = yield* userSimulationUrl(path)
          const body = yield* checked(requestSchema, "request")(request)
          return yield* command(operation, "POST", url, callOptions, { body })
        })

    const pos = (id: string) => `${posUrl}/pointofsales/${id}`
    const payment = (id: string) => `${posUrl}/payments/${id}`
    const refund = (id: string) => `${posUrl}/refunds/${id}`

    return PosClient.of({
      merchantVat: defaultMerchant,
      createPos: (request, o) =>
        create(
          "CreatePos",
          `${posUrl}/pointofsales`,
          PointOfSale.CreatePosRequest,
          request,
          o,
          answers.CreatePosResponse,
        ),
      getPosWithFilter: (filter, o) =>
        Effect.flatMap(
          checked(PointOfSale.GetPosWithFilterRequest, "filter")(filter),
          (urlParams) =>
            query(
              "GetPosWithFilter",
              "GET",
              `${posUrl}/pointofsales`,
              o,
              { urlParams },
              answers.PosIdsResponse,
            ),
        ),
      getPos: (posId, o) =>
        Effect.flatMap(decodePosId(posId), (id) =>
          query("GetPos", "GET", pos(id), o, {}, answers.PosResponse),
        ),
      deletePos: (posId, o) =>
        Effect.flatMap(decodePosId(posId), (id) => command("DeletePos", "DELETE", pos(id), o)),
      getCheckIn: (posId, o) =>
        Effect.flatMap(decodePosId(posId), (id) =>
          query("GetCheckIn", "GET", `${pos(id)}/checkin`, o, {}, answers.GetCheckInResponse),
        ),
      getStores: (filter = {}, o) =>
        Effect.flatMap(checked(Store.GetStoresRequest, "filter")(filter), (urlParams) =>
          query("GetStores", "GET", `${posUrl}/stores`, o, { urlParams }, answers.StoreIdsResponse),
        ),
      getDetailedStores: (filter = {}, o) =>
        Effect.flatMap(checked(Store.GetStoresRequest, "filter")(filter), (urlParams) =>
          query(
            "GetDetailedStores",
            "GET",
            `${posUrl}/stores/detailed`,
            o,
            { urlParams },
            answers.GetDetailedStoresResponse,
          ),
        ),
      getStore: (storeId, o) =>
        Effect.flatMap(decodeStoreId(storeId), (id) =>
          query("GetStore", "GET", `${posUrl}/stores/${id}`, o, {}, answers.StoreResponse),
        ),
      initiatePayment: (request, o) =>
        create(
          "InitiatePayment",
          `${posUrl}/payments`,
          Payment.InitiatePaymentRequest,
          request,
          o,
          answers.PaymentInitiatedResponse,
        ),
      preparePayment: (request, o) =>
        create(
          "PreparePayment",
          `${posUrl}/payments/prepare`,
          Payment.PreparePaymentRequest,
          request,
          o,
          answers.PaymentInitiatedResponse,
        ),
      paymentReady: (paymentId, request, o) =>
        Effect.gen(function* () {
          const id = yield* decodePaymentId(paymentId)
          const body = yield* checked(Payment.PaymentReadyRequest, "request")(request)
          return yield* command("PaymentReady", "POST", `${payment(id)}/ready`, o, { body })
        }),
      queryPayment: (paymentId, o) =>
        Effect.flatMap(decodePaymentId(paymentId), (id) =>
          query("QueryPayment", "GET", payment(id), o, {}, answers.QueryPaymentResponse),
        ),
      queryPaymentIds: (filter, o) =>
        Effect.flatMap(checked(Payment.QueryPaymentIdsRequest, "filter")(filter), (urlParams) =>
          query(
            "QueryPaymentIds",
            "GET",
            `${posUrl}/payments`,
            o,
            { urlParams },
            answers.QueryPaymentIdsResponse,
          ),
        ),
      capturePayment: (paymentId, request, o) =>
        Effect.gen(function* () {
          const id = yield* decodePaymentId(paymentId)
          const body = yield* checked(Payment.PaymentCaptureRequest, "request")(request)
          return yield* command("CapturePayment", "POST", `${payment(id)}/capture`, o, { body })
        }),
      cancelPayment: (paymentId, o) =>
        Effect.flatMap(decodePaymentId(paymentId), (id) =>
          command("CancelPayment", "POST", `${payment(id)}/cancel`, o),
        ),
      createRefund: (request, o) =>
        create(
          "CreateRefund",
          `${posUrl}/refunds`,
          Refund.CreateRefundRequest,
          request,
          o,
          answers.CreateRefundResponse,
        ),
      queryRefundIds: (filter, o) =>
        Effect.flatMap(checked(Refund.QueryRefundIdsRequest, "filter")(filter), (urlParams) =>
          query(
            "QueryRefundIds",
            "GET",
            `${posUrl}/refunds`,
            o,
            { urlParams },
            answers.QueryRefundIdsResponse,
          ),
        ),
      getRefund: (refundId, o) =>
        Effect.flatMap(decodeRefundId(refundId), (id) =>
          query("GetRefund", "GET", refund(id), o, {}, answers.GetRefundResponse),
        ),
      captureRefund: (refundId, o) =>
        Effect.flatMap(decodeRefundId(refundId), (id) =>
          command("CaptureRefund", "POST", `${refund(id)}/capture`, o),
        ),
      cancelRefund: (refundId, o) =>
        Effect.flatMap(decodeRefundId(refundId), (id) =>
          command("CancelRefund", "POST", `${refund(id)}/cancel`, o),
        ),
      simulateCheckIn: simulate(
        "UserSimulationCheckin",
        "/checkin",
        UserSimulation.UserCheckInRequest,
      ),
      simulateAcceptPayment: simulate(
        "UserSimulationAcceptPayment",
        "/acceptpayment",
        UserSimulation.AcceptPaymentRequest,
      ),
      simulateCancelPaymentByUser: simulate(
        "UserSimulationCancelPayment",
        "/cancelpaymentbyuser",
        UserSimulation.CancelPaymentByUserRequest,
      ),
    })
  })

/**
 * A {@link PosClient} on the `HttpClient` and `TokenService` in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<
  PosClient,
  InvalidInput.InvalidInput,
  HttpClient.HttpClient | TokenService.TokenService
> => Layer.effect(PosClient, make(options))

/**
 * The options of {@link layerConfig}: the environment, the client system version and the
 * default merchant as `Config`s (by default `MobilePayConfig.environment`,
 * `.clientSystemVersion` and `.merchantVat`, the `MOBILEPAY_*` variables), so any can come
 * from anywhere; the rest as in {@link Options}.
 *
 * @since 0.2.0
 * @category options
 */
export interface ConfigOptions extends Omit<
  Options,
  "environment" | "clientSystemVersion" | "merchantVat"
> {
  readonly environment?: Config.Config<Environment.Environment> | undefined
  /** Required in the end: MobilePay wants it on every call. */
  readonly clientSystemVersion?: Config.Config<Option.Option<string>> | undefined
  readonly merchantVat?: Config.Config<Option.Option<string>> | undefined
}

/**
 * A {@link PosClient} configured from `Config`, by default the environment:
 * `MOBILEPAY_ENVIRONMENT` (or `MOBILEPAY_AUTH_URL` with `MOBILEPAY_POS_URL`),
 * `MOBILEPAY_CLIENT_SYSTEM_VERSION` (required), `MOBILEPAY_MERCHANT_VAT` (the default merchant;
 * without it every call names its own, or fails with `InvalidInput` before sending).
 *
 * @example
 * ```ts
 * import { PosClient } from "@effect-mobilepay/pos"
 * import { TokenService } from "@effect-mobilepay/token-service"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 *
 * // The client on a TokenService of its own, both from MOBILEPAY_* (what `MobilePay.layerConfig`
 * // composes); with `TokenService.layerShared`, the tokens of a whole fleet.
 * const PosClientLive = PosClient.layerConfig().pipe(
 *   Layer.provide(TokenService.layerConfig()),
 *   Layer.provide(FetchHttpClient.layer),
 * )
 *
 * const stores = Effect.flatMap(PosClient.PosClient, (client) => client.getStores()).pipe(
 *   Effect.provide(PosClientLive),
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {},
): Layer.Layer<
  PosClient,
  ConfigError.ConfigError,
  HttpClient.HttpClient | TokenService.TokenService
> =>
  Layer.effect(
    PosClient,
    Effect.gen(function* () {
      const environment = yield* options.environment ?? MobilePayConfig.environment
      const version = yield* options.clientSystemVersion ?? MobilePayConfig.clientSystemVersion
      const merchantVat = yield* options.merchantVat ?? MobilePayConfig.merchantVat
      const clientSystemVersion = yield* Option.match(version, {
        onNone: () =>
          Effect.fail(
            ConfigError.MissingData(
              ["MOBILEPAY_CLIENT_SYSTEM_VERSION"],
              "MobilePay requires the integrator's certified version (Major.Minor.Build) on every PoS call",
            ),
          ),
        onSome: Effect.succeed,
      })
      return yield* make({
        ...options,
        environment,
        clientSystemVersion,
        merchantVat: Option.getOrUndefined(merchantVat),
      }).pipe(
        // Configured from Config, so a bad option is reported like a bad variable.
        Effect.mapError((invalid) => ConfigError.InvalidData([invalid.field], invalid.reason)),
      )
    }),
  )
