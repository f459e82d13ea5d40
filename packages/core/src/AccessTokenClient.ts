/**
 * The Vipps MobilePay Access Token API (`POST /accesstoken/get`) as a typed Effect: the token
 * that the ePayment, Webhooks and QR APIs take, with the same retry rules, per-attempt timeout
 * and `AccessToken` / `TokenError` model as the PoS V10 {@link TokenClient}, so that one token
 * cache serves both.
 *
 * Unlike V10's OAuth form post, the request has an empty body and carries the keys in headers
 * (`client_id`, `client_secret`, `Ocp-Apim-Subscription-Key`), with the optional
 * `Merchant-Serial-Number` and `Vipps-System-*` headers. The answer's numbers arrive as strings
 * or as numbers; the lifetime (1 hour in test, 24 hours in production) is read from the answer,
 * counted from when the request was sent.
 *
 * @since 0.2.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { AccessToken } from "./AccessToken.js"
import { MerchantSerialNumber } from "./Domain.js"
import * as DurationOption from "./DurationOption.js"
import { decodeInput, type InvalidInput } from "./InvalidInput.js"
import * as RetryPolicy from "./RetryPolicy.js"
import type { SalesUnitCredentials } from "./SalesUnitCredentials.js"
import type { TokenError } from "./TokenError.js"
import * as TokenRequest from "./internal/tokenRequest.js"
import { b64token } from "./internal/tokenRequest.js"
import * as RequestPath from "./RequestPath.js"
import * as Untrusted from "./Untrusted.js"
import * as VippsConfig from "./VippsConfig.js"
import type { VippsEnvironment } from "./VippsEnvironment.js"
import * as VippsSystem from "./VippsSystem.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface RequestAccessTokenOptions {
  /**
   * The sales unit to act for (`Merchant-Serial-Number`, 4 to 10 digits): recommended, and
   * required with partner keys. A malformed one fails with `InvalidInput` before sending.
   */
  readonly merchantSerialNumber?: string | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export declare namespace AccessTokenClient {
  /**
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /** The sales unit's client id. */
    readonly clientId: string
    /** Requests a new access token: always one round trip (plus retries), never cached. */
    readonly requestToken: (
      options?: RequestAccessTokenOptions,
    ) => Effect.Effect<AccessToken, TokenError | InvalidInput>
  }
}

/**
 * The Access Token API of one sales unit's key set.
 *
 * @since 0.2.0
 * @category tags
 */
export class AccessTokenClient extends Context.Tag("@effect-mobilepay/core/AccessTokenClient")<
  AccessTokenClient,
  AccessTokenClient.Service
>() {}

/**
 * @since 0.2.0
 * @category options
 */
export interface Options {
  readonly credentials: SalesUnitCredentials
  /** Where the API is: `{environment.baseUrl}/accesstoken/get`. */
  readonly environment: VippsEnvironment
  /**
   * The `Vipps-System-*` headers sent with the request.
   * @default VippsSystem.none
   */
  readonly system?: VippsSystem.VippsSystem | undefined
  /**
   * Retries of transient failures (network errors, timeouts, 5xx, 408, 423, 429).
   * @default RetryPolicy.defaultPolicy (2 retries)
   */
  readonly retryPolicy?: RetryPolicy.RetryPolicy | undefined
  /**
   * How long one attempt may take before it counts as failed (and is retried). No timeout is
   * published for this API; this is V10's, which a token request on loopback or across a
   * region meets with room to spare.
   * @default "5 seconds"
   */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * The largest answer read, in bytes; a larger one fails the attempt without being buffered
   * (an answer is about 2 KB: the JWT is 1000+ characters).
   * @default 65536
   */
  readonly maxResponseBytes?: number | undefined
}

// The Access Token API types its numbers as strings but its examples show bare numbers.
// (Open question "number types in the token answer": both are accepted.)
const Seconds = Schema.Union(
  Schema.Number,
  Schema.NumberFromString.annotations({ message: () => "must be a number" }),
).pipe(Schema.compose(Schema.Int), Schema.positive())

const optionalSeconds = Schema.optional(
  Seconds.annotations({ message: () => "must be a positive whole number of seconds" }),
)

