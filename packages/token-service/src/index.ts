/**
 * `@effect-mobilepay/token-service`: cached, single-flight, refreshed-ahead access tokens.
 *
 * @since 0.1.0
 */

/**
 * The Vipps MobilePay Access Token API's tokens (ePayment, Webhooks, QR), cached and renewed
 * by the same cache as `TokenService`, keyed by Merchant Serial Number.
 *
 * @since 0.2.0
 */
export * as AccessTokenService from "./AccessTokenService.js"

/**
 * A store of tokens shared by several processes (a fleet), behind `TokenService`.
 *
 * @since 0.2.0
 */
export * as SharedTokenStore from "./SharedTokenStore.js"

/**
 * Access tokens that are always fresh without callers thinking about them.
 *
 * @since 0.1.0
 */
export * as TokenService from "./TokenService.js"
