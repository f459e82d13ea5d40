/**
 * The Integrator Authentication token request (OAuth 2.0 client credentials, RFC 6749 §4.4)
 * as a typed Effect, with MobilePay's retry rules and a per-attempt timeout.
 *
 * @since 0.1.0
 */
import * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as UrlParams from "@effect/platform/UrlParams"
import type * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { AccessToken } from "./AccessToken.js"
import type * as ClientCredentials from "./ClientCredentials.js"
import { MerchantVat } from "./Domain.js"
import type { Environment } from "./Environment.js"
import * as DurationOption from "./DurationOption.js"
import { decodeInput, type InvalidInput } from "./InvalidInput.js"
import * as MobilePayConfig from "./MobilePayConfig.js"
import * as RetryPolicy from "./RetryPolicy.js"
import type { TokenError } from "./TokenError.js"
import { b64token } from "./internal/tokenRequest.js"
import * as TokenRequest from "./internal/tokenRequest.js"
import { formUrlEncode } from "./internal/formEncoding.js"
import * as RequestPath from "./RequestPath.js"
import * as Untrusted from "./Untrusted.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface RequestTokenOptions {
  /**
   * Bind the token to this merchant (`merchant_vat`, `DK`/`FI` + 8 digits). Without it the
   * token is unbound and every PoS call must name the merchant in a header.
   */
  readonly merchantVat?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace TokenClient {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** The client id the tokens are requested for. */
    readonly clientId: string
    /** Requests a new access token: always one round trip (plus retries), never cached. */
    readonly requestToken: (
      options?: RequestTokenOptions,
    ) => Effect.Effect<AccessToken, TokenError | InvalidInput>
  }
}

/**
 * The token endpoint of one integrator client.
 *
 * @since 0.1.0
 * @category tags
 */
export class TokenClient extends Context.Tag("@effect-mobilepay/core/TokenClient")<
  TokenClient,
  TokenClient.Service
>() {}

/**
 * @since 0.1.0
 * @category options
 */
export interface Options {
  readonly credentials: ClientCredentials.ClientCredentials
  /** Where the token endpoint is: `{environment.authUrl}/connect/token`. */
  readonly environment: Environment
  /**
   * Retries of transient failures (network errors, timeouts, 5xx, 429).
   * @default RetryPolicy.defaultPolicy (2 retries)
   */
  readonly retryPolicy?: RetryPolicy.RetryPolicy | undefined
  /**
   * How long one attempt may take before it counts as failed (and is retried).
   * @default "2 seconds"
   */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * The largest answer read, in bytes; a larger one fails the attempt without being buffered
   * (a token answer is about 2 KB).
   * @default 65536
   * @since 0.2.0
   */
  readonly maxResponseBytes?: number | undefined
}

// The custom messages keep the values out: a half-valid body may still hold a real token.
const TokenResponse = Schema.Struct({
  access_token: Schema.String.pipe(
    Schema.minLength(1, { message: () => "must be a non-empty string" }),
    Schema.pattern(b64token, {
      message: () => "must be a bearer token (RFC 6750 characters only)",
    }),
  ).annotations({ message: () => "must be a non-empty bearer token" }),
  expires_in: Schema.Int.pipe(Schema.positive()).annotations({
    message: () => "must be a positive integer (seconds)",
  }),
  token_type: Schema.String.pipe(Schema.filter((s) => s.toLowerCase() === "bearer")).annotations({
    message: () => "must be Bearer",
  }),
  scope: Schema.optional(Schema.String.annotations({ message: () => "must be a string" })),
}).annotations({ message: () => "must be a JSON object" })

