/**
 * The Vipps MobilePay Access Token API's tokens (for the ePayment, Webhooks and QR clients),
 * always fresh without callers thinking about them: one cached token per sales unit (Merchant
 * Serial Number, or none), requested once however many callers ask at the same time, renewed
 * before it expires, and dropped when nobody asks for it any more.
 *
 * It is the same cache as {@link TokenService}, with the same options, errors and shared
 * store: only the token endpoint and the key (an MSN instead of a merchant VAT) differ. In a
 * shared store its keys are apart from `TokenService`'s, so the two kinds never meet. It is
 * observed apart too: spans `AccessTokenService.request`, metrics `vipps_mobilepay_token_*`
 * ({@link metrics}), log lines annotated `service=AccessTokenService`, and its cache options
 * read from `VIPPS_MOBILEPAY_TOKEN_*` ({@link optionsConfig}).
 *
 * @since 0.2.0
 */
import {
  type AccessToken,
  AccessTokenClient,
  Domain,
  InvalidInput,
  type TokenError,
} from "@effect-mobilepay/core"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Serve from "./internal/service.js"
import * as Cache from "./internal/tokenCache.js"
import { SharedTokenStore } from "./SharedTokenStore.js"
import type * as TokenService from "./TokenService.js"

/**
 * @since 0.2.0
 * @category models
 */
export declare namespace AccessTokenService {
  /**
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /** The sales unit's client id (sent as `client_id` for tokens). */
    readonly clientId: string
    /**
     * A token for the sales unit (Merchant Serial Number, 4 to 10 digits), or one requested
     * without `Merchant-Serial-Number` when none is given. A cached token that is not within
     * the safety margin of its expiry is returned at once, with no I/O; otherwise one request
     * is made, shared by every concurrent caller. A malformed MSN fails with `InvalidInput`.
     */
    readonly get: (
      merchantSerialNumber?: string,
    ) => Effect.Effect<AccessToken.AccessToken, TokenError.TokenError | InvalidInput.InvalidInput>
    /**
     * Forgets `token` if it is still the cached one (call it on a 401), so that the next `get`
     * requests a new token. A token that was already replaced is ignored.
     */
    readonly invalidate: (token: AccessToken.AccessToken) => Effect.Effect<void>
    /**
     * Requests a new token now (joining a request already under way) and caches it. With a
     * shared store, a token newer than this process's, got by another process, counts as new.
     */
    readonly refresh: (
      merchantSerialNumber?: string,
    ) => Effect.Effect<AccessToken.AccessToken, TokenError.TokenError | InvalidInput.InvalidInput>
  }
}

/**
 * Cached, renewed Access Token API tokens for one sales unit's keys.
 *
 * @since 0.2.0
 * @category tags
 */
export class AccessTokenService extends Context.Tag(
  "@effect-mobilepay/token-service/AccessTokenService",
)<AccessTokenService, AccessTokenService.Service>() {}

/**
 * The options of {@link TokenService}: the same cache, with the same defaults.
 *
 * @since 0.2.0
 * @category options
 */
export type Options = TokenService.Options

/**
 * The service's metrics, apart from `TokenService`'s: token requests by outcome
 * (`vipps_mobilepay_token_requests_total`), cache hits (`_cache_hits_total`) and misses
 * (`_cache_misses_total`), renewals (`_renewals_total`), cached keys (gauge `_cache_keys`),
 * tokens taken from the shared store (`_shared_total`), and the shared store's fallbacks
 * (`_store_fallbacks_total`, gauge `_store_degraded`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const metrics = Cache.makeMetrics("vipps_mobilepay_token", "AccessTokenService")

const decodeMsn = InvalidInput.decodeInput(Domain.MerchantSerialNumber, "merchantSerialNumber")

const build = (options: Options, store: Option.Option<SharedTokenStore.Service>) =>
  Effect.flatMap(AccessTokenClient.AccessTokenClient, (client) =>
    Effect.map(
      Serve.build(
        {
          kind: "accessToken",
          clientId: client.clientId,
          checkMerchant: decodeMsn,
          merchantOf: (token) => token.merchantSerialNumber,
          requestToken: (merchantSerialNumber) => client.requestToken({ merchantSerialNumber }),
          spanAttribute: "vipps.merchant_serial_number",
          name: "AccessTokenService",
          metrics,
        },
        options,
        store,
      ),
      AccessTokenService.of,
    ),
  )

/**
 * Builds the service on the `AccessTokenClient` in context. Its renewal fibers live in the
 * `Scope`. With a {@link SharedTokenStore} in context, tokens are shared with every process
 * using the same store (under keys of their own kind); without one, this process keeps its
 * own. A bad option fails here with `InvalidInput` naming it, before anything is sent.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options = {},
): Effect.Effect<
  AccessTokenService.Service,
  InvalidInput.InvalidInput,
  AccessTokenClient.AccessTokenClient | Scope.Scope
> => Effect.flatMap(Effect.serviceOption(SharedTokenStore), (store) => build(options, store))

/**
 * Builds the service for a fleet, on the `AccessTokenClient` and the
 * {@link SharedTokenStore} in context: the store shows in the type, so that a program that
 * forgets to provide it does not compile.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeShared = (
  options: Options = {},
): Effect.Effect<
  AccessTokenService.Service,
  InvalidInput.InvalidInput,
  AccessTokenClient.AccessTokenClient | SharedTokenStore | Scope.Scope
> => Effect.flatMap(SharedTokenStore, (store) => build(options, Option.some(store)))

/**
 * A token for the sales unit (or none named) from the {@link AccessTokenService} in context.
 *
 * @since 0.2.0
 * @category accessors
 */
