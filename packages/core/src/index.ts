/**
 * `@effect-mobilepay/core`: MobilePay's Integrator Authentication token request as typed
 * Effects, with the domain types and retry policy the other packages share.
 *
 * @since 0.1.0
 */

/**
 * The Vipps MobilePay Access Token API (`POST /accesstoken/get`) as a typed Effect.
 *
 * @since 0.2.0
 */
export * as AccessTokenClient from "./AccessTokenClient.js"

/**
 * An access token from Integrator Authentication.
 *
 * @since 0.1.0
 */
export * as AccessToken from "./AccessToken.js"

/**
 * An integrator client's OAuth 2.0 credentials.
 *
 * @since 0.1.0
 */
export * as ClientCredentials from "./ClientCredentials.js"

/**
 * The formats MobilePay requires of the values a client sends, as branded schemas.
 *
 * @since 0.1.0
 */
export * as Domain from "./Domain.js"

/**
 * Duration options checked into a `Duration` or an `InvalidInput` naming them.
 *
 * @since 0.2.0
 */
export * as DurationOption from "./DurationOption.js"

/**
 * Where MobilePay is: sandbox, production, or custom base URLs.
 *
 * @since 0.1.0
 */
export * as Environment from "./Environment.js"

/**
 * The per-attempt deadline of a call, and the transports that enforce it themselves.
 *
 * @since 0.2.0
 */
export * as HttpDeadline from "./HttpDeadline.js"

/**
 * The error for a value that MobilePay would reject, caught before any request leaves the process.
 *
 * @since 0.1.0
 */
export * as InvalidInput from "./InvalidInput.js"

/**
 * Reading a client's configuration (`MOBILEPAY_*`) from Effect's `Config`.
 *
 * @since 0.1.0
 */
export * as MobilePayConfig from "./MobilePayConfig.js"

/**
 * The one request path every client's calls take (deadlines, retries, 401 recovery, bounded
 * reading, correlation ids, sanitised text, spans, idempotency).
 *
 * @since 0.2.0
 */
export * as RequestPath from "./RequestPath.js"

/**
 * MobilePay's retry rules as `Schedule`s, shared by the token request and every PoS call.
 *
 * @since 0.1.0
 */
export * as RetryPolicy from "./RetryPolicy.js"

/**
 * The keys of a Vipps MobilePay sales unit (client id, client secret, subscription key).
 *
 * @since 0.2.0
 */
export * as SalesUnitCredentials from "./SalesUnitCredentials.js"

/**
 * The Integrator Authentication token request (OAuth 2.0 client credentials, RFC 6749 §4.4) as a
 * typed Effect, with MobilePay's retry rules and a per-attempt timeout.
 *
 * @since 0.1.0
 */
export * as TokenClient from "./TokenClient.js"

/**
 * The ways a token request fails, as tagged errors a caller can `catchTag`.
 *
 * @since 0.1.0
 */
export * as TokenError from "./TokenError.js"

/**
 * Reading what an untrusted server sends: bounded bodies, bounded JSON, sanitised text.
 *
 * @since 0.2.0
 */
export * as Untrusted from "./Untrusted.js"

/**
 * Reading the Vipps MobilePay platform's configuration (`VIPPS_MOBILEPAY_*`) from `Config`.
 *
 * @since 0.2.0
 */
export * as VippsConfig from "./VippsConfig.js"

/**
 * Where the Vipps MobilePay platform is: test, production, or a custom base URL.
 *
 * @since 0.2.0
 */
export * as VippsEnvironment from "./VippsEnvironment.js"

/**
 * The `Vipps-System-*` headers.
 *
 * @since 0.2.0
 */
export * as VippsSystem from "./VippsSystem.js"
