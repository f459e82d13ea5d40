/**
 * How a journaled flow (`PaymentFlow`, `RefundFlow`) fails besides MobilePay refusing its
 * create call: the order is being worked on elsewhere, the order id belongs to another sale,
 * or the sale could not be finished now and `Recovery.recover` will finish it as recorded.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { Decision, EntryKind } from "./PaymentJournal.js"

const what = (kind: EntryKind): string => (kind === "Payment" ? "payment" : "refund")

/**
 * Another flow (in this process or another one sharing the journal) is working on this order
 * now. Nothing was sent. Try again once it is done, or after `leaseUntil`.
 *
 * @since 0.2.0
 * @category errors
 */
export class SaleInProgress extends Schema.TaggedError<SaleInProgress>()("SaleInProgress", {
  kind: EntryKind,
  orderId: Schema.String,
  /** The journal entry (its idempotency key). */
  key: Schema.String,
  /** When the other flow's lease runs out (epoch milliseconds), unless it renews it. */
  leaseUntil: Schema.optional(Schema.Number),
}) {
  override get message(): string {
    return `The ${what(this.kind)} for order ${this.orderId} is in progress elsewhere`
  }
}

/**
 * The order id already belongs to a sale (or refund) with other terms that is unfinished or
 * holds money: ringing it up again with another amount, point of sale or currency would make a
 * second one. Nothing was sent. Use a new order id, or the original terms to resume it.
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
}) {
  override get message(): string {
    return `Order ${this.orderId} already has a ${what(this.kind)} with other terms`
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
          ? `recovery will capture ${this.decision.amount.toFixed(2)}`
          : "recovery will cancel it"
    const cause =
      typeof this.cause === "object" && this.cause !== null && "message" in this.cause
        ? `: ${String(this.cause.message)}`
        : ""
    return `The ${what(this.kind)} for order ${this.orderId}${id} is unresolved${cause}; ${next}`
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
    orderId: Schema.String,
    paymentId: Schema.String,
    /** The amount the customer reserved. */
    reserved: Schema.Number,
    /** The amount the flow was to capture. */
    captureAmount: Schema.Number,
  },
) {
  override get message(): string {
    return `Payment ${this.paymentId} (order ${this.orderId}) allows no partial capture of ${this.captureAmount.toFixed(2)} of ${this.reserved.toFixed(2)}: it was cancelled`
  }
}
