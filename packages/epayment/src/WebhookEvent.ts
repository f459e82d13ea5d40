/**
 * The events Vipps MobilePay delivers by webhook, as typed values: a payment's
 * `epayments.payment.*.v1` events (one payload shape for all eight), a customer's
 * `user.checked-in.v1` at a callback QR, and anything else as an {@link UnknownEvent} rather
 * than a failure, because new event kinds and fields appear on the live platform first.
 *
 * A delivered event is a signal: for a money decision, read the payment back.
 *
 * @since 0.2.0
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { KnownPaymentEventName } from "./Payment.js"

/**
 * The event types a webhook registration can name for in-store payments.
 *
 * @since 0.2.0
 * @category event types
 */
export const EventType = Schema.Literal(
  "epayments.payment.created.v1",
  "epayments.payment.authorized.v1",
  "epayments.payment.aborted.v1",
  "epayments.payment.expired.v1",
  "epayments.payment.terminated.v1",
  "epayments.payment.captured.v1",
  "epayments.payment.cancelled.v1",
  "epayments.payment.refunded.v1",
  "user.checked-in.v1",
)
/** @since 0.2.0 */
export type EventType = typeof EventType.Type

/**
 * A payment event's `name` (not the event type string): what happened to the payment. The
 * names of the event log's entries ({@link KnownPaymentEventName}).
 *
 * @since 0.2.0
 * @category payment events
 */
export const PaymentEventName = KnownPaymentEventName
/** @since 0.2.0 */
export type PaymentEventName = typeof PaymentEventName.Type

/**
 * An amount in minor units with its currency, as an event carries it.
 *
 * @since 0.2.0
 * @category payment events
 */
export const Amount = Schema.Struct({
  currency: Schema.String,
  value: Schema.Int.pipe(Schema.nonNegative()),
})
/** @since 0.2.0 */
export type Amount = typeof Amount.Type

/**
 * Something happened to a payment (`epayments.payment.{created,authorized,…}.v1`).
 *
 * `amount` is this event's amount (one partial capture, one refund), not a running total;
 * `success` is `false` when the event reports a failed operation; `pspReference` is the
 * event's own, not the one in API answers.
 *
 * @since 0.2.0
 * @category payment events
 */
export class PaymentEvent extends Schema.TaggedClass<PaymentEvent>()("PaymentEvent", {
  /** The sales unit (MSN). */
  msn: Schema.String,
  reference: Schema.String,
  pspReference: Schema.String,
  name: PaymentEventName,
  amount: Amount,
  timestamp: Schema.DateTimeUtcFromSelf,
  /** Absent when the platform acted by itself (e.g. an expiry's cancellation). */
  idempotencyKey: Schema.OptionFromSelf(Schema.String),
  success: Schema.Boolean,
  /** Live since August 2026 on `authorized.v1`: until when a capture is guaranteed. */
  captureGuaranteedUntil: Schema.OptionFromSelf(Schema.DateTimeUtcFromSelf),
}) {}

/**
 * A customer scanned a callback QR (`user.checked-in.v1`). Create a `PUSH_MESSAGE` payment with
 * `customer.customerToken` within 15 minutes and the app that is waiting shows it.
 *
 * The `customerToken` lets a payment request reach this customer: it is kept `Redacted` so that
 * logging the event does not leak it.
 *
 * @since 0.2.0
 * @category check-in events
 */
export class CheckedIn extends Schema.TaggedClass<CheckedIn>()("CheckedIn", {
  customerToken: Schema.RedactedFromSelf(Schema.String),
  /** The id given to the callback QR; for a migrated V10 QR, its beacon id. */
  merchantQrId: Schema.String,
  /** The sales unit owning the QR (sent as `msn`, or `merchantSerialNumber` before 2024). */
  msn: Schema.String,
  initiatedAt: Schema.DateTimeUtcFromSelf,
}) {}

/**
 * A delivery that verified but is none of the events above (another API's event, or a shape
 * this version does not know): kept as its parsed JSON so nothing signed is lost.
 *
 * @since 0.2.0
 * @category unknown events
 */
export class UnknownEvent extends Schema.TaggedClass<UnknownEvent>()("UnknownEvent", {
  body: Schema.Unknown,
}) {}

/**
 * Every event a receiver offers.
 *
 * @since 0.2.0
 * @category models
 */
export type WebhookEvent = PaymentEvent | CheckedIn | UnknownEvent

// Fractions of 7 digits (the platform's) are read to the millisecond.
const Instant = Schema.DateTimeUtc

const PaymentWire = Schema.Struct({
  msn: Schema.String,
  reference: Schema.String,
  pspReference: Schema.String,
  name: PaymentEventName,
  amount: Amount,
  timestamp: Instant,
  idempotencyKey: Schema.optional(Schema.NullOr(Schema.String)),
  success: Schema.Boolean,
  captureGuaranteedUntil: Schema.optional(Schema.NullOr(Instant)),
})

const CheckInFields = {
  customerToken: Schema.String,
  merchantQrId: Schema.String,
  initiatedAt: Instant,
}
// The MSN field was renamed from merchantSerialNumber to msn in early 2024; both are accepted
// (open question: `user.checked-in.v1` schema).
const CheckInWire = Schema.Union(
  Schema.Struct({ ...CheckInFields, msn: Schema.String }),
  Schema.Struct({ ...CheckInFields, merchantSerialNumber: Schema.String }),
)

const decodePayment = Schema.decodeUnknownOption(PaymentWire)
const decodeCheckIn = Schema.decodeUnknownOption(CheckInWire)

/**
 * The typed event for a delivery's parsed JSON body. Never fails: what is not a known event
 * (or is one with a missing or malformed field) is an {@link UnknownEvent}.
 *
 * @since 0.2.0
 * @category decoding
 */
export const fromJson = (body: unknown): WebhookEvent => {
  const payment = decodePayment(body)
  if (Option.isSome(payment)) {
    const wire = payment.value
    return new PaymentEvent({
      msn: wire.msn,
      reference: wire.reference,
      pspReference: wire.pspReference,
      name: wire.name,
      amount: wire.amount,
      timestamp: wire.timestamp,
      idempotencyKey: Option.fromNullable(wire.idempotencyKey),
      success: wire.success,
      captureGuaranteedUntil: Option.fromNullable(wire.captureGuaranteedUntil),
    })
  }
  const checkIn = decodeCheckIn(body)
  if (Option.isSome(checkIn)) {
    const wire = checkIn.value
    return new CheckedIn({
      customerToken: Redacted.make(wire.customerToken),
      merchantQrId: wire.merchantQrId,
      msn: "msn" in wire ? wire.msn : wire.merchantSerialNumber,
      initiatedAt: wire.initiatedAt,
    })
  }
  return new UnknownEvent({ body })
}

/**
 * What makes two deliveries the same event (they happen: retries, two registrations during a
 * switch): `(msn, reference, name, pspReference)` for a payment event, `(msn, merchantQrId,
 * initiatedAt)` for a check-in; for an unknown event, the `fallback` given (the receiver uses
 * the body's content hash).
 *
 * @since 0.2.0
 * @category deduplication
 */
export const deduplicationKey = (event: WebhookEvent, fallback: string): string => {
  switch (event._tag) {
    case "PaymentEvent":
      return JSON.stringify(["payment", event.msn, event.reference, event.name, event.pspReference])
    case "CheckedIn":
      return JSON.stringify([
        "check-in",
        event.msn,
        event.merchantQrId,
        DateTime.toEpochMillis(event.initiatedAt),
      ])
    case "UnknownEvent":
      return JSON.stringify(["unknown", fallback])
  }
}
