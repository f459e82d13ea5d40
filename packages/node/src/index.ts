/**
 * `@effect-mobilepay/node`: the MobilePay client on Node.
 *
 * @since 0.2.0
 */

/**
 * The one-layer setup on Node, over the lean undici transport.
 *
 * @since 0.2.0
 */
export * as NodeMobilePay from "./NodeMobilePay.js"
/**
 * A lean `HttpClient` over undici that enforces PoS deadlines itself.
 *
 * @since 0.2.0
 */
export * as UndiciHttpClient from "./UndiciHttpClient.js"
