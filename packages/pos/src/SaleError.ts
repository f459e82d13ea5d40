/**
 * How a journaled flow (`PaymentFlow`, `RefundFlow`) fails besides MobilePay refusing its
 * create call. The errors every backend shares live in `@effect-mobilepay/sale` and are
 * re-exported here; `PointOfSaleNotCleared` is V10's own.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

export {
  /** @since 0.2.0 */
  OrderIdReused,
  /** @since 0.2.0 */
  PartialCaptureUnavailable,
  /** @since 0.2.0 */
  SaleInProgress,
  /** @since 0.2.0 */
  SaleOutcomeUnrecorded,
  /** @since 0.2.0 */
  SaleUnresolved,
  /** @since 0.2.0 */
  TermDifference,
} from "@effect-mobilepay/sale/SaleError"

/**
 * A point of sale blocked by an active payment (409, code 1301) could not be cleared:
 * MobilePay, the network or the token endpoint failed while its active payments were being
 * looked up or cancelled. Nothing was started for `requestedOrderId`; `cleared` lists the
 * payments that were cancelled, `paymentId` the one being cleared when it failed. Try again:
 * clearing is safe to repeat, and a payment in the journal is finished as it recorded.
 *
 * @since 0.2.0
 * @category errors
 */
export class PointOfSaleNotCleared extends Schema.TaggedError<PointOfSaleNotCleared>()(
  "PointOfSaleNotCleared",
  {
    posId: Schema.String,
    /** The order that was to be started on it, when a flow was clearing it. */
    requestedOrderId: Schema.optional(Schema.String),
    /** The payment being cleared when it failed, when it had got that far. */
    paymentId: Schema.optional(Schema.String),
    /** The payments it cancelled before it failed. */
    cleared: Schema.Array(Schema.String),
    /** What failed: a `PosClient` error, or the journaled payment's `SaleUnresolved`. */
    cause: Schema.Defect,
  },
) {
  override get message(): string {
    const at = this.paymentId === undefined ? "" : ` at payment ${this.paymentId}`
    const cause =
      typeof this.cause === "object" && this.cause !== null && "message" in this.cause
        ? `: ${String(this.cause.message)}`
        : ""
    const order =
      this.requestedOrderId === undefined
        ? ""
        : `; nothing was started for order ${this.requestedOrderId}`
    return `Till ${this.posId} is busy with another payment and could not be cleared${at}${cause}${order}`
  }
}
