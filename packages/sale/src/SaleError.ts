/**
 * How a journaled sale fails besides the platform refusing its create call: the order is being
 * worked on elsewhere, the order id belongs to another sale, or the sale could not be finished
 * now and recovery will finish it as recorded. Shared by PoS V10 and ePayment.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { Decision, EntryKind, Outcome, PaymentJournalError } from "./PaymentJournal.js"

const what = (kind: EntryKind): string => (kind === "Payment" ? "payment" : "refund")

// An amount as its backend counts it: ePayment in minor units (shown in major ones), V10 in
// kroner.
const money = (backend: string | undefined, amount: number): string =>
  backend === "EPayment" ? (amount / 100).toFixed(2) : amount.toFixed(2)

/** The platform a sale is on, as its journal entry names it (`"PosV10"`, `"EPayment"`). */
const backendField = Schema.optional(Schema.String)

/**
 * Another flow (in this process or another one sharing the journal) is working on the order
 * `orderId` now. Nothing was sent. When a new order found its point of sale busy with another
 * order's payment, `requestedOrderId` is the new order and `posId` the point of sale: nothing
 * was started for the new order. Try again once the other flow is done, or after `leaseUntil`.
 *
 * @since 0.2.0
 * @category errors
 */
export class SaleInProgress extends Schema.TaggedError<SaleInProgress>()("SaleInProgress", {
  kind: EntryKind,
  /** The order being worked on by the other flow. */
  orderId: Schema.String,
  /** The journal entry (its idempotency key). */
  key: Schema.String,
  /** When the other flow's lease runs out (epoch milliseconds), unless it renews it. */
  leaseUntil: Schema.optional(Schema.Number),
  /** The point of sale that is busy, when a new order found it busy. */
  posId: Schema.optional(Schema.String),
  /** The order that was to be started, when it is not `orderId`. */
  requestedOrderId: Schema.optional(Schema.String),
}) {
  override get message(): string {
    const until =
      this.leaseUntil === undefined ? "" : ` (its lease runs until ${iso(this.leaseUntil)})`
    if (this.requestedOrderId !== undefined && this.requestedOrderId !== this.orderId) {
      const till = this.posId === undefined ? "The point of sale" : `Till ${this.posId}`
      return `${till} is busy with order ${this.orderId}, which another flow is working on${until}; nothing was started for order ${this.requestedOrderId}`
    }
    return `The ${what(this.kind)} for order ${this.orderId} is being worked on by another flow (in this process or another one sharing the journal)${until}; nothing was sent`
  }
}

const iso = (millis: number): string => {
  const date = new Date(millis)
  return Number.isNaN(date.getTime()) ? String(millis) : date.toISOString()
}

/**
 * A term of a sale that differs between the journal and a new request for the same order.
 *
 * @since 0.2.0
 * @category models
 */
export const TermDifference = Schema.Struct({
  /** The term: `amount`, `currencyCode`, `posId`, `captureAmount`, `flow`, ... */
  term: Schema.String,
  /** Its value in the journal (JSON), absent when it was not given. */
  recorded: Schema.optional(Schema.String),
  /** Its value in the new request (JSON), absent when it is not given. */
  requested: Schema.optional(Schema.String),
}).annotations({ identifier: "TermDifference" })
/** @since 0.2.0 */
export type TermDifference = typeof TermDifference.Type

/**
 * The order id already belongs to a sale (or refund) with other terms that is unfinished or
 * holds money: ringing it up again with another amount, point of sale or currency would make a
 * second one. `differences` names each term that differs, with both values. Nothing was sent.
 * Use a new order id, or the original terms to resume it.
 *
 * @since 0.2.0
 * @category errors
 */
export class OrderIdReused extends Schema.TaggedError<OrderIdReused>()("OrderIdReused", {
  kind: EntryKind,
  orderId: Schema.String,
  /** The journal entry the order id belongs to. */
  key: Schema.String,
  /** Its MobilePay id, when known. */
  resourceId: Schema.optional(Schema.String),
  /** The terms that differ (none of them secret). */
  differences: Schema.Array(TermDifference),
}) {
  override get message(): string {
    const terms = this.differences
      .map((d) => `${d.term} ${d.recorded ?? "(none)"} there, ${d.requested ?? "(none)"} here`)
      .join("; ")
    return `Order ${this.orderId} already has a ${what(this.kind)} with other terms (${terms === "" ? "unknown" : terms}); nothing was sent`
  }
}

