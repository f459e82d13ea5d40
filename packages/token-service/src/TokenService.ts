/**
 * Access tokens that are always fresh without callers thinking about them: one cached token
 * per merchant (or unbound), requested once however many callers ask at the same time,
 * renewed before it expires, and dropped when nobody asks for it any more.
 *
 * @since 0.1.0
 */
import {
  type AccessToken,
  Domain,
  InvalidInput,
  TokenClient,
  type TokenError,
} from "@effect-mobilepay/core"
import type { HttpClient } from "@effect/platform"
import type * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Serve from "./internal/service.js"
import * as Cache from "./internal/tokenCache.js"
import { SharedTokenStore } from "./SharedTokenStore.js"

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace TokenService {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** The integrator client the tokens are for (sent as `x-ibm-client-id` on PoS calls). */
    readonly clientId: string
    /**
     * A token for the merchant (`DK`/`FI` + 8 digits), or an unbound token when no VAT is
     * given. A cached token that is not within the safety margin of its expiry is returned at
     * once, with no I/O; otherwise one request is made, shared by every concurrent caller.
     */
    readonly get: (
      merchantVat?: string,
    ) => Effect.Effect<AccessToken.AccessToken, TokenError.TokenError | InvalidInput.InvalidInput>
    /**
     * Forgets `token` if it is still the cached one (call it on a 401), so that the next `get`
     * requests a new token. A token that was already replaced is ignored: a burst of 401s
     * for one token causes one new request, a late 401 for an old token none.
     */
    readonly invalidate: (token: AccessToken.AccessToken) => Effect.Effect<void>
    /**
     * Requests a new token now (joining a request already under way) and caches it. With a
     * shared store, a token newer than this process's, got by another process, counts as new.
     */
    readonly refresh: (
      merchantVat?: string,
    ) => Effect.Effect<AccessToken.AccessToken, TokenError.TokenError | InvalidInput.InvalidInput>
  }
}

/**
 * Cached, renewed access tokens for one integrator client.
 *
 * @since 0.1.0
 * @category tags
 */
export class TokenService extends Context.Tag("@effect-mobilepay/token-service/TokenService")<
  TokenService,
  TokenService.Service
>() {}

/**
 * @since 0.1.0
 * @category options
 */
export interface Options {
  /**
   * Renew a token this long before it expires, but never earlier than half its lifetime.
   * @default "5 minutes"
   */
  readonly refreshAhead?: Duration.DurationInput | undefined
  /**
   * The renewal moment moves earlier by a random part of the lead, up to this fraction, so
   * that processes started together do not renew in lockstep.
   * @default 0.1
   */
  readonly refreshJitter?: number | undefined
  /**
   * A token this close to its expiry is never handed out (for short-lived tokens, at most
   * half the renewal lead, so that a renewed token always arrives first).
   * @default "30 seconds"
   */
  readonly safetyMargin?: Duration.DurationInput | undefined
  /**
   * A key nobody asked for during this long stops being renewed and is dropped.
   * @default "15 minutes"
   */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /**
   * At most this many keys (merchants) are cached; the least recently used goes first.
   * @default 10000
   */
  readonly maxKeys?: number | undefined
  /**
   * After `InvalidClientCredentials`, `get` fails at once with the same error for this long
   * instead of asking the token endpoint again.
   * @default "10 seconds"
   */
  readonly invalidCredentialsHold?: Duration.DurationInput | undefined
  /**
   * The first delay before a failed renewal is tried again (doubling, with jitter, up to
   * `renewalRetryMaxDelay`) while the current token is still good.
   * @default "1 second"
   */
  readonly renewalRetryDelay?: Duration.DurationInput | undefined
  /** @default "30 seconds" */
  readonly renewalRetryMaxDelay?: Duration.DurationInput | undefined
  /**
   * After a failed token request, `get` for that key fails at once with the same error for
   * this long (doubling with each further failure, up to `failureBackoffMaxDelay`) instead of
   * making a request per caller while the token endpoint is failing.
   * @default "1 second"
   */
  readonly failureBackoff?: Duration.DurationInput | undefined
  /** @default "30 seconds" */
  readonly failureBackoffMaxDelay?: Duration.DurationInput | undefined
  /**
   * With a {@link SharedTokenStore}: while another process holds a key's lease, look at the
   * store again this often. The holder's result (a token, a failure, a release) is published
   * and wakes the waiters at once: this only bounds the wait for a lease whose holder died.
   * @default "1 second"
   */
  readonly leasePollInterval?: Duration.DurationInput | undefined
}

