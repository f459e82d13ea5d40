/**
 * Refunds: the body of `CreateRefund`, the query of `QueryRefundIds`, and the responses of
 * those and of `GetRefund`, with the refund status. Schema names follow the OpenAPI file; each
 * request schema's encoded side is both the caller's plain input and what is sent.
 *
 * @since 0.1.0
 */
import { Domain as Core } from "@effect-mobilepay/core"
import * as Schema from "effect/Schema"
import {
  Amount,
  CurrencyCode,
  PaymentId,
  PollDelayInMs,
  ReceivedCurrencyCode,
  RefundId,
  tolerant,
} from "./Domain.js"

/**
 * The merchant's order id for a refund: 1 to 36 valid characters.
 *
 * @since 0.1.0
 * @category values
 */
export const RefundOrderId = Core.Text36.pipe(Schema.brand("RefundOrderId"))
/** @since 0.1.0 */
export type RefundOrderId = typeof RefundOrderId.Type

/**
 * The refund states the contract documents: `Initiated` → `Reserved` → `Captured`,
 * `CancelledByClient` or `CancelledByMobilePay`; a reservation not captured within 24 hours is
 * captured by MobilePay (`ExpiredAndCaptured`).
 *
 * @since 0.2.0
 * @category values
 */
export const KnownRefundStatus = Schema.Literal(
  "Initiated",
  "Reserved",
  "Captured",
  "CancelledByClient",
  "CancelledByMobilePay",
  "ExpiredAndCaptured",
)
/** @since 0.2.0 */
export type KnownRefundStatus = typeof KnownRefundStatus.Type

/**
 * The state of a refund as `GetRefund` returns it: one of {@link KnownRefundStatus}, or a
 * state MobilePay added since, kept as sent and typed `UnknownValue<"UnknownRefundStatus">`
 * (neither reserved nor final).
 *
 * @since 0.1.0
 * @category values
 */
export const RefundStatus = tolerant(KnownRefundStatus, "UnknownRefundStatus")
/** @since 0.1.0 */
export type RefundStatus = typeof RefundStatus.Type

/**
 * `true` for the refund states the contract documents.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isKnownRefundStatus = Schema.is(KnownRefundStatus)

/**
 * The statuses a refund never leaves.
 *
 * @since 0.1.0
 * @category values
 */
export const FinalRefundStatus = KnownRefundStatus.pipe(
  Schema.pickLiteral("Captured", "CancelledByClient", "CancelledByMobilePay", "ExpiredAndCaptured"),
)
/** @since 0.1.0 */
export type FinalRefundStatus = typeof FinalRefundStatus.Type

/**
 * The body of `CreateRefund` (`POST /refunds`): refund part or all of a captured payment, in
 * the payment's currency. The refunds of a payment together may not exceed what was captured.
 *
 * @since 0.1.0
 * @category requests
 */
export const CreateRefundRequest = Schema.Struct({
  paymentId: PaymentId,
  refundOrderId: RefundOrderId,
  amount: Amount,
  currencyCode: CurrencyCode,
}).annotations({ identifier: "CreateRefundRequest" })
/** @since 0.1.0 */
export type CreateRefundRequest = typeof CreateRefundRequest.Type
/** @since 0.1.0 */
export declare namespace CreateRefundRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof CreateRefundRequest.Encoded
}

/**
 * The query of `QueryRefundIds` (`GET /refunds?paymentId=`). MobilePay answers 400 (code 1110)
 * when the filter is not specific enough.
 *
 * @since 0.1.0
 * @category requests
 */
export const QueryRefundIdsRequest = Schema.Struct({
  paymentId: Schema.optional(PaymentId),
}).annotations({ identifier: "QueryRefundIdsRequest" })
/** @since 0.1.0 */
export type QueryRefundIdsRequest = typeof QueryRefundIdsRequest.Type
/** @since 0.1.0 */
export declare namespace QueryRefundIdsRequest {
  /**
   * The caller's plain input, also the query parameters sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof QueryRefundIdsRequest.Encoded
}

/**
 * The answer to `CreateRefund`: the id of the new refund.
 *
 * @since 0.1.0
 * @category responses
 */
export const CreateRefundResponse = Schema.Struct({
  refundId: RefundId,
}).annotations({ identifier: "CreateRefundResponse" })
/** @since 0.1.0 */
export type CreateRefundResponse = typeof CreateRefundResponse.Type

/**
 * The answer to `QueryRefundIds`.
 *
 * @since 0.1.0
 * @category responses
 */
export const QueryRefundIdsResponse = Schema.Struct({
  refundIds: Schema.Array(RefundId),
}).annotations({ identifier: "QueryRefundIdsResponse" })
/** @since 0.1.0 */
export type QueryRefundIdsResponse = typeof QueryRefundIdsResponse.Type

/**
 * A refund as `GetRefund` (`GET /refunds/{refundId}`) returns it, decoded as tolerantly as
 * `QueryPaymentResponse` (any text, any amount, unknown currencies and states kept). Poll
 * again after `pollDelayInMs`.
 *
 * @since 0.1.0
 * @category responses
 */
export const GetRefundResponse = Schema.Struct({
  refundId: RefundId,
  paymentId: PaymentId,
  refundOrderId: Schema.String,
  amount: Schema.Number,
  currencyCode: ReceivedCurrencyCode,
  status: RefundStatus,
  pollDelayInMs: PollDelayInMs,
}).annotations({ identifier: "GetRefundResponse" })
/** @since 0.1.0 */
export type GetRefundResponse = typeof GetRefundResponse.Type
