/**
 * `@effect-mobilepay/epayment`: the Vipps MobilePay ePayment, Webhooks and QR clients.
 *
 * @since 0.2.0
 */

/**
 * The values every part of the ePayment API shares.
 *
 * @since 0.2.0
 */
export * as Domain from "./Domain.js"

/**
 * Payments: the ePayment request bodies and answers.
 *
 * @since 0.2.0
 */
export * as Payment from "./Payment.js"

/**
 * The receipt a payment may carry (Order Management's `Receipt`).
 *
 * @since 0.2.0
 */
export * as Receipt from "./Receipt.js"

/**
 * The ways an ePayment call fails, as tagged errors a caller can `catchTag`.
 *
 * @since 0.2.0
 */
export * as EPaymentError from "./EPaymentError.js"

/**
 * The ePayment client: create, get, events, capture, cancel, refund, force approve.
 *
 * @since 0.2.0
 */
export * as EPaymentClient from "./EPaymentClient.js"