/**
 * The service's metrics: token requests by outcome (`mobilepay_token_requests_total`), cache
 * hits and misses, renewals, the number of cached keys, and the shared store's fallbacks.
 * `AccessTokenService` counts in metrics of its own (`vipps_mobilepay_token_*`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const metrics = Cache.makeMetrics("mobilepay_token", "TokenService")

/**
 * Builds the service on the {@link TokenClient} in context. Its renewal fibers live in the
 * `Scope`: closing it stops them, with no timer left behind. With a {@link SharedTokenStore}
 * in context (e.g. from `@effect-mobilepay/token-store-redis`), tokens are shared with every
 * process using the same store; without one, this process keeps its own. An option that is not a valid
 * duration or number (NaN, negative, garbage) fails here with `InvalidInput` naming it,
 * before anything is sent.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {},
): Effect.Effect<
  TokenService.Service,
  InvalidInput.InvalidInput,
  TokenClient.TokenClient | Scope.Scope
> => Effect.flatMap(Effect.serviceOption(SharedTokenStore), (store) => build(options, store))

/**
 * Builds the service for a fleet, on the {@link TokenClient} and the {@link SharedTokenStore}
 * in context: the store shows in the type, so that a program that forgets to provide it does
 * not compile (with {@link make}, a store merged beside the service instead of provided to it
 * leaves every process on its own tokens, silently).
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeShared = (
  options: Options = {},
): Effect.Effect<
  TokenService.Service,
  InvalidInput.InvalidInput,
  TokenClient.TokenClient | SharedTokenStore | Scope.Scope
> => Effect.flatMap(SharedTokenStore, (store) => build(options, Option.some(store)))

// PoS V10's tokens: keyed by merchant VAT, requested with the V10 token client.
const decodeVat = InvalidInput.decodeInput(Domain.MerchantVat, "merchantVat")

const build = (options: Options, store: Option.Option<SharedTokenStore.Service>) =>
  Effect.flatMap(TokenClient.TokenClient, (client) =>
    Effect.map(
      Serve.build(
        {
          kind: "posV10",
          clientId: client.clientId,
          checkMerchant: decodeVat,
          merchantOf: (token) => Option.getOrUndefined(token.merchantVat),
          requestToken: (merchantVat) => client.requestToken({ merchantVat }),
          spanAttribute: "mobilepay.merchant_vat",
          name: "TokenService",
          metrics,
        },
        options,
        store,
      ),
      TokenService.of,
    ),
  )

/**
 * A token for the merchant (or unbound) from the {@link TokenService} in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const get = (merchantVat?: string) =>
  Effect.flatMap(TokenService, (service) => service.get(merchantVat))

/**
 * The {@link TokenService} on the {@link TokenClient} in context.
 *
 * @example
 * ```ts
 * import { TokenClient } from "@effect-mobilepay/core"
 * import { TokenService } from "@effect-mobilepay/token-service"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 *
 * // Renewed 10 minutes before expiry instead of the default; the token request from MOBILEPAY_*.
 * const TokenServiceLive = TokenService.layer({ refreshAhead: "10 minutes" }).pipe(
 *   Layer.provide(TokenClient.layerConfig()),
 *   Layer.provide(FetchHttpClient.layer),
 * )
 *
 * const program = TokenService.get("DK12345678").pipe(Effect.provide(TokenServiceLive))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {},
): Layer.Layer<TokenService, InvalidInput.InvalidInput, TokenClient.TokenClient> =>
  Layer.scoped(TokenService, make(options))

/**
 * The {@link TokenService} for a fleet, on the {@link TokenClient} and the
 * {@link SharedTokenStore} it requires (e.g. `RedisTokenStore.layer` from
 * `@effect-mobilepay/token-store-redis`): provide the store to it, or the program does not
 * compile.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerShared = (
  options: Options = {},
): Layer.Layer<
  TokenService,
  InvalidInput.InvalidInput,
  TokenClient.TokenClient | SharedTokenStore
> => Layer.scoped(TokenService, makeShared(options))

/**
 * The service's options from the environment, each optional: `MOBILEPAY_TOKEN_REFRESH_AHEAD`,
 * `_REFRESH_JITTER`, `_SAFETY_MARGIN`, `_IDLE_TIMEOUT`, `_MAX_KEYS`,
 * `_INVALID_CREDENTIALS_HOLD`, `_RENEWAL_RETRY_DELAY`, `_RENEWAL_RETRY_MAX_DELAY`,
 * `_FAILURE_BACKOFF`, `_FAILURE_BACKOFF_MAX_DELAY` and `_LEASE_POLL_INTERVAL` (durations
 * such as `5 minutes`, numbers for the jitter and the key cap). `AccessTokenService` reads the
 * same names under `VIPPS_MOBILEPAY_TOKEN_`.
 *
 * @since 0.2.0
 * @category options
 */
export const optionsConfig: Config.Config<Options> = Serve.optionsConfig("MOBILEPAY_TOKEN_")

const withConfig = (given: Options) => Serve.withConfig(optionsConfig, given)

// Configured from Config, so a bad option is reported like a bad variable, by its name.
const asConfig = <ROut, RIn>(built: Layer.Layer<ROut, InvalidInput.InvalidInput, RIn>) =>
  Layer.mapError(built, (invalid) =>
    ConfigError.InvalidData([Serve.variableOf("MOBILEPAY_TOKEN_", invalid.field)], invalid.reason),
  )

/**
 * The {@link TokenService} with its {@link TokenClient}, both configured from the
 * environment (see `MobilePayConfig` in `@effect-mobilepay/core`, and {@link optionsConfig});
 * options given here win over the environment's.
 *
 * @example
 * ```ts
 * import { TokenService } from "@effect-mobilepay/token-service"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 *
 * // Credentials, environment and cache options all from MOBILEPAY_* variables.
 * const TokenServiceLive = TokenService.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
 *
 * const program = TokenService.get("DK12345678").pipe(Effect.provide(TokenServiceLive))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Options & Omit<TokenClient.Options, "credentials" | "environment"> = {},
): Layer.Layer<TokenService, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(withConfig(options), (given) => asConfig(layer(given)))).pipe(
    Layer.provide(TokenClient.layerConfig(options)),
  )

/**
 * {@link layerShared} with its {@link TokenClient}, both configured from the environment, on
 * the {@link SharedTokenStore} it requires (e.g. `RedisTokenStore.layerConfig()`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerSharedConfig = (
  options: Options & Omit<TokenClient.Options, "credentials" | "environment"> = {},
): Layer.Layer<TokenService, ConfigError.ConfigError, HttpClient.HttpClient | SharedTokenStore> =>
  Layer.unwrapEffect(Effect.map(withConfig(options), (given) => asConfig(layerShared(given)))).pipe(
    Layer.provide(TokenClient.layerConfig(options)),
  )
