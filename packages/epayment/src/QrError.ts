/**
 * The ways a QR API call fails, as tagged errors a caller can `catchTag`. The QR API's error
 * body is its own `QrErrorResponse` (`type`, `title`, `detail`, `instance`, `invalidParams`),
 * not the ePayment problem shape; the beacon migration's `409` carries only `{id}`; a gateway
 * may answer with no JSON at all. Every shape is decoded defensively and every server text is
 * sanitised (no token, no key, bounded length).
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

/**
 * The QR API operations, as they appear in errors.
 *
 * @since 0.2.0
 * @category models
 */
export const QrOperation = Schema.Literal(
  "putCallbackQr",
  "getCallbackQr",
  "listCallbackQrs",
  "deleteCallbackQr",
  "migrateBeacon",
)
/** @since 0.2.0 */
export type QrOperation = typeof QrOperation.Type

/**
 * One `invalidParams` entry: the parameter and why it was refused.
 *
 * @since 0.2.0
 * @category models
 */
export const InvalidParam = Schema.Struct({ name: Schema.String, reason: Schema.String })
/** @since 0.2.0 */
export type InvalidParam = typeof InvalidParam.Type

/**
 * The API refused the request (`400`, `403`, …): a field broke a rule, or the sales unit lacks
 * the permission. Not retried.
 *
 * @since 0.2.0
 * @category errors
 */
export class QrRequestRejected extends Schema.TaggedError<QrRequestRejected>()(
  "QrRequestRejected",
  {
    operation: QrOperation,
    status: Schema.Number,
    title: Schema.optional(Schema.String),
    detail: Schema.optional(Schema.String),
    /** The request's id (a trace id in practice): quote it to support. */
    instance: Schema.optional(Schema.String),
    invalidParams: Schema.Array(InvalidParam),
  },
) {
  override get message(): string {
    const title = this.title === undefined ? "" : `: ${this.title}`
    return `QR ${this.operation} was refused (HTTP ${this.status}${title})`
  }
}

/**
 * No callback QR has this id for the sales unit.
 *
 * @since 0.2.0
 * @category errors
 */
export class CallbackQrNotFound extends Schema.TaggedError<CallbackQrNotFound>()(
  "CallbackQrNotFound",
  {
    operation: QrOperation,
    merchantQrId: Schema.String,
  },
) {
  override get message(): string {
    return `No callback QR ${this.merchantQrId}`
  }
}

/**
 * The beacon migration answered `409`. Its meaning is not documented (open question: QR
 * migration 409); presumably the V10 beacon is already mapped, possibly to another sales unit.
 * `id` is what the body said, when it said anything.
 *
 * @since 0.2.0
 * @category errors
 */
export class BeaconConflict extends Schema.TaggedError<BeaconConflict>()("BeaconConflict", {
  beaconId: Schema.String,
  id: Schema.optional(Schema.String),
}) {
  override get message(): string {
    return `The V10 beacon ${this.beaconId} could not be migrated: it conflicts with an existing mapping`
  }
}

/**
 * The API still answered `401` after one new token: the keys do not give access to the QR API.
 *
 * @since 0.2.0
 * @category errors
 */
export class QrUnauthorized extends Schema.TaggedError<QrUnauthorized>()("QrUnauthorized", {
  operation: QrOperation,
}) {
  override get message(): string {
    return `QR ${this.operation} was not authorised`
  }
}

/**
 * The API could not be reached or kept failing (timeout, transport error, `5xx`, `423`, `429`)
 * once the retries were spent.
 *
 * @since 0.2.0
 * @category errors
 */
export class QrUnavailable extends Schema.TaggedError<QrUnavailable>()("QrUnavailable", {
  operation: QrOperation,
  reason: Schema.Literal("Timeout", "Transport", "ServerError", "Locked", "RateLimited"),
  status: Schema.optional(Schema.Number),
  detail: Schema.optional(Schema.String),
}) {
  override get message(): string {
    const status = this.status === undefined ? "" : ` (HTTP ${this.status})`
    return `QR ${this.operation} failed: ${this.reason}${status}`
  }
}

/**
 * A `2xx` answer whose body is not what the contract says (or is over the size limit).
 *
 * @since 0.2.0
 * @category errors
 */
export class MalformedQrResponse extends Schema.TaggedError<MalformedQrResponse>()(
  "MalformedQrResponse",
  {
    operation: QrOperation,
    status: Schema.Number,
    /** Which fields did not match. */
    reason: Schema.String,
  },
) {
  override get message(): string {
    return `QR ${this.operation} answered an unreadable body (HTTP ${this.status}): ${this.reason}`
  }
}

/**
 * Every error of a QR API call (besides the token's and `InvalidInput`).
 *
 * @since 0.2.0
 * @category errors
 */
export type QrError =
  | QrRequestRejected
  | CallbackQrNotFound
  | BeaconConflict
  | QrUnauthorized
  | QrUnavailable
  | MalformedQrResponse
