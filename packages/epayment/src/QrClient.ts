/**
 * The Vipps MobilePay QR API's merchant callback QRs (`/qr/v1/merchant-callback`): the static
 * stickers at a till that, when a customer scans one, deliver `user.checked-in.v1` to the
 * sales unit's webhook. Create or update one, get one or all (with the image format and size),
 * delete one, and migrate an already printed MobilePay PoS V10 QR by its beacon id so that the
 * sticker keeps working.
 *
 * Every call is for one sales unit: the `Merchant-Serial-Number` header is required here.
 *
 * @since 0.2.0
 */
import * as CoreDomain from "@effect-mobilepay/core/Domain"
import { decodeInput, InvalidInput } from "@effect-mobilepay/core/InvalidInput"
import * as RequestPath from "@effect-mobilepay/core/RequestPath"
import type * as RetryPolicy from "@effect-mobilepay/core/RetryPolicy"
import type * as TokenError from "@effect-mobilepay/core/TokenError"
import type * as VippsEnvironment from "@effect-mobilepay/core/VippsEnvironment"
import type * as VippsSystem from "@effect-mobilepay/core/VippsSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as VippsCall from "./internal/vippsCall.js"
import * as QrError from "./QrError.js"

/**
 * A callback QR as the API returns it. `qrImageUrl` may change over time (signing keys rotate):
 * fetch it again rather than storing it for good. `qrContent` is the text the code holds.
 * The contract requires none of the fields, so none is required here.
 *
 * @since 0.2.0
 * @category models
 */
export class MerchantCallbackQr extends Schema.Class<MerchantCallbackQr>("MerchantCallbackQr")({
  merchantQrId: Schema.optional(Schema.String),
  qrImageUrl: Schema.optional(Schema.String),
  merchantSerialNumber: Schema.optional(Schema.String),
  locationDescription: Schema.optional(Schema.String),
  qrContent: Schema.optional(Schema.String),
  /** Live since May 2024; absent from the published contract. */
  category: Schema.optional(Schema.String),
}) {}

/**
 * Where a callback QR is, as the app shows it on scanning (e.g. `Kasse 1`): 1 to 36
 * characters.
 *
 * @since 0.2.0
 * @category schemas
 */
export const LocationDescription = Schema.String.pipe(
  Schema.minLength(1, { message: () => "a location description must not be empty" }),
  Schema.maxLength(36, { message: () => "a location description is at most 36 characters" }),
)

/**
 * The wording of the app's waiting screen: `IN_STORE` (the platform's default) or `VENDING`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Category = Schema.Literal("IN_STORE", "VENDING")
/** @since 0.2.0 */
export type Category = typeof Category.Type

/**
 * The id a merchant gives a callback QR (it comes back as `merchantQrId` in every check-in):
 * 1 to 128 Latin-1 characters, none of them a control character or `/`, `?`, `#`, `\` (it is
 * a path segment; an encoded `/` is decoded by some gateways).
 *
 * @since 0.2.0
 * @category schemas
 */
export const MerchantQrId = Schema.String.pipe(
  Schema.minLength(1, { message: () => "a merchantQrId must not be empty" }),
  Schema.maxLength(128, { message: () => "a merchantQrId is at most 128 characters" }),
  Schema.filter((id) => CoreDomain.isHeaderSafe(id) && !/[/?#\\]/.test(id), {
    message: () => "a merchantQrId has no control characters and no / ? # or \\",
  }),
)

/**
 * A MobilePay PoS V10 beacon id: a GUID, or 15 digits.
 *
 * @since 0.2.0
 * @category schemas
 */
export const BeaconId = Schema.String.pipe(
  Schema.pattern(
    /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\d{15})$/,
    { message: () => "a V10 beacon id is a GUID or 15 digits" },
  ),
)

/**
 * The image a get or list links to: `SVG` (the platform's default) or `PNG`, and for `PNG` its
 * size in pixels (100–2000).
 *
 * @since 0.2.0
 * @category models
 */
