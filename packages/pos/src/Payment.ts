/**
 * Payments: the request bodies of `InitiatePayment`, `PreparePayment`, `PaymentReady` and
 * `CapturePayment`, the query of `QueryPaymentIds`, and the responses of those and of
 * `QueryPayment`, with their statuses. Schema names follow the OpenAPI file; each request
 * schema's encoded side is both the caller's plain input and the JSON sent.
 *
 * @since 0.1.0
 */
import { Domain as Core } from "@effect-mobilepay/core"
import * as Schema from "effect/Schema"
import {
  Amount,
  CurrencyCode,
  ReceivedCurrencyCode,
  tolerant,
  CustomerReceiptToken,
  CustomerToken,
  LoyaltyIds,
  MobilePayDateTime,
  PaymentId,
  PollDelayInMs,
  PosId,
} from "./Domain.js"
import { optionalNullable } from "./internal/wire.js"

/**
 * The merchant's order id for a payment: 1 to 36 valid characters. Should be unique: it is
 * how a payment whose id was lost is found again (`QueryPaymentIds`).
 *
 * @since 0.1.0
 * @category values
 */
export const OrderId = Core.Text36.pipe(Schema.brand("OrderId"))
/** @since 0.1.0 */
export type OrderId = typeof OrderId.Type

/**
 * A label for the payment, shown in the transaction reporting of the MobilePay Portal: 1 to
 * 36 valid characters.
 *
 * @since 0.1.0
 * @category values
 */
export const MerchantPaymentLabel = Core.Text36.pipe(Schema.brand("MerchantPaymentLabel"))
/** @since 0.1.0 */
export type MerchantPaymentLabel = typeof MerchantPaymentLabel.Type

/**
 * When the merchant expects to capture the payment after it is reserved.
 *
 * @since 0.1.0
 * @category values
 */
export const PlannedCaptureDelay = Schema.Literal("None", "LessThan24Hours", "LessThan14Days")
/** @since 0.1.0 */
export type PlannedCaptureDelay = typeof PlannedCaptureDelay.Type

/**
 * The `plannedCaptureDelay` of a payment as MobilePay sends it back: a known value, or an
 * unknown one kept as sent (`UnknownValue<"UnknownPlannedCaptureDelay">`).
 *
 * @since 0.2.0
 * @category values
 */
export const ReceivedPlannedCaptureDelay = tolerant(
  PlannedCaptureDelay,
  "UnknownPlannedCaptureDelay",
)
/** @since 0.2.0 */
export type ReceivedPlannedCaptureDelay = typeof ReceivedPlannedCaptureDelay.Type

/**
 * The payment states the contract documents. `Prepared`, `Initiated`, `Paired` and
 * `IssuedToUser` are active (they block a new payment on the same PoS); `Reserved` awaits
 * capture or cancel; the rest are final.
 *
 * @since 0.2.0
 * @category values
 */
export const KnownPaymentStatus = Schema.Literal(
  "Prepared",
  "Initiated",
  "Paired",
  "IssuedToUser",
  "Reserved",
  "Captured",
  "CancelledByUser",
  "CancelledByClient",
  "CancelledByMobilePay",
  "ExpiredAndCancelled",
)
/** @since 0.2.0 */
export type KnownPaymentStatus = typeof KnownPaymentStatus.Type

/**
 * The state of a payment as `QueryPayment` returns it: one of {@link KnownPaymentStatus}, or a
 * state MobilePay added after this client was written, kept as sent and typed
 * `UnknownValue<"UnknownPaymentStatus">` (test with {@link isKnownPaymentStatus}). An unknown
 * state is neither active, reserved nor final: keep polling, or look at it by hand.
 *
 * @since 0.1.0
 * @category values
 */
export const PaymentStatus = tolerant(KnownPaymentStatus, "UnknownPaymentStatus")
/** @since 0.1.0 */
export type PaymentStatus = typeof PaymentStatus.Type

