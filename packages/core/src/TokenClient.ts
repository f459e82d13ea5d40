/**
 * The Integrator Authentication token request (OAuth 2.0 client credentials, RFC 6749 §4.4)
 * as a typed Effect, with MobilePay's retry rules and a per-attempt timeout.
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
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
import {
  InvalidClientCredentials,
  MalformedTokenResponse,
  TokenEndpointError,
  TokenEndpointUnreachable,
  type TokenError,
  TokenRequestRejected,
} from "./TokenError.js"
import { correlationIdFromHeaders } from "./internal/correlationId.js"
import { formUrlEncode } from "./internal/formEncoding.js"
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

const maxBodyExcerpt = 500

// RFC 6750 §2.1 b64token: the only bearer tokens that can be written into a header as they
// are. Anything else (CR/LF, non-Latin-1) would fail every later call, so it is refused here.
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/

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

const OAuthErrorBody = Schema.parseJson(
  Schema.Struct({
    error: Schema.String,
    error_description: Schema.optional(Schema.String),
  }),
)

const describeIssues = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) =>
      issue.path.length === 0 ? issue.message : `${issue.path.join(".")} ${issue.message}`,
    )
    .join("; ")

// How a failed attempt counts for the retry schedule.
const transience = (error: TokenError | InvalidInput): RetryPolicy.Transience => {
  switch (error._tag) {
    case "TokenEndpointUnreachable":
      return Option.some(Duration.zero)
    case "TokenEndpointError":
      return error.status >= 500 || error.status === 429 || error.status === 408
        ? Option.some(Duration.millis(error.retryAfterMillis ?? 0))
        : Option.none()
    default:
      return Option.none()
  }
}

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
    // MobilePay takes no part in the caller's traces (no traceparent/b3 headers), and the
    // platform's own span is off: it would copy the answer's headers, which an echoing server
    // can fill with the credentials. The span below carries what is safe.
    const httpClient = (yield* HttpClient.HttpClient).pipe(
      HttpClient.withTracerPropagation(false),
      HttpClient.withTracerDisabledWhen(() => true),
    )
    const { clientId, clientSecret } = options.credentials
    const url = `${options.environment.authUrl}/connect/token`
    const schedule = RetryPolicy.schedule(
      options.retryPolicy ?? RetryPolicy.defaultPolicy,
      transience,
    )

    // The secret is unwrapped only here, straight into the header, which Effect's HTTP tracing
    // and logging redact (`authorization` is in Headers.currentRedactedNames), and in `scrub`
    // below, to cut it out of what a server sends back.
    const basicCredentials = Redacted.make(
      Encoding.encodeBase64(
        `${formUrlEncode(clientId)}:${formUrlEncode(Redacted.value(clientSecret))}`,
      ),
    )

    // Server text goes into errors, logs and spans only through here: an echoing server must
    // not get the credentials into them.
    const scrub = (text: string, maxLength?: number) =>
      Untrusted.sanitize(text, {
        secrets: [
          Redacted.value(basicCredentials),
          Redacted.value(clientSecret),
          formUrlEncode(Redacted.value(clientSecret)),
        ],
        maxLength,
      })

    const unreachable = (error: HttpClientError.HttpClientError) =>
      new TokenEndpointUnreachable({
        reason: "Transport",
        description: scrub(Untrusted.describeTransportError(error)),
      })

    const interpret = (
      response: HttpClientResponse.HttpClientResponse,
      merchantVat: Option.Option<MerchantVat>,
    ): Effect.Effect<AccessToken, TokenError, never> =>
      Effect.gen(function* () {
        const status = response.status
        yield* Effect.annotateCurrentSpan("http.response.status_code", status)
        const read = yield* Effect.either(Untrusted.readText(response, maxResponseBytes))
        // The connection failed while the body was read: as transient as failing before.
        if (read._tag === "Left" && read.left._tag === "ResponseError") {
          return yield* unreachable(read.left)
        }
        const tooLarge = read._tag === "Left" && read.left._tag === "BodyTooLarge"
        const text = read._tag === "Right" ? read.right : ""
        const rawCorrelationId =
          correlationIdFromHeaders(response.headers) ??
          (status === 200 ? undefined : correlationIdFromBody(text))
        const correlationId =
          rawCorrelationId === undefined ? undefined : scrub(rawCorrelationId, 100)
        if (status === 200) {
          const body = yield* Effect.mapError(
            Effect.flatMap(
              Option.match(tooLarge ? Option.none() : Untrusted.parseJson(text), {
                onNone: () =>
                  Effect.fail(
                    tooLarge
                      ? `the answer is larger than ${maxResponseBytes} bytes`
                      : "the body is not JSON (or nests too deeply)",
                  ),
                onSome: Effect.succeed,
              }),
              (json) => Effect.mapError(Schema.decodeUnknown(TokenResponse)(json), describeIssues),
            ),
            (issue) => new MalformedTokenResponse({ status, issue, correlationId }),
          )
          const issuedAt = yield* DateTime.now
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
        }
        const oauthError = Schema.decodeUnknownOption(OAuthErrorBody)(text)
        if (
          status === 401 ||
          Option.exists(oauthError, (body) => body.error === "invalid_client")
        ) {
          return yield* new InvalidClientCredentials({ status, clientId, correlationId })
        }
        if (status >= 400 && status < 500 && Option.isSome(oauthError) && status !== 429) {
          const description = oauthError.value.error_description
          return yield* new TokenRequestRejected({
            status,
            error: scrub(oauthError.value.error, 100),
            errorDescription: description === undefined ? undefined : scrub(description),
            correlationId,
          })
        }
        const retryAfter = RetryPolicy.parseRetryAfter(
          response.headers["retry-after"],
          DateTime.toEpochMillis(yield* DateTime.now),
        )
        return yield* new TokenEndpointError({
          status,
          body: tooLarge
            ? `(an answer larger than ${maxResponseBytes} bytes)`
            : scrub(text, maxBodyExcerpt),
          correlationId,
          retryAfterMillis: Option.getOrUndefined(Option.map(retryAfter, Duration.toMillis)),
        })
      })

    const attempt = (merchantVat: Option.Option<MerchantVat>) =>
      httpClient
        .execute(
          HttpClientRequest.post(url).pipe(
            HttpClientRequest.setHeaders({
              accept: "application/json",
              "x-ibm-client-id": clientId,
              authorization: `Basic ${Redacted.value(basicCredentials)}`,
            }),
            HttpClientRequest.bodyUrlParams(
              Option.match(merchantVat, {
                onNone: () => ({ grant_type: "client_credentials" }),
                onSome: (vat) => ({ grant_type: "client_credentials", merchant_vat: vat }),
              }),
            ),
          ),
        )
        .pipe(
          Effect.mapError(unreachable),
          Effect.flatMap((response) => interpret(response, merchantVat)),
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () =>
              new TokenEndpointUnreachable({
                reason: "Timeout",
                description: `no answer within ${Duration.format(timeout)}`,
              }),
          }),
          Effect.tapError((error) =>
            Effect.logDebug("MobilePay token request attempt failed").pipe(
              Effect.annotateLogs({ error: error._tag, message: error.message }),
            ),
          ),
        )

    const requestToken = (requestOptions: RequestTokenOptions = {}) =>
      Effect.gen(function* () {
        const merchantVat =
          requestOptions.merchantVat === undefined
            ? Option.none<MerchantVat>()
            : Option.some(
                yield* decodeInput(MerchantVat, "merchantVat")(requestOptions.merchantVat),
              )
        yield* Effect.annotateCurrentSpan({
          "mobilepay.merchant_vat": Option.getOrElse(merchantVat, () => "unbound"),
        })
        return yield* Effect.retry(attempt(merchantVat), schedule)
      }).pipe(
        Effect.locallyWith(Headers.currentRedactedNames, (names) =>
          names.includes("authorization") ? names : [...names, "authorization"],
        ),
        Effect.withSpan("MobilePay.requestToken", {
          kind: "client",
          attributes: {
            "mobilepay.client_id": clientId,
            "http.request.method": "POST",
            "url.full": url,
          },
        }),
      )

    return TokenClient.of({ clientId, requestToken })
  })

const CorrelationIdBody = Schema.parseJson(Schema.Struct({ correlationId: Schema.String }))

const correlationIdFromBody = (text: string): string | undefined =>
  Option.getOrUndefined(
    Option.map(Schema.decodeUnknownOption(CorrelationIdBody)(text), (body) => body.correlationId),
  )

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
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<TokenClient, InvalidInput, HttpClient.HttpClient> =>
  Layer.effect(TokenClient, make(options))

/**
 * A {@link TokenClient} configured from the environment (`MOBILEPAY_CLIENT_ID`,
 * `MOBILEPAY_CLIENT_SECRET`, `MOBILEPAY_ENVIRONMENT`, `MOBILEPAY_AUTH_URL`, ...; see
 * {@link MobilePayConfig.config}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<Options, "credentials" | "environment"> = {},
): Layer.Layer<TokenClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    TokenClient,
    Effect.gen(function* () {
      const config = yield* MobilePayConfig.config
      return yield* make({
        ...options,
        credentials: config.credentials,
        environment: config.environment,
      }).pipe(
        // Configured from Config, so a bad option is reported like a bad variable.
        Effect.mapError((invalid) => ConfigError.InvalidData([invalid.field], invalid.reason)),
      )
    }),
  )