export interface ImageOptions {
  readonly format?: "PNG" | "SVG" | undefined
  readonly size?: number | undefined
}

/**
 * What a callback QR says about itself.
 *
 * @since 0.2.0
 * @category models
 */
export interface CallbackQrDetails {
  readonly locationDescription: string
  /** @default the platform's, `IN_STORE` */
  readonly category?: Category | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export interface CallOptions {
  /** @default the client's `merchantSerialNumber` */
  readonly merchantSerialNumber?: string | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export declare namespace QrClient {
  /**
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /**
     * Creates the callback QR `merchantQrId`, or updates its description and category (the
     * image never changes). Safe to repeat.
     */
    readonly putCallbackQr: (
      merchantQrId: string,
      details: CallbackQrDetails,
      options?: CallOptions,
    ) => Effect.Effect<void, Failure>
    /** One callback QR with a link to its image. */
    readonly getCallbackQr: (
      merchantQrId: string,
      image?: ImageOptions,
      options?: CallOptions,
    ) => Effect.Effect<MerchantCallbackQr, Failure>
    /** Every callback QR of the sales unit. */
    readonly listCallbackQrs: (
      image?: ImageOptions,
      options?: CallOptions,
    ) => Effect.Effect<ReadonlyArray<MerchantCallbackQr>, Failure>
    /** Deletes a callback QR: a scan then tells the customer it is not found. */
    readonly deleteCallbackQr: (
      merchantQrId: string,
      options?: CallOptions,
    ) => Effect.Effect<void, Failure>
    /**
     * Maps an already printed MobilePay PoS V10 QR (its beacon id) to the sales unit, so that
     * scans of it arrive as `user.checked-in.v1` with `merchantQrId` = the beacon id. Makes no
     * new QR; `locationDescription` is the V10 PoS name.
     */
    readonly migrateBeacon: (
      beaconId: string,
      details: { readonly locationDescription: string },
      options?: CallOptions,
    ) => Effect.Effect<void, Failure>
  }

  /**
   * @since 0.2.0
   * @category errors
   */
  export type Failure = QrError.QrError | TokenError.TokenError | InvalidInput
}

/**
 * The QR API client (merchant callback QRs and the V10 beacon migration).
 *
 * @since 0.2.0
 * @category tags
 */
export class QrClient extends Context.Tag("@effect-mobilepay/epayment/QrClient")<
  QrClient,
  QrClient.Service
>() {}

/**
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /** Test, production, or a custom host serving `/qr/v1` (a sandbox, a gateway). */
  readonly environment: VippsEnvironment.VippsEnvironment
  /** The sales unit's (or partner's) `Ocp-Apim-Subscription-Key`. */
  readonly subscriptionKey: Redacted.Redacted<string>
  /** The sales unit of every call that names none (each call needs one). */
  readonly merchantSerialNumber?: string | undefined
  /** The `Vipps-System-*` headers, sent on every call. */
  readonly system?: VippsSystem.VippsSystem | undefined
  /**
   * Each attempt's deadline. None is published; the calls are small (open question: HTTP
   * timeouts).
   * @default "10 seconds"
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** @default RetryPolicy.defaultPolicy (2 retries of transport errors, 5xx, 423 and 429) */
  readonly retryPolicy?: RetryPolicy.RetryPolicy | undefined
  /** @default 1048576 */
  readonly maxResponseBytes?: number | undefined
}

const ImageSize = Schema.Int.pipe(
  Schema.between(100, 2000, { message: () => "an image size is 100 to 2000 pixels" }),
)

const oneAnswer = RequestPath.answer(MerchantCallbackQr)
const allAnswer = RequestPath.answer(Schema.Array(MerchantCallbackQr))