/**
 * `true` for the states the contract documents, `false` for one MobilePay added since.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isKnownPaymentStatus = Schema.is(KnownPaymentStatus)

/**
 * The payment statuses that block a new payment on the same point of sale (409, code 1301).
 *
 * @since 0.1.0
 * @category values
 */
export const ActivePaymentStatus = KnownPaymentStatus.pipe(
  Schema.pickLiteral("Prepared", "Initiated", "Paired", "IssuedToUser"),
)
/** @since 0.1.0 */
export type ActivePaymentStatus = typeof ActivePaymentStatus.Type

/**
 * The statuses a payment never leaves.
 *
 * @since 0.1.0
 * @category values
 */
export const FinalPaymentStatus = KnownPaymentStatus.pipe(
  Schema.pickLiteral(
    "Captured",
    "CancelledByUser",
    "CancelledByClient",
    "CancelledByMobilePay",
    "ExpiredAndCancelled",
  ),
)
/** @since 0.1.0 */
export type FinalPaymentStatus = typeof FinalPaymentStatus.Type

/**
 * Card types the customer may not pay with; an absent (or `null`) flag means no restriction.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PaymentRestrictions = Schema.Struct({
  debitCardDisallowed: Schema.optionalWith(Schema.Boolean, { nullable: true }),
  creditCardDisallowed: Schema.optionalWith(Schema.Boolean, { nullable: true }),
}).annotations({ identifier: "PaymentRestrictions" })
/** @since 0.1.0 */
export type PaymentRestrictions = typeof PaymentRestrictions.Type

/**
 * The body of `InitiatePayment` (`POST /payments`): a payment ready for the customer at once.
 *
 * @since 0.1.0
 * @category requests
 */
export const InitiatePaymentRequest = Schema.Struct({
  posId: PosId,
  orderId: OrderId,
  amount: Amount,
  currencyCode: CurrencyCode,
  restrictions: Schema.optional(PaymentRestrictions),
  merchantPaymentLabel: Schema.optional(MerchantPaymentLabel),
  plannedCaptureDelay: PlannedCaptureDelay,
}).annotations({ identifier: "InitiatePaymentRequest" })
/** @since 0.1.0 */
export type InitiatePaymentRequest = typeof InitiatePaymentRequest.Type
/** @since 0.1.0 */
export declare namespace InitiatePaymentRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof InitiatePaymentRequest.Encoded
}

/**
 * The body of `PreparePayment` (`POST /payments/prepare`): a payment the customer can pair
 * with before the amount is known; `PaymentReady` supplies the rest.
 *
 * @since 0.1.0
 * @category requests
 */
export const PreparePaymentRequest = Schema.Struct({
  posId: PosId,
  orderId: OrderId,
}).annotations({ identifier: "PreparePaymentRequest" })
/** @since 0.1.0 */
export type PreparePaymentRequest = typeof PreparePaymentRequest.Type
/** @since 0.1.0 */
export declare namespace PreparePaymentRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof PreparePaymentRequest.Encoded
}

/**
 * The body of `PaymentReady` (`POST /payments/{paymentId}/ready`): the amount and terms of a
 * prepared payment, which is then issued to the customer.
 *
 * @since 0.1.0
 * @category requests
 */
export const PaymentReadyRequest = Schema.Struct({
  currencyCode: CurrencyCode,
  amount: Amount,
  restrictions: Schema.optional(PaymentRestrictions),
  merchantPaymentLabel: Schema.optional(MerchantPaymentLabel),
  plannedCaptureDelay: PlannedCaptureDelay,
}).annotations({ identifier: "PaymentReadyRequest" })
/** @since 0.1.0 */
export type PaymentReadyRequest = typeof PaymentReadyRequest.Type
/** @since 0.1.0 */
export declare namespace PaymentReadyRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof PaymentReadyRequest.Encoded
}

/**
 * The body of `CapturePayment` (`POST /payments/{paymentId}/capture`): the reserved amount,
 * or less when `partialCapturePossible`.
 *
 * @since 0.1.0
 * @category requests
 */
