/**
 * `@effect-mobilepay/node`: the MobilePay client on Node.
 *
 * @since 0.2.0
 */

/**
 * The one-layer setup on Node, over `@effect/platform-node`'s undici client.
 *
 * @since 0.2.0
 */
export * as NodeMobilePay from "./NodeMobilePay.js"
