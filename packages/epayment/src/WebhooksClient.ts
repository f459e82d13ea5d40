/**
 * The Vipps MobilePay Webhooks API (`/webhooks/v1`): register a URL for event types, list the
 * registrations, delete one. The `secret` that signs every delivery is returned only once, at
 * registration: it comes back `Redacted`; store it, and give it to the {@link WebhookReceiver}.
 *
 * There is no update: to change a registration, register the new one, check that deliveries
 * verify with both secrets, then delete the old one.
 *
 * @since 0.2.0
 */
import * as CoreDomain from "@effect-mobilepay/core/Domain"
import { decodeInput, InvalidInput } from "@effect-mobilepay/core/InvalidInput"
import type * as RetryPolicy from "@effect-mobilepay/core/RetryPolicy"
import type * as TokenError from "@effect-mobilepay/core/TokenError"
import * as VippsConfig from "@effect-mobilepay/core/VippsConfig"
import type * as VippsEnvironment from "@effect-mobilepay/core/VippsEnvironment"
import type * as VippsSystem from "@effect-mobilepay/core/VippsSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Option from "effect/Option"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as VippsCall from "./internal/vippsCall.js"
import * as WebhooksError from "./WebhooksError.js"

/**
 * A registration as listed.
 *
 * @since 0.2.0
 * @category models
 */
export class Webhook extends Schema.Class<Webhook>("Webhook")({
  id: Schema.String,
  url: Schema.String,
  events: Schema.Array(Schema.String),
}) {}

/**
 * A new registration: its id, and the secret that signs its deliveries (shown only now).
 *
 * @since 0.2.0
 * @category models
 */
export class Registration extends Schema.Class<Registration>("Registration")({
  id: Schema.String,
  secret: Schema.Redacted(Schema.String),
}) {}

/**
 * What a registration asks for.
 *
 * @since 0.2.0
 * @category models
 */
export interface RegisterRequest {
  /**
   * Where deliveries go: public, HTTPS (the platform refuses anything else; a custom base URL,
   * e.g. a local sandbox, may take `http`), no redirects, a common port (80, 443, 8080).
   */
  readonly url: string
  /** The event types, e.g. `WebhookEvent.EventType` values; at least one. */
  readonly events: ReadonlyArray<string>
}

/**
 * @since 0.2.0
 * @category models
 */
export interface CallOptions {
  /**
   * The sales unit the call is for; omitted, a partner's registration covers all its merchants.
   * @default the client's `merchantSerialNumber`
   */
  readonly merchantSerialNumber?: string | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export declare namespace WebhooksClient {
  /**
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /**
     * Registers `request.url` for `request.events`; the answer's secret is `Redacted`. Not
     * retried after a lost answer or a `5xx` (a second registration's secret would be lost):
     * on `WebhooksUnavailable`, list to see whether it was made.
     */
    readonly register: (
      request: RegisterRequest,
      options?: CallOptions,
    ) => Effect.Effect<Registration, Failure>
    /** Every registration (of the sales unit, or the partner's). */
    readonly list: (options?: CallOptions) => Effect.Effect<ReadonlyArray<Webhook>, Failure>
    /** Deletes one registration by id. */
    readonly delete: (id: string, options?: CallOptions) => Effect.Effect<void, Failure>
  }

  /**
   * @since 0.2.0
   * @category errors
   */
  export type Failure = WebhooksError.WebhooksError | TokenError.TokenError | InvalidInput
}

/**
 * The Webhooks API client.
 *
 * @since 0.2.0
 * @category tags
 */
export class WebhooksClient extends Context.Tag("@effect-mobilepay/epayment/WebhooksClient")<
  WebhooksClient,
  WebhooksClient.Service
>() {}

/**
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /** Test, production, or a custom host serving `/webhooks/v1` (a sandbox, a gateway). */
  readonly environment: VippsEnvironment.VippsEnvironment
  /** The sales unit's (or partner's) `Ocp-Apim-Subscription-Key`. */
  readonly subscriptionKey: Redacted.Redacted<string>
  /** The sales unit of every call that names none; omitted, calls are partner-wide. */
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

const Uuid = Schema.String.pipe(
  Schema.pattern(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    message: () => "a webhook id is a UUID",
  }),
)

const EventName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9._-]{1,200}$/, {
    message: () => "an event type is a name such as epayments.payment.captured.v1",
  }),
)

const decodeRegistration = VippsCall.decodeBody(Registration)
const decodeList = VippsCall.decodeBody(Schema.Struct({ webhooks: Schema.Array(Webhook) }))

