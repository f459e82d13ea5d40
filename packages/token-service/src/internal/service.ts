// The one service both TokenService and AccessTokenService are: options checked, then the
// token cache over the API's token source.
import type { AccessToken, InvalidInput, TokenError } from "@effect-mobilepay/core"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { SharedTokenStore } from "../SharedTokenStore.js"
import type { Options } from "../TokenService.js"
import * as Check from "./options.js"
import * as Cache from "./tokenCache.js"

type Failure = TokenError.TokenError | InvalidInput.InvalidInput

export interface Service {
  readonly clientId: string
  readonly get: (merchant?: string) => Effect.Effect<AccessToken.AccessToken, Failure>
  readonly invalidate: (token: AccessToken.AccessToken) => Effect.Effect<void>
  readonly refresh: (merchant?: string) => Effect.Effect<AccessToken.AccessToken, Failure>
}

export const build = (
  source: Cache.TokenSource,
  options: Options,
  store: Option.Option<SharedTokenStore.Service>,
): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function* () {
    const settings = Either.all({
      refreshAhead: Check.duration("refreshAhead", options.refreshAhead, "5 minutes"),
      refreshJitter: Check.number("refreshJitter", options.refreshJitter, 0.1, 0, 1),
      safetyMargin: Check.duration("safetyMargin", options.safetyMargin, "30 seconds"),
      idleTimeout: Check.duration("idleTimeout", options.idleTimeout, "15 minutes"),
      maxKeys: Either.map(
        Check.number("maxKeys", options.maxKeys, 10_000, 1, Infinity),
        Math.floor,
      ),
      invalidCredentialsHold: Check.duration(
        "invalidCredentialsHold",
        options.invalidCredentialsHold,
        "10 seconds",
      ),
      renewalRetryDelay: Check.duration(
        "renewalRetryDelay",
        options.renewalRetryDelay,
        "1 second",
        "positive",
      ),
      renewalRetryMaxDelay: Check.duration(
        "renewalRetryMaxDelay",
        options.renewalRetryMaxDelay,
        "30 seconds",
        "positive",
      ),
      failureBackoff: Check.duration("failureBackoff", options.failureBackoff, "1 second"),
      failureBackoffMaxDelay: Check.duration(
        "failureBackoffMaxDelay",
        options.failureBackoffMaxDelay,
        "30 seconds",
      ),
      leasePollInterval: Check.duration(
        "leasePollInterval",
        options.leasePollInterval,
        "1 second",
        "positive",
      ),
    })
    // The layer's type stays as it is (callers compose it with `never` errors): bad options
    // make every get and refresh fail with the typed error, before any request is sent.
    if (Either.isLeft(settings)) {
      const rejected = Effect.fail(settings.left)
      return {
        clientId: source.clientId,
        get: () => rejected,
        invalidate: () => Effect.void,
        refresh: () => rejected,
      }
    }
    const cache = yield* Cache.make(source, settings.right, store)
    return {
      clientId: source.clientId,
      get: cache.get,
      invalidate: cache.invalidate,
      refresh: cache.refresh,
    }
  })

// The options from the environment, each optional, under `prefix` (`MOBILEPAY_TOKEN_` for
// TokenService, `VIPPS_MOBILEPAY_TOKEN_` for AccessTokenService).
export const optionsConfig = (prefix: string): Config.Config<Options> => {
  const variable = (name: string) => `${prefix}${name}`
  return Config.all({
    refreshAhead: Config.option(Config.duration(variable("REFRESH_AHEAD"))),
    refreshJitter: Config.option(Config.number(variable("REFRESH_JITTER"))),
    safetyMargin: Config.option(Config.duration(variable("SAFETY_MARGIN"))),
    idleTimeout: Config.option(Config.duration(variable("IDLE_TIMEOUT"))),
    maxKeys: Config.option(Config.integer(variable("MAX_KEYS"))),
    invalidCredentialsHold: Config.option(Config.duration(variable("INVALID_CREDENTIALS_HOLD"))),
    renewalRetryDelay: Config.option(Config.duration(variable("RENEWAL_RETRY_DELAY"))),
    renewalRetryMaxDelay: Config.option(Config.duration(variable("RENEWAL_RETRY_MAX_DELAY"))),
    failureBackoff: Config.option(Config.duration(variable("FAILURE_BACKOFF"))),
    failureBackoffMaxDelay: Config.option(Config.duration(variable("FAILURE_BACKOFF_MAX_DELAY"))),
    leasePollInterval: Config.option(Config.duration(variable("LEASE_POLL_INTERVAL"))),
  }).pipe(
    Config.map((found): Options => ({
      refreshAhead: Option.getOrUndefined(found.refreshAhead),
      refreshJitter: Option.getOrUndefined(found.refreshJitter),
      safetyMargin: Option.getOrUndefined(found.safetyMargin),
      idleTimeout: Option.getOrUndefined(found.idleTimeout),
      maxKeys: Option.getOrUndefined(found.maxKeys),
      invalidCredentialsHold: Option.getOrUndefined(found.invalidCredentialsHold),
      renewalRetryDelay: Option.getOrUndefined(found.renewalRetryDelay),
      renewalRetryMaxDelay: Option.getOrUndefined(found.renewalRetryMaxDelay),
      failureBackoff: Option.getOrUndefined(found.failureBackoff),
      failureBackoffMaxDelay: Option.getOrUndefined(found.failureBackoffMaxDelay),
      leasePollInterval: Option.getOrUndefined(found.leasePollInterval),
    })),
  )
}

// Options given in code win over the environment's.
export const withConfig = (optionsConfig: Config.Config<Options>, given: Options) =>
  Effect.map(optionsConfig, (environment): Options => ({
    refreshAhead: given.refreshAhead ?? environment.refreshAhead,
    refreshJitter: given.refreshJitter ?? environment.refreshJitter,
    safetyMargin: given.safetyMargin ?? environment.safetyMargin,
    idleTimeout: given.idleTimeout ?? environment.idleTimeout,
    maxKeys: given.maxKeys ?? environment.maxKeys,
    invalidCredentialsHold: given.invalidCredentialsHold ?? environment.invalidCredentialsHold,
    renewalRetryDelay: given.renewalRetryDelay ?? environment.renewalRetryDelay,
    renewalRetryMaxDelay: given.renewalRetryMaxDelay ?? environment.renewalRetryMaxDelay,
    failureBackoff: given.failureBackoff ?? environment.failureBackoff,
    failureBackoffMaxDelay: given.failureBackoffMaxDelay ?? environment.failureBackoffMaxDelay,
    leasePollInterval: given.leasePollInterval ?? environment.leasePollInterval,
  }))
