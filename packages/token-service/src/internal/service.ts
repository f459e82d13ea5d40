// The one service both TokenService and AccessTokenService are: options checked, then the
// token cache over the API's token source.
import {
  type AccessToken,
  DurationOption,
  type InvalidInput,
  type TokenError,
} from "@effect-mobilepay/core"
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

// Core's one rule for duration options; the token times may be 0 (no lead, no margin) or
// infinite (never idle), the renewal waits only infinite.
const nonNegative = { allowZero: true, allowInfinite: true }
const positive = { allowInfinite: true }

export const build = (
  source: Cache.TokenSource,
  options: Options,
  store: Option.Option<SharedTokenStore.Service>,
): Effect.Effect<Service, InvalidInput.InvalidInput, Scope.Scope> =>
  Effect.gen(function* () {
    const settings = Either.all({
      refreshAhead: DurationOption.decode(
        "refreshAhead",
        options.refreshAhead ?? "5 minutes",
        nonNegative,
      ),
      refreshJitter: Check.number("refreshJitter", options.refreshJitter, 0.1, 0, 1),
      safetyMargin: DurationOption.decode(
        "safetyMargin",
        options.safetyMargin ?? "30 seconds",
        nonNegative,
      ),
      idleTimeout: DurationOption.decode(
        "idleTimeout",
        options.idleTimeout ?? "15 minutes",
        nonNegative,
      ),
      maxKeys: Either.map(
        Check.number("maxKeys", options.maxKeys, 10_000, 1, Infinity),
        Math.floor,
      ),
      invalidCredentialsHold: DurationOption.decode(
        "invalidCredentialsHold",
        options.invalidCredentialsHold ?? "10 seconds",
        nonNegative,
      ),
      renewalRetryDelay: DurationOption.decode(
        "renewalRetryDelay",
        options.renewalRetryDelay ?? "1 second",
        positive,
      ),
      renewalRetryMaxDelay: DurationOption.decode(
        "renewalRetryMaxDelay",
        options.renewalRetryMaxDelay ?? "30 seconds",
        positive,
      ),
      failureBackoff: DurationOption.decode(
        "failureBackoff",
        options.failureBackoff ?? "1 second",
        nonNegative,
      ),
      failureBackoffMaxDelay: DurationOption.decode(
        "failureBackoffMaxDelay",
        options.failureBackoffMaxDelay ?? "30 seconds",
        nonNegative,
      ),
      leasePollInterval: DurationOption.decode(
        "leasePollInterval",
        options.leasePollInterval ?? "1 second",
        positive,
      ),
    })
    // A bad option fails here, at construction, as everywhere else.
    const cache = yield* Cache.make(source, yield* settings, store)
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

// The variable an option is read from, for a bad value reported as a ConfigError.
export const variableOf = (prefix: string, field: string): string =>
  `${prefix}${field.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`

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
