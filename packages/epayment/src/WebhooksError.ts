/**
 * The ways a Webhooks API call fails, as tagged errors a caller can `catchTag`. Error bodies are
 * the API's `ProblemDetails` with every field nullable, or the gateway's own text: they are
 * decoded defensively and every server text is sanitised (no token, no key, bounded length).
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

/**
 * The Webhooks API operations, as they appear in errors.
 *
 * @since 0.2.0
 * @category models
 */
export const WebhooksOperation = Schema.Literal("register", "list", "delete")
/** @since 0.2.0 */
export type WebhooksOperation = typeof WebhooksOperation.Type

/**
 * One `extraDetails` entry of a problem: the field and the rule it broke.
 *
 * @since 0.2.0
 * @category models
 */
export const ExtraDetail = Schema.Struct({ name: Schema.String, reason: Schema.String })
/** @since 0.2.0 */
export type ExtraDetail = typeof ExtraDetail.Type

/**
 * The API refused the request (`400`, `403`, `409`, …): the URL or an event name is not
 * accepted, the sales unit lacks the permission, or a limit is reached. Not retried.
 *
 * @since 0.2.0
 * @category errors
 */
export class WebhooksRequestRejected extends Schema.TaggedError<WebhooksRequestRejected>()(
  "WebhooksRequestRejected",
  {
    operation: WebhooksOperation,
    status: Schema.Number,
    title: Schema.optional(Schema.String),
    detail: Schema.optional(Schema.String),
    /** Quote it to Vipps MobilePay support. */
    traceId: Schema.optional(Schema.String),
    extraDetails: Schema.Array(ExtraDetail),
  },
) {
  override get message(): string {
    const title = this.title === undefined ? "" : `: ${this.title}`
    return `Webhooks ${this.operation} was refused (HTTP ${this.status}${title})`
  }
}

/**
 * No registration has this id (for this sales unit).
 *
 * @since 0.2.0
 * @category errors
 */
export class WebhookNotFound extends Schema.TaggedError<WebhookNotFound>()("WebhookNotFound", {
  id: Schema.String,
  traceId: Schema.optional(Schema.String),
}) {
  override get message(): string {
    return `No webhook registration ${this.id}`
  }
}

/**
 * The API still answered `401` after one new token: the keys do not give access to the Webhooks
 * API (or to this sales unit).
 *
 * @since 0.2.0
 * @category errors
 */
export class WebhooksUnauthorized extends Schema.TaggedError<WebhooksUnauthorized>()(
  "WebhooksUnauthorized",
  {
    operation: WebhooksOperation,
    detail: Schema.optional(Schema.String),
  },
) {
  override get message(): string {
    return `Webhooks ${this.operation} was not authorised`
  }
}

/**
 * The API could not be reached or kept failing (timeout, transport error, `5xx`, `423`, `429`)
 * once the retries were spent. The operation may or may not have happened: list to find out.
 *
 * @since 0.2.0
 * @category errors
 */
export class WebhooksUnavailable extends Schema.TaggedError<WebhooksUnavailable>()(
  "WebhooksUnavailable",
  {
    operation: WebhooksOperation,
    reason: Schema.Literal("Timeout", "Transport", "ServerError", "Locked", "RateLimited"),
    status: Schema.optional(Schema.Number),
    detail: Schema.optional(Schema.String),
    traceId: Schema.optional(Schema.String),
  },
) {
  override get message(): string {
    const status = this.status === undefined ? "" : ` (HTTP ${this.status})`
    return `Webhooks ${this.operation} failed: ${this.reason}${status}`
  }
}

/**
 * A `2xx` answer whose body is not what the contract says (or is over the size limit). For a
 * registration this means the secret could not be read: delete the registration and register
 * again.
 *
 * @since 0.2.0
 * @category errors
 */
export class MalformedWebhooksResponse extends Schema.TaggedError<MalformedWebhooksResponse>()(
  "MalformedWebhooksResponse",
  {
    operation: WebhooksOperation,
    status: Schema.Number,
    /** Which fields did not match; never their values (one of them may be the secret). */
    reason: Schema.String,
  },
) {
  override get message(): string {
    return `Webhooks ${this.operation} answered an unreadable body (HTTP ${this.status}): ${this.reason}`
  }
}

/**
 * Every error of a Webhooks API call (besides the token's and `InvalidInput`).
 *
 * @since 0.2.0
 * @category errors
 */
export type WebhooksError =
  | WebhooksRequestRejected
  | WebhookNotFound
  | WebhooksUnauthorized
  | WebhooksUnavailable
  | MalformedWebhooksResponse
