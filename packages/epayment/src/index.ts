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

/**
 * Verifying the HMAC-SHA256 signature on a webhook delivery, exactly as the Webhooks API says.
 *
 * @since 0.2.0
 */
export * as WebhookSignature from "./WebhookSignature.js"

/**
 * The events delivered by webhook, as typed values (payments, check-ins, unknown kinds).
 *
 * @since 0.2.0
 */
export * as WebhookEvent from "./WebhookEvent.js"

/**
 * The webhook receiver a program mounts in its own server: verified, deduplicated events as
 * `Stream`s.
 *
 * @since 0.2.0
 */
export * as WebhookReceiver from "./WebhookReceiver.js"

/**
 * The ways a Webhooks API call fails, as tagged errors.
 *
 * @since 0.2.0
 */
export * as WebhooksError from "./WebhooksError.js"

/**
 * The Webhooks API client: register (the secret returned `Redacted`), list, delete.
 *
 * @since 0.2.0
 */
export * as WebhooksClient from "./WebhooksClient.js"

/**
 * The ways a QR API call fails, as tagged errors.
 *
 * @since 0.2.0
 */
export * as QrError from "./QrError.js"

/**
 * The QR API client: merchant callback QRs and the MobilePay PoS V10 beacon migration.
 *
 * @since 0.2.0
 */
export * as QrClient from "./QrClient.js"

/**
 * The one-layer setup: the ePayment, Webhooks and QR clients and `AccessTokenService` of one
 * sales unit, over any `HttpClient`.
 *
 * @since 0.2.0
 */
export * as EPayment from "./EPayment.js"

/**
 * ePayment for the sale engine of `@effect-mobilepay/sale`: the journaled backend the flows
 * and recovery run on.
 *
 * @since 0.2.0
 */
export * as EPaymentSale from "./EPaymentSale.js"

/**
 * The in-store flows, journaled: push to a phone number, the customer's personal QR, a
 * dynamic QR, the callback-QR sticker; capture, cancel, refund; one open payment per till.
 *
 * @since 0.2.0
 */
export * as SaleFlow from "./SaleFlow.js"

/**
 * Recovery of ePayment journal entries after a crash or a lost answer.
 *
 * @since 0.2.0
 */
export * as Recovery from "./Recovery.js"

/**
 * The till on ePayment: the `Till` service of `@effect-mobilepay/sale` as a layer, each sale a
 * dynamic QR.
 *
 * @since 0.2.0
 */
export * as EPaymentTill from "./EPaymentTill.js"