/**
 * Builds the client on the `HttpClient` in context.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<
  WebhooksClient.Service,
  InvalidInput,
  HttpClient.HttpClient | VippsCall.AccessTokenService
> =>
  Effect.gen(function* () {
    const settings = yield* VippsCall.settingsFrom(options)
    const path = VippsCall.make(settings)
    const defaultMsn =
      options.merchantSerialNumber === undefined
        ? undefined
        : yield* decodeInput(
            CoreDomain.MerchantSerialNumber,
            "merchantSerialNumber",
          )(options.merchantSerialNumber)
    const secrets = VippsCall.secretsOf(settings)

    const msnOf = (callOptions: CallOptions | undefined) =>
      callOptions?.merchantSerialNumber === undefined
        ? Effect.succeed(defaultMsn)
        : decodeInput(
            CoreDomain.MerchantSerialNumber,
            "merchantSerialNumber",
          )(callOptions.merchantSerialNumber)

    const failure =
      (operation: WebhooksError.WebhooksOperation, id?: string) =>
      (error: VippsCall.Failure): WebhooksError.WebhooksError => {
        if (error._tag === "Unanswered") {
          return new WebhooksError.WebhooksUnavailable({
            operation,
            reason: error.reason,
            detail: error.detail,
          })
        }
        const { status, json } = error.answer
        const traceId = VippsCall.textField(json, "traceId", secrets)
        const transient = VippsCall.unavailableReason(status)
        if (transient !== undefined) {
          return new WebhooksError.WebhooksUnavailable({
            operation,
            reason: transient,
            status,
            traceId,
          })
        }
        if (status === 401) {
          return new WebhooksError.WebhooksUnauthorized({
            operation,
            detail: VippsCall.textField(json, "detail", secrets),
          })
        }
        if (status === 404 && id !== undefined) {
          return new WebhooksError.WebhookNotFound({ id, traceId })
        }
        return new WebhooksError.WebhooksRequestRejected({
          operation,
          status,
          title: VippsCall.textField(json, "title", secrets),
          detail: VippsCall.textField(json, "detail", secrets),
          traceId,
          extraDetails: VippsCall.nameReasons(json, "extraDetails", secrets),
        })
      }

    const run = (operation: WebhooksError.WebhooksOperation, call: VippsCall.Call, id?: string) =>
      path.execute(call).pipe(
        Effect.catchTags({
          Refused: (error) => Effect.fail(failure(operation, id)(error)),
          Unanswered: (error) => Effect.fail(failure(operation, id)(error)),
        }),
      )

    const malformed =
      (operation: WebhooksError.WebhooksOperation, status: number) => (reason: string) =>
        new WebhooksError.MalformedWebhooksResponse({ operation, status, reason })

    const checkUrl = (url: string) => {
      const parsed = URL.canParse(url) ? new URL(url) : undefined
      const platform = options.environment.name !== "custom"
      const schemes = platform ? ["https:"] : ["https:", "http:"]
      return parsed !== undefined && schemes.includes(parsed.protocol)
        ? Effect.succeed(url)
        : Effect.fail(
            new InvalidInput({
              field: "url",
              reason: platform
                ? "must be an absolute https URL"
                : "must be an absolute http(s) URL",
            }),
          )
    }

    const register = (request: RegisterRequest, callOptions?: CallOptions) =>
      Effect.gen(function* () {
        const url = yield* checkUrl(request.url)
        const events = yield* decodeInput(Schema.NonEmptyArray(EventName), "events")(request.events)
        const merchantSerialNumber = yield* msnOf(callOptions)
        const answer = yield* run("register", {
          method: "POST",
          path: "/webhooks/v1/webhooks",
          body: { url, events },
          merchantSerialNumber,
          // A registration retried after a lost answer could leave a second one whose secret
          // nobody has: only refusals that say nothing was done are retried.
          idempotent: false,
        })
        return yield* Either.mapLeft(
          decodeRegistration(answer),
          malformed("register", answer.status),
        )
      }).pipe(Effect.withSpan("WebhooksClient.register", { captureStackTrace: false }))

    const list = (callOptions?: CallOptions) =>
      Effect.gen(function* () {
        const merchantSerialNumber = yield* msnOf(callOptions)
        const answer = yield* run("list", {
          method: "GET",
          path: "/webhooks/v1/webhooks",
          merchantSerialNumber,
          idempotent: true,
        })
        const body = yield* Either.mapLeft(decodeList(answer), malformed("list", answer.status))
        return body.webhooks
      }).pipe(Effect.withSpan("WebhooksClient.list", { captureStackTrace: false }))

    const remove = (id: string, callOptions?: CallOptions) =>
      Effect.gen(function* () {
        const checked = yield* decodeInput(Uuid, "id")(id)
        const merchantSerialNumber = yield* msnOf(callOptions)
        yield* run(
          "delete",
          {
            method: "DELETE",
            path: `/webhooks/v1/webhooks/${checked}`,
            merchantSerialNumber,
            idempotent: true,
          },
          checked,
        )
      }).pipe(Effect.withSpan("WebhooksClient.delete", { captureStackTrace: false }))

    return WebhooksClient.of({ register, list, delete: remove })
  })

/**
 * A layer with the client, on the `HttpClient` and the access tokens in context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<
  WebhooksClient,
  InvalidInput,
  HttpClient.HttpClient | VippsCall.AccessTokenService
> => Layer.effect(WebhooksClient, make(options))

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
  WebhooksClient,
  InvalidInput | ConfigError.ConfigError,
  HttpClient.HttpClient | VippsCall.AccessTokenService
> =>
  Layer.effect(
    WebhooksClient,
    Effect.flatMap(
      Config.all({
        environment: VippsConfig.environment,
        subscriptionKey: VippsConfig.subscriptionKey,
        merchantSerialNumber: VippsConfig.merchantSerialNumber,
        system: VippsConfig.system,
      }),
      (config) =>
        make({
          ...options,
          environment: config.environment,
          subscriptionKey: config.subscriptionKey,
          merchantSerialNumber: Option.getOrUndefined(config.merchantSerialNumber),
          system: config.system,
        }),
    ),
  )