export const get = (merchantSerialNumber?: string) =>
  Effect.flatMap(AccessTokenService, (service) => service.get(merchantSerialNumber))

/**
 * The {@link AccessTokenService} on the `AccessTokenClient` in context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options = {},
): Layer.Layer<
  AccessTokenService,
  InvalidInput.InvalidInput,
  AccessTokenClient.AccessTokenClient
> => Layer.scoped(AccessTokenService, make(options))

/**
 * The {@link AccessTokenService} for a fleet, on the `AccessTokenClient` and the
 * {@link SharedTokenStore} it requires (e.g. `RedisTokenStore.layer` from
 * `@effect-mobilepay/token-store-redis`; one store serves both kinds of token).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerShared = (
  options: Options = {},
): Layer.Layer<
  AccessTokenService,
  InvalidInput.InvalidInput,
  AccessTokenClient.AccessTokenClient | SharedTokenStore
> => Layer.scoped(AccessTokenService, makeShared(options))

/**
 * The options of {@link layerConfig}: the cache's options, and the `AccessTokenClient`'s as
 * `Config`s.
 *
 * @since 0.2.0
 * @category options
 */
export type ConfigOptions = Options & AccessTokenClient.ConfigOptions

/**
 * The service's options from the environment, each optional, under a prefix of its own (so
 * that tuning one kind of token never tunes the other): `VIPPS_MOBILEPAY_TOKEN_REFRESH_AHEAD`,
 * `_REFRESH_JITTER`, `_SAFETY_MARGIN`, `_IDLE_TIMEOUT`, `_MAX_KEYS`,
 * `_INVALID_CREDENTIALS_HOLD`, `_RENEWAL_RETRY_DELAY`, `_RENEWAL_RETRY_MAX_DELAY`,
 * `_FAILURE_BACKOFF`, `_FAILURE_BACKOFF_MAX_DELAY` and `_LEASE_POLL_INTERVAL` (durations such
 * as `5 minutes`, numbers for the jitter and the key cap). `MOBILEPAY_TOKEN_*` are
 * `TokenService`'s and are not read here.
 *
 * @since 0.2.0
 * @category options
 */
export const optionsConfig: Config.Config<Options> = Serve.optionsConfig("VIPPS_MOBILEPAY_TOKEN_")

// Options given in code win over the environment's.
const withConfig = (given: Options) => Serve.withConfig(optionsConfig, given)

// Configured from Config, so a bad option is reported like a bad variable, by its name.
const asConfig = <ROut, RIn>(built: Layer.Layer<ROut, InvalidInput.InvalidInput, RIn>) =>
  Layer.mapError(built, (invalid) =>
    ConfigError.InvalidData(
      [Serve.variableOf("VIPPS_MOBILEPAY_TOKEN_", invalid.field)],
      invalid.reason,
    ),
  )

/**
 * The {@link AccessTokenService} with its `AccessTokenClient`, both configured from the
 * environment: the keys and host from `VIPPS_MOBILEPAY_*` (see `VippsConfig` in
 * `@effect-mobilepay/core`), the cache from {@link optionsConfig} (`VIPPS_MOBILEPAY_TOKEN_*`);
 * options given here win.
 *
 * @example
 * ```ts
 * import { AccessTokenService } from "@effect-mobilepay/token-service"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 *
 * // Keys and host from VIPPS_MOBILEPAY_*; the cache's options from VIPPS_MOBILEPAY_TOKEN_*.
 * const AccessTokensLive = AccessTokenService.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
 *
 * const program = AccessTokenService.get("123456").pipe(Effect.provide(AccessTokensLive))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {},
): Layer.Layer<AccessTokenService, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(withConfig(options), (given) => asConfig(layer(given)))).pipe(
    Layer.provide(AccessTokenClient.layerConfig(options)),
  )

/**
 * {@link layerShared} with its `AccessTokenClient`, both configured from the environment, on
 * the {@link SharedTokenStore} it requires (e.g. `RedisTokenStore.layerConfig()`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerSharedConfig = (
  options: ConfigOptions = {},
): Layer.Layer<
  AccessTokenService,
  ConfigError.ConfigError,
  HttpClient.HttpClient | SharedTokenStore
> =>
  Layer.unwrapEffect(Effect.map(withConfig(options), (given) => asConfig(layerShared(given)))).pipe(
    Layer.provide(AccessTokenClient.layerConfig(options)),
  )