// `expires_on` and `not_before` are Unix times, not lifetimes: 0 is a time (a server whose
// clock starts at the epoch, as the sandbox's on a TestClock), so only negatives are refused.
const optionalUnixTime = Schema.optional(
  Schema.Union(Schema.Number, Schema.NumberFromString)
    .pipe(Schema.compose(Schema.Int), Schema.nonNegative())
    .annotations({ message: () => "must be a whole number of seconds since the epoch" }),
)

// The custom messages keep the values out: a half-valid body may still hold a real token.
const TokenResponse = Schema.Struct({
  access_token: Schema.String.pipe(Schema.minLength(1), Schema.pattern(b64token)).annotations({
    message: () => "must be a non-empty bearer token",
  }),
  token_type: Schema.optional(
    Schema.String.pipe(Schema.filter((s) => s.toLowerCase() === "bearer")).annotations({
      message: () => "must be Bearer",
    }),
  ),
  expires_in: optionalSeconds,
  expires_on: optionalUnixTime,
  not_before: optionalUnixTime,
}).annotations({ message: () => "must be a JSON object" })

// The token's lifetime from the answer: `expires_in`, else `expires_on - not_before` (both the
// server's clock, so their difference is a lifetime), else `expires_on` against our clock.
const lifetime = (
  body: typeof TokenResponse.Type,
  sentAtMillis: number,
): Option.Option<Duration.Duration> => {
  if (body.expires_in !== undefined) return Option.some(Duration.seconds(body.expires_in))
  if (body.expires_on === undefined) return Option.none()
  const until =
    body.not_before === undefined
      ? body.expires_on * 1000 - sentAtMillis
      : (body.expires_on - body.not_before) * 1000
  return until > 0 ? Option.some(Duration.millis(until)) : Option.none()
}

// The header names whose values are secrets on this API: Effect's HTTP logging and tracing
// show them as `<redacted>`.
const redactedHeaderNames: ReadonlyArray<string> = [
  "authorization",
  "client_secret",
  "ocp-apim-subscription-key",
]

/**
 * Builds an {@link AccessTokenClient.Service} on the `HttpClient` in context. An invalid
 * option fails here with `InvalidInput`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<AccessTokenClient.Service, InvalidInput, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const timeout = yield* DurationOption.timeout("timeout", options.timeout, "5 seconds")
    const maxResponseBytes = yield* Untrusted.byteLimit(
      "maxResponseBytes",
      options.maxResponseBytes,
      65536,
    )
    const { clientId, clientSecret, subscriptionKey } = options.credentials
    const url = `${options.environment.baseUrl}/accesstoken/get`
    const path = yield* RequestPath.make(
      TokenRequest.api({
        name: "VippsMobilePay",
        clientId,
        headers: {
          ...VippsSystem.headers(options.system ?? VippsSystem.none),
          accept: "application/json",
          client_id: clientId,
          // The secrets leave their wrappers only here, into headers Effect redacts, and as
          // secrets the request path cuts out of what a server sends back.
          client_secret: Redacted.value(clientSecret),
          "ocp-apim-subscription-key": Redacted.value(subscriptionKey),
        },
        secrets: [Redacted.value(clientSecret), Redacted.value(subscriptionKey)],
        redactedHeaders: redactedHeaderNames,
        retryPolicy: options.retryPolicy ?? RetryPolicy.defaultPolicy,
        maxResponseBytes,
      }),
    )

    const decodeMsn = decodeInput(MerchantSerialNumber, "merchantSerialNumber")

    const requestToken = (requestOptions: RequestAccessTokenOptions = {}) =>
      Effect.gen(function* () {
        const msn =
          requestOptions.merchantSerialNumber === undefined
            ? undefined
            : yield* decodeMsn(requestOptions.merchantSerialNumber)
        // The lifetime counts from before the first attempt: on the safe side of the expiry.
        const sentAt = yield* DateTime.now
        return yield* path.execute(
          {
            operation: "requestAccessToken",
            method: "POST",
            url,
            // An empty body, as the API asks (Content-Length: 0).
            headers: msn === undefined ? undefined : { "merchant-serial-number": msn },
            timeout,
            attributes: {
              "vipps.client_id": clientId,
              "vipps.merchant_serial_number": msn ?? "none",
            },
          },
          tokenAnswer(sentAt, msn),
        )
      })

    return AccessTokenClient.of({ clientId, requestToken })
  })

const decodeTokenResponse = Schema.decodeUnknownEither(TokenResponse)

const tokenAnswer = (
  sentAt: DateTime.Utc,
  merchantSerialNumber: MerchantSerialNumber | undefined,
): RequestPath.Answer<AccessToken> => ({
  decode: (json) =>
    Either.flatMap(decodeTokenResponse(json), (body) =>
      Option.match(lifetime(body, DateTime.toEpochMillis(sentAt)), {
        onNone: () =>
          Either.left("neither expires_in nor a future expires_on says how long it lasts"),
        onSome: (expiresIn) =>
          Either.right(
            new AccessToken({
              value: Redacted.make(body.access_token),
              tokenType: "Bearer",
              scope: "",
              expiresIn,
              issuedAt: sentAt,
              expiresAt: DateTime.addDuration(sentAt, expiresIn),
              merchantVat: Option.none(),
              merchantSerialNumber,
            }),
          ),
      }),
    ),
})

/**
 * Requests a new access token with the {@link AccessTokenClient} in context.
 *
 * @since 0.2.0
 * @category accessors
 */