/**
 * Builds a {@link TokenClient.Service} on the `HttpClient` in context. An invalid option (a
 * timeout that is not a positive duration, a size limit that is not a positive integer) fails
 * here with `InvalidInput`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<TokenClient.Service, InvalidInput, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const timeout = yield* DurationOption.timeout("timeout", options.timeout, "2 seconds")
    const maxResponseBytes = yield* Untrusted.byteLimit(
      "maxResponseBytes",
      options.maxResponseBytes,
      65536,
    )
    const { clientId, clientSecret } = options.credentials
    const url = `${options.environment.authUrl}/connect/token`

    // The secret is unwrapped only here, straight into the header, which Effect's HTTP tracing
    // and logging redact (`authorization` is in Headers.currentRedactedNames), and as a secret
    // the request path cuts out of what a server sends back.
    const basicCredentials = Encoding.encodeBase64(
      `${formUrlEncode(clientId)}:${formUrlEncode(Redacted.value(clientSecret))}`,
    )
    const path = yield* RequestPath.make(
      TokenRequest.api({
        name: "MobilePay",
        clientId,
        headers: {
          accept: "application/json",
          "x-ibm-client-id": clientId,
          authorization: `Basic ${basicCredentials}`,
        },
        secrets: [
          basicCredentials,
          Redacted.value(clientSecret),
          formUrlEncode(Redacted.value(clientSecret)),
        ],
        redactedHeaders: ["authorization"],
        retryPolicy: options.retryPolicy ?? RetryPolicy.defaultPolicy,
        maxResponseBytes,
      }),
    )

    const requestToken = (requestOptions: RequestTokenOptions = {}) =>
      Effect.gen(function* () {
        const merchantVat =
          requestOptions.merchantVat === undefined
            ? Option.none<MerchantVat>()
            : Option.some(
                yield* decodeInput(MerchantVat, "merchantVat")(requestOptions.merchantVat),
              )
        // The lifetime counts from before the first attempt: on the safe side of the expiry.
        const issuedAt = yield* DateTime.now
        return yield* path.execute(
          {
            operation: "requestToken",
            method: "POST",
            url,
            body: HttpBody.urlParams(
              UrlParams.fromInput(
                Option.match(merchantVat, {
                  onNone: () => ({ grant_type: "client_credentials" }),
                  onSome: (vat) => ({ grant_type: "client_credentials", merchant_vat: vat }),
                }),
              ),
            ),
            timeout,
            attributes: {
              "mobilepay.client_id": clientId,
              "mobilepay.merchant_vat": Option.getOrElse(merchantVat, () => "unbound"),
            },
          },
          tokenAnswer(issuedAt, merchantVat),
        )
      })

    return TokenClient.of({ clientId, requestToken })
  })

const decodeTokenResponse = Schema.decodeUnknownEither(TokenResponse)

const tokenAnswer = (
  issuedAt: DateTime.Utc,
  merchantVat: Option.Option<MerchantVat>,
): RequestPath.Answer<AccessToken> => ({
  decode: (json) =>
    Either.map(decodeTokenResponse(json), (body) => {
      const expiresIn = Duration.seconds(body.expires_in)
      return new AccessToken({
        value: Redacted.make(body.access_token),
        tokenType: "Bearer",
        scope: body.scope ?? "",
        expiresIn,
        issuedAt,
        expiresAt: DateTime.addDuration(issuedAt, expiresIn),
        merchantVat,
      })
    }),
})

/**
 * Requests a new access token with the {@link TokenClient} in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const requestToken = (
  options?: RequestTokenOptions,
): Effect.Effect<AccessToken, TokenError | InvalidInput, TokenClient> =>
  Effect.flatMap(TokenClient, (client) => client.requestToken(options))

/**
 * A {@link TokenClient} for the given credentials and environment.
 *
 * @example
 * ```ts
 * import { ClientCredentials, Environment, TokenClient } from "@effect-mobilepay/core"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Config, Effect, Layer } from "effect"
 *
 * // Options in code; only the credentials from variables, the secret read as `Redacted`.
 * const TokenClientLive = Layer.unwrapEffect(
 *   Effect.gen(function* () {
 *     const credentials = yield* ClientCredentials.make({
 *       clientId: yield* Config.string("MOBILEPAY_CLIENT_ID"),
 *       clientSecret: yield* Config.redacted("MOBILEPAY_CLIENT_SECRET"),
 *     })
 *     return TokenClient.layer({ credentials, environment: Environment.sandbox })
 *   }),
 * ).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<TokenClient, InvalidInput, HttpClient.HttpClient> =>
  Layer.effect(TokenClient, make(options))

/**
 * The options of {@link layerConfig}: the credentials and the environment as `Config`s (by
 * default `MobilePayConfig.credentials` and `MobilePayConfig.environment`, the `MOBILEPAY_*`
 * variables), so either can come from anywhere; the rest as in {@link Options}.
 *
 * @since 0.2.0
 * @category options
 */
export interface ConfigOptions extends Omit<Options, "credentials" | "environment"> {
  readonly credentials?: Config.Config<ClientCredentials.ClientCredentials> | undefined
  readonly environment?: Config.Config<Environment> | undefined
}

/**
 * A {@link TokenClient} configured from `Config`: by default `MOBILEPAY_CLIENT_ID`,
 * `MOBILEPAY_CLIENT_SECRET`, and `MOBILEPAY_ENVIRONMENT` or `MOBILEPAY_AUTH_URL` with
 * `MOBILEPAY_POS_URL` (see {@link MobilePayConfig.config}).
 *
 * @example
 * import { Environment, TokenClient } from "@effect-mobilepay/core"
 * import { Config } from "effect"
 *
 * // Self-certification, set in code; the credentials from MOBILEPAY_CLIENT_ID and _SECRET.
 * const TokenClientLive = TokenClient.layerConfig({
 *   environment: Config.succeed(Environment.selfCertification),
 * })
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {},
): Layer.Layer<TokenClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    TokenClient,
    Effect.gen(function* () {
      const credentials = yield* options.credentials ?? MobilePayConfig.credentials
      const environment = yield* options.environment ?? MobilePayConfig.environment
      return yield* make({ ...options, credentials, environment }).pipe(
        // Configured from Config, so a bad option is reported like a bad variable.
        Effect.mapError((invalid) => ConfigError.InvalidData([invalid.field], invalid.reason)),
      )
    }),
  )
