/**
 * `@effect-mobilepay/node`: the MobilePay and Vipps MobilePay clients on Node.
 *
 * @since 0.2.0
 */

/**
 * The one-layer setup for PoS V10 on Node, over the lean undici transport.
 *
 * @since 0.2.0
 */
export * as NodeMobilePay from "./NodeMobilePay.js"
/**
 * The one-layer setup for the Vipps MobilePay platform (ePayment, Webhooks, QR) on Node, over
 * the lean undici transport.
 *
 * @since 0.2.0
 */
export * as NodeEPayment from "./NodeEPayment.js"
/**
 * A lean `HttpClient` over undici that enforces PoS deadlines itself.
 *
 * @since 0.2.0
 */
export * as UndiciHttpClient from "./UndiciHttpClient.js"
