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
import { decodeInput, InvalidInput } from "@effect-mobilepay/core/InvalidInput"
import * as RequestPath from "@effect-mobilepay/core/RequestPath"
import * as RetryPolicy from "@effect-mobilepay/core/RetryPolicy"
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
     * Registers `request.url` for `request.events`; the answer's secret is `Redacted`. Tried
     * once (a retry after a lost answer could make a second registration whose secret would be
     * lost): on `WebhooksUnavailable`, list to see whether it was made before trying again.
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

/**
 * The answer of a list.
 *
 * @since 0.2.0
 * @category models
 */
export class QueryResponse extends Schema.Class<QueryResponse>("QueryResponse")({
  webhooks: Schema.Array(Webhook),
}) {}

const registrationAnswer = RequestPath.answer(Registration)
const listAnswer = RequestPath.answer(QueryResponse)

/**
 * Builds the client on the `HttpClient` and the access tokens in context.
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
    const merchantSerialNumbers = yield* VippsCall.merchantSerialNumbers(
      options.merchantSerialNumber,
    )
    const msnOf = (callOptions: CallOptions | undefined) =>
      merchantSerialNumbers(callOptions?.merchantSerialNumber)

    // Every failed answer, from a ProblemDetails (every field nullable) or a gateway's text.
    const failed = (
      call: RequestPath.Call<WebhooksError.WebhooksOperation>,
      answer: RequestPath.Failed,
    ): WebhooksError.WebhooksError => {
      const operation = call.operation
      const json = VippsCall.jsonOf(answer)
      const traceId = VippsCall.textField(json, "traceId", answer) ?? answer.correlationId
      const transient = VippsCall.unavailableReason(answer.status)
      if (transient !== undefined) {
        return new WebhooksError.WebhooksUnavailable({
          operation,
          reason: transient,
          status: answer.status,
          traceId,
        })
      }
      if (answer.status === 401) {
        return new WebhooksError.WebhooksUnauthorized({
          operation,
          detail: VippsCall.textField(json, "detail", answer),
        })
      }
      return new WebhooksError.WebhooksRequestRejected({
        operation,
        status: answer.status,
        title: VippsCall.textField(json, "title", answer),
        detail: VippsCall.textField(json, "detail", answer),
        traceId,
        extraDetails: VippsCall.nameReasons(json, "extraDetails", answer),
      })
    }

    const pathWith = (retryPolicy?: RetryPolicy.RetryPolicy) =>
      VippsCall.requestPath<WebhooksError.WebhooksOperation, WebhooksError.WebhooksError>(
        settings,
        {
          name: "WebhooksClient",
          retryPolicy,
          failed,
          unreachable: (call, reason, detail) =>
            new WebhooksError.WebhooksUnavailable({ operation: call.operation, reason, detail }),
          malformed: (call, status, reason) =>
            new WebhooksError.MalformedWebhooksResponse({
              operation: call.operation,
              status,
              reason,
            }),
        },
      )
    const path = yield* pathWith()
    // A registration retried after a lost answer or a 5xx could leave a second registration
    // whose secret nobody has: it is tried once, and the caller lists to find out.
    const registerPath = yield* pathWith(RetryPolicy.make({ retries: 0 }))

    const call = (
      operation: WebhooksError.WebhooksOperation,
      method: RequestPath.Call["method"],
      path: string,
      merchantSerialNumber: string | undefined,
      body?: unknown,
    ) => VippsCall.call(settings, operation, method, path, merchantSerialNumber, { body })

    const checkUrl = (url: string) => {
      const platform = options.environment.name !== "custom"
      const parsed = URL.canParse(url) ? new URL(url) : undefined
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
        return yield* registerPath.execute(
          call("register", "POST", "/webhooks/v1/webhooks", merchantSerialNumber, { url, events }),
          registrationAnswer,
        )
      })

    const list = (callOptions?: CallOptions) =>
      Effect.gen(function* () {
        const merchantSerialNumber = yield* msnOf(callOptions)
        const answer = yield* path.execute(
          call("list", "GET", "/webhooks/v1/webhooks", merchantSerialNumber),
          listAnswer,
        )
        return answer.webhooks
      })

    const remove = (id: string, callOptions?: CallOptions) =>
      Effect.gen(function* () {
        const checked = yield* decodeInput(Uuid, "id")(id)
        const merchantSerialNumber = yield* msnOf(callOptions)
        yield* path
          .execute(
            call("delete", "DELETE", `/webhooks/v1/webhooks/${checked}`, merchantSerialNumber),
          )
          .pipe(
            Effect.catchIf(
              (error) => error._tag === "WebhooksRequestRejected" && error.status === 404,
              (error) =>
                Effect.fail(
                  new WebhooksError.WebhookNotFound({
                    id: checked,
                    traceId: error._tag === "WebhooksRequestRejected" ? error.traceId : undefined,
                  }),
                ),
            ),
          )
      })

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
> => Layer.effect(WebhooksClient, VippsCall.configured(options, make))