export const PaymentCaptureRequest = Schema.Struct({
  amount: Amount,
}).annotations({ identifier: "PaymentCaptureRequest" })
/** @since 0.1.0 */
export type PaymentCaptureRequest = typeof PaymentCaptureRequest.Type
/** @since 0.1.0 */
export declare namespace PaymentCaptureRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof PaymentCaptureRequest.Encoded
}

/**
 * The query of `QueryPaymentIds` (`GET /payments?posId=&orderId=&state=`): without `state`, the
 * active and reserved payments; with `state: "Captured"`, the captured ones. MobilePay answers
 * 400 (code 1109) when the filter is not specific enough.
 *
 * @since 0.1.0
 * @category requests
 */
export const QueryPaymentIdsRequest = Schema.Struct({
  posId: Schema.optional(PosId),
  orderId: Schema.optional(OrderId),
  state: Schema.optional(Schema.Literal("Captured")),
}).annotations({ identifier: "QueryPaymentIdsRequest" })
/** @since 0.1.0 */
export type QueryPaymentIdsRequest = typeof QueryPaymentIdsRequest.Type
/** @since 0.1.0 */
export declare namespace QueryPaymentIdsRequest {
  /**
   * The caller's plain input, also the query parameters sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof QueryPaymentIdsRequest.Encoded
}

/**
 * The answer to `InitiatePayment` and `PreparePayment`: the id of the new payment.
 *
 * @since 0.1.0
 * @category responses
 */
export const PaymentInitiatedResponse = Schema.Struct({
  paymentId: PaymentId,
}).annotations({ identifier: "PaymentInitiatedResponse" })
/** @since 0.1.0 */
export type PaymentInitiatedResponse = typeof PaymentInitiatedResponse.Type

/**
 * The answer to `QueryPaymentIds`.
 *
 * @since 0.1.0
 * @category responses
 */
export const QueryPaymentIdsResponse = Schema.Struct({
  paymentIds: Schema.Array(PaymentId),
}).annotations({ identifier: "QueryPaymentIdsResponse" })
/** @since 0.1.0 */
export type QueryPaymentIdsResponse = typeof QueryPaymentIdsResponse.Type

/**
 * A payment as `QueryPayment` (`GET /payments/{paymentId}`) returns it. Decoding is tolerant
 * of what the contract allows: texts of any length and character, amounts with any number of
 * decimals, any `pollDelayInMs` (clamp it), and enum values MobilePay may add (kept as
 * `UnknownValue`s). Fields MobilePay may omit or send as `null` are absent here: `amount`, `currencyCode` and the terms until a
 * prepared payment is ready; the customer's tokens and loyalty ids until MobilePay has looked
 * them up; `partialCapturePossible` outside `Reserved`. Poll again after `pollDelayInMs`.
 *
 * @since 0.1.0
 * @category responses
 */
export const QueryPaymentResponse = Schema.Struct({
  paymentId: PaymentId,
  posId: PosId,
  orderId: Schema.String,
  amount: optionalNullable(Schema.Number),
  currencyCode: optionalNullable(ReceivedCurrencyCode),
  restrictions: optionalNullable(PaymentRestrictions),
  merchantPaymentLabel: optionalNullable(Schema.String),
  plannedCaptureDelay: optionalNullable(ReceivedPlannedCaptureDelay),
  status: PaymentStatus,
  customerToken: optionalNullable(CustomerToken),
  customerReceiptToken: optionalNullable(CustomerReceiptToken),
  loyaltyIds: optionalNullable(LoyaltyIds),
  paymentExpiresAt: optionalNullable(MobilePayDateTime),
  partialCapturePossible: optionalNullable(Schema.Boolean),
  pollDelayInMs: PollDelayInMs,
}).annotations({ identifier: "QueryPaymentResponse" })
/** @since 0.1.0 */
export type QueryPaymentResponse = typeof QueryPaymentResponse.Type