/**
 * The flow could not finish now (MobilePay or the network failed past the retries, or an
 * answer was lost): where the payment (refund) stands is not known to this call. What it is to
 * become is in the journal: `decision` when one was recorded, otherwise it will be cancelled.
 * `Recovery.recover` finishes it; the final outcome is then in the journal.
 *
 * @since 0.2.0
 * @category errors
 */
export class SaleUnresolved extends Schema.TaggedError<SaleUnresolved>()("SaleUnresolved", {
  backend: backendField,
  kind: EntryKind,
  orderId: Schema.String,
  /** The journal entry (its idempotency key). */
  key: Schema.String,
  /** MobilePay's payment (refund) id, when known. */
  resourceId: Schema.optional(Schema.String),
  /** What recovery will carry out; absent: nothing decided yet, it will be cancelled. */
  decision: Schema.optional(Decision),
  /** What went wrong: a `PosClient` error or an `AwaitTimeout`. */
  cause: Schema.Defect,
}) {
  override get message(): string {
    const id = this.resourceId === undefined ? "" : ` (${this.resourceId})`
    const next =
      this.decision === undefined
        ? "nothing was decided yet: recovery will cancel it"
        : this.decision._tag === "Capture"
          ? `recovery will ${this.kind === "Refund" ? "pay out" : "capture"} ${money(this.backend, this.decision.amount)}`
          : "recovery will cancel it"
    const cause =
      typeof this.cause === "object" && this.cause !== null && "message" in this.cause
        ? `: ${String(this.cause.message)}`
        : ""
    return `The ${what(this.kind)} for order ${this.orderId}${id} is unresolved${cause}; ${next}`
  }
}

/**
 * The sale ended at MobilePay, but the journal could not record how (e.g. its disk is full).
 * Unlike a bare `PaymentJournalError`, this says what happened to the money: `moneyMoved` is
 * `true` when the payment was captured (the refund paid out), with the `amount` that moved, so
 * the customer must not be charged again (by MobilePay or in cash); `false` when it ended
 * without money (cancelled, expired, or never created). `outcome` is MobilePay's final state.
 * The entry stays unfinished in the journal with its decision: `Recovery.recover` records the
 * same outcome once the journal can be written again, and ringing the order up again resumes it.
 *
 * @since 0.2.0
 * @category errors
 */
export class SaleOutcomeUnrecorded extends Schema.TaggedError<SaleOutcomeUnrecorded>()(
  "SaleOutcomeUnrecorded",
  {
    backend: backendField,
    kind: EntryKind,
    orderId: Schema.String,
    /** The journal entry (its idempotency key). */
    key: Schema.String,
    /** MobilePay's payment (refund) id, when one exists. */
    resourceId: Schema.optional(Schema.String),
    /** The decision that was carried out, when one was recorded. */
    decision: Schema.optional(Decision),
    /** How the sale ended at MobilePay: what the journal could not record. */
    outcome: Outcome,
    /** Whether money moved: the payment was captured, or the refund paid out. */
    moneyMoved: Schema.Boolean,
    /** The amount captured (refunded) when money moved. */
    amount: Schema.optional(Schema.Number),
    /** The journal's failure. */
    cause: PaymentJournalError,
  },
) {
  override get message(): string {
    const id = this.resourceId === undefined ? "" : ` (${this.resourceId})`
    const ended =
      this.outcome._tag === "NotCreated"
        ? "was never created: no money moved"
        : this.moneyMoved
          ? `ended ${this.outcome.status}: money moved${this.amount === undefined ? "" : `, ${money(this.backend, this.amount)}`}; do not charge the customer again`
          : `ended ${this.outcome.status}: no money moved`
    return `The ${what(this.kind)} for order ${this.orderId}${id} ${ended}. The journal could not record this (${this.cause.message}); Recovery.recover will`
  }
}

/**
 * The customer's card allows no partial capture, and the flow was to capture less than was
 * reserved (`captureAmount`). Nothing was captured: the reservation was cancelled, so no money
 * is held. Ring the sale up again with the amount to capture.
 *
 * @since 0.2.0
 * @category errors
 */
export class PartialCaptureUnavailable extends Schema.TaggedError<PartialCaptureUnavailable>()(
  "PartialCaptureUnavailable",
  {
    backend: backendField,
    orderId: Schema.String,
    paymentId: Schema.String,
    /** The amount the customer reserved. */
    reserved: Schema.Number,
    /** The amount the flow was to capture. */
    captureAmount: Schema.Number,
  },
) {
  override get message(): string {
    return `Payment ${this.paymentId} (order ${this.orderId}) allows no partial capture of ${money(this.backend, this.captureAmount)} of ${money(this.backend, this.reserved)}: it was cancelled`
  }
}