export const requestToken = (
  options?: RequestAccessTokenOptions,
): Effect.Effect<AccessToken, TokenError | InvalidInput, AccessTokenClient> =>
  Effect.flatMap(AccessTokenClient, (client) => client.requestToken(options))

/**
 * An {@link AccessTokenClient} for the given keys and environment.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<AccessTokenClient, InvalidInput, HttpClient.HttpClient> =>
  Layer.effect(AccessTokenClient, make(options))

/**
 * The options of {@link layerConfig}: each a `Config`, read when the layer is built.
 *
 * @since 0.2.0
 * @category options
 */
export interface ConfigOptions {
  /** @default VippsConfig.credentials (`VIPPS_MOBILEPAY_CLIENT_ID`, `_CLIENT_SECRET`, `_SUBSCRIPTION_KEY`) */
  readonly credentials?: Config.Config<SalesUnitCredentials> | undefined
  /** @default VippsConfig.environment (`VIPPS_MOBILEPAY_ENVIRONMENT`, `_BASE_URL`) */
  readonly environment?: Config.Config<VippsEnvironment> | undefined
  /** @default VippsConfig.system (`VIPPS_MOBILEPAY_SYSTEM_NAME`, ...) */
  readonly system?: Config.Config<VippsSystem.VippsSystem> | undefined
  /** @default none: RetryPolicy.defaultPolicy */
  readonly retryPolicy?: Config.Config<RetryPolicy.RetryPolicy> | undefined
  /** @default none: "5 seconds" */
  readonly timeout?: Config.Config<Duration.Duration> | undefined
  /** @default none: 65536 */
  readonly maxResponseBytes?: Config.Config<number> | undefined
}

const optionalConfig = <A>(config: Config.Config<A> | undefined) =>
  config === undefined ? Config.succeed(undefined) : config

/**
 * An {@link AccessTokenClient} configured with `Config`s: each option may be given as a
 * `Config` (read from anywhere); the keys, environment and system headers default to the
 * `VIPPS_MOBILEPAY_*` variables (see {@link VippsConfig}). A bad value fails as a
 * `ConfigError`.
 *
 * @example
 * import { AccessTokenClient } from "@effect-mobilepay/core"
 * import * as Config from "effect/Config"
 * import * as Duration from "effect/Duration"
 *
 * // The keys from VIPPS_MOBILEPAY_*, the timeout from a variable of the program's own.
 * const tokens = AccessTokenClient.layerConfig({
 *   timeout: Config.duration("TILL_TOKEN_TIMEOUT").pipe(Config.withDefault(Duration.seconds(5))),
 * })
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {},
): Layer.Layer<AccessTokenClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    AccessTokenClient,
    Effect.gen(function* () {
      const read = yield* Config.all({
        credentials: options.credentials ?? VippsConfig.credentials,
        environment: options.environment ?? VippsConfig.environment,
        system: options.system ?? VippsConfig.system,
        retryPolicy: optionalConfig(options.retryPolicy),
        timeout: optionalConfig(options.timeout),
        maxResponseBytes: optionalConfig(options.maxResponseBytes),
      })
      return yield* make(read).pipe(
        // Configured from Config, so a bad option is reported like a bad variable.
        Effect.mapError((invalid) => ConfigError.InvalidData([invalid.field], invalid.reason)),
      )
    }),
  )
