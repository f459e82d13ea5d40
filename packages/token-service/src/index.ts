/**
 * `@effect-mobilepay/token-service`: cached, single-flight, refreshed-ahead access tokens.
 *
 * @since 0.1.0
 */

/**
 * Access tokens that are always fresh without callers thinking about them.
 *
 * @since 0.1.0
 */
export * as TokenService from "./TokenService.js"