// The file's spelling (QrImageFormat); the docs write qrImageFormat (open question: QR
// spelling and fields).
const imageParams = (
  image: ImageOptions | undefined,
): Effect.Effect<Record<string, string>, InvalidInput> =>
  Effect.gen(function* () {
    const params: Record<string, string> = {}
    if (image === undefined) return params
    if (image.format !== undefined) {
      params["QrImageFormat"] = yield* decodeInput(
        Schema.Literal("PNG", "SVG"),
        "image.format",
      )(image.format)
    }
    if (image.size !== undefined) {
      if (image.format !== "PNG") {
        return yield* new InvalidInput({
          field: "image.size",
          reason: "a size applies to PNG images only (SVG is the default)",
        })
      }
      params["QrImageSize"] = String(yield* decodeInput(ImageSize, "image.size")(image.size))
    }
    return params
  })

// What a call is about, so that a 404 or a 409 names it.
type Subject =
  | { readonly _tag: "CallbackQr"; readonly merchantQrId: string }
  | { readonly _tag: "Beacon"; readonly beaconId: string }

interface QrCall extends RequestPath.Call<QrError.QrOperation> {
  readonly subject?: Subject | undefined
}

/**
 * Builds the client on the `HttpClient` in context.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<
  QrClient.Service,
  InvalidInput,
  HttpClient.HttpClient | VippsCall.AccessTokenService
> =>
  Effect.gen(function* () {
    const settings = yield* VippsCall.settingsFrom(options)
    const merchantSerialNumbers = yield* VippsCall.merchantSerialNumbers(
      options.merchantSerialNumber,
    )

    const msnOf = (callOptions: CallOptions | undefined) =>
      Effect.flatMap(merchantSerialNumbers(callOptions?.merchantSerialNumber), (msn) =>
        msn === undefined
          ? Effect.fail(
              new InvalidInput({
                field: "merchantSerialNumber",
                reason: "the QR API needs a sales unit: set it on the client or the call",
              }),
            )
          : Effect.succeed(msn),
      )

    // Every failed answer, from a QrErrorResponse, the migration's `{id}`, or a gateway's text.
    const failed = (call: QrCall, answer: RequestPath.Failed): QrError.QrError => {
      const operation = call.operation
      const transient = VippsCall.unavailableReason(answer.status)
      if (transient !== undefined) {
        return new QrError.QrUnavailable({ operation, reason: transient, status: answer.status })
      }
      if (answer.status === 401) return new QrError.QrUnauthorized({ operation })
      const json = VippsCall.jsonOf(answer)
      const subject = call.subject
      if (answer.status === 404 && subject?._tag === "CallbackQr") {
        return new QrError.CallbackQrNotFound({ operation, merchantQrId: subject.merchantQrId })
      }
      if (answer.status === 409 && subject?._tag === "Beacon") {
        return new QrError.BeaconConflict({
          beaconId: subject.beaconId,
          id: VippsCall.textField(json, "id", answer),
        })
      }
      return new QrError.QrRequestRejected({
        operation,
        status: answer.status,
        title: VippsCall.textField(json, "title", answer),
        detail: VippsCall.textField(json, "detail", answer),
        instance: VippsCall.textField(json, "instance", answer) ?? answer.correlationId,
        invalidParams: VippsCall.nameReasons(json, "invalidParams", answer),
      })
    }

    // Every QR call is idempotent (the PUTs by their path), so every transient failure is
    // retried.
    const path = yield* VippsCall.requestPath<QrError.QrOperation, QrError.QrError, QrCall>(
      settings,
      {
        name: "QrClient",
        failed,
        unreachable: (call, reason, detail) =>
          new QrError.QrUnavailable({ operation: call.operation, reason, detail }),
        malformed: (call, status, reason) =>
          new QrError.MalformedQrResponse({ operation: call.operation, status, reason }),
      },
    )

    const call = (
      operation: QrError.QrOperation,
      method: RequestPath.Call["method"],
      path: string,
      merchantSerialNumber: string,
      extra: {
        readonly body?: unknown
        readonly urlParams?: Record<string, string>
        readonly subject?: Subject
      } = {},
    ): QrCall => ({
      ...VippsCall.call(settings, operation, method, path, merchantSerialNumber, extra),
      subject: extra.subject,
    })

    const callbackQr = (merchantQrId: string): Subject => ({ _tag: "CallbackQr", merchantQrId })

    const callbackPath = (merchantQrId: string) =>
      `/qr/v1/merchant-callback/${encodeURIComponent(merchantQrId)}`

    const putCallbackQr = (
      merchantQrId: string,
      details: CallbackQrDetails,
      callOptions?: CallOptions,
    ) =>
      Effect.gen(function* () {
        const id = yield* decodeInput(MerchantQrId, "merchantQrId")(merchantQrId)
        const locationDescription = yield* decodeInput(
          LocationDescription,
          "locationDescription",
        )(details.locationDescription)
        const category =
          details.category === undefined
            ? undefined
            : yield* decodeInput(Category, "category")(details.category)
        const merchantSerialNumber = yield* msnOf(callOptions)
        yield* path.execute(
          call("putCallbackQr", "PUT", callbackPath(id), merchantSerialNumber, {
            body:
              category === undefined ? { locationDescription } : { locationDescription, category },
          }),
        )
      })

    const getCallbackQr = (merchantQrId: string, image?: ImageOptions, callOptions?: CallOptions) =>
      Effect.gen(function* () {
        const id = yield* decodeInput(MerchantQrId, "merchantQrId")(merchantQrId)
        const urlParams = yield* imageParams(image)
        const merchantSerialNumber = yield* msnOf(callOptions)
        return yield* path.execute(
          call("getCallbackQr", "GET", callbackPath(id), merchantSerialNumber, {
            urlParams,
            subject: callbackQr(id),
          }),
          oneAnswer,
        )
      })

    const listCallbackQrs = (image?: ImageOptions, callOptions?: CallOptions) =>
      Effect.gen(function* () {
        const urlParams = yield* imageParams(image)
        const merchantSerialNumber = yield* msnOf(callOptions)
        return yield* path.execute(
          call("listCallbackQrs", "GET", "/qr/v1/merchant-callback", merchantSerialNumber, {
            urlParams,
          }),
          allAnswer,
        )
      })

    const deleteCallbackQr = (merchantQrId: string, callOptions?: CallOptions) =>
      Effect.gen(function* () {
        const id = yield* decodeInput(MerchantQrId, "merchantQrId")(merchantQrId)
        const merchantSerialNumber = yield* msnOf(callOptions)
        yield* path.execute(
          call("deleteCallbackQr", "DELETE", callbackPath(id), merchantSerialNumber, {
            subject: callbackQr(id),
          }),
        )
      })

    const migrateBeacon = (
      beaconId: string,
      details: { readonly locationDescription: string },
      callOptions?: CallOptions,
    ) =>
      Effect.gen(function* () {
        const beacon = yield* decodeInput(BeaconId, "beaconId")(beaconId)
        const locationDescription = yield* decodeInput(
          LocationDescription,
          "locationDescription",
        )(details.locationDescription)
        const merchantSerialNumber = yield* msnOf(callOptions)
        yield* path.execute(
          call(
            "migrateBeacon",
            "PUT",
            `/qr/v1/merchant-callback/mobilepay/${beacon}`,
            merchantSerialNumber,
            { body: { locationDescription }, subject: { _tag: "Beacon", beaconId: beacon } },
          ),
        )
      })

    return QrClient.of({
      putCallbackQr,
      getCallbackQr,
      listCallbackQrs,
      deleteCallbackQr,
      migrateBeacon,
    })
  })

/**
 * A layer with the client, on the `HttpClient` and the access tokens in context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<QrClient, InvalidInput, HttpClient.HttpClient | VippsCall.AccessTokenService> =>
  Layer.effect(QrClient, make(options))

/**
 * A layer with the client configured from `VIPPS_MOBILEPAY_*`: environment (or base URL),
 * subscription key (read `Redacted`), MSN and system headers.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<
    Options,
    "environment" | "subscriptionKey" | "merchantSerialNumber" | "system"
  > = {},
): Layer.Layer<
  QrClient,
  InvalidInput | ConfigError.ConfigError,
  HttpClient.HttpClient | VippsCall.AccessTokenService
> => Layer.effect(QrClient, VippsCall.configured(options, make))
