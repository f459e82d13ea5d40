// The request path of the Webhooks and QR clients: base URL, the bearer token, the subscription
// key, the sales unit and the Vipps-System-* headers, a per-attempt deadline, transient retries
// (transport errors, 5xx, 423, 429 with Retry-After) on the shared RetryPolicy, 401 → one new
// token and one more try, and a bounded, tolerant read of the answer.
//
// It stands in for core's shared request path until that lands; each client only classifies
// what comes out of `execute` into its own errors, so switching touches this file alone.
import type * as AccessToken from "@effect-mobilepay/core/AccessToken"
import { isHeaderSafe } from "@effect-mobilepay/core/Domain"
import * as DurationOption from "@effect-mobilepay/core/DurationOption"
import { InvalidInput } from "@effect-mobilepay/core/InvalidInput"
import * as RetryPolicy from "@effect-mobilepay/core/RetryPolicy"
import type * as TokenError from "@effect-mobilepay/core/TokenError"
import * as Untrusted from "@effect-mobilepay/core/Untrusted"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as VippsEnvironment from "@effect-mobilepay/core/VippsEnvironment"
import * as VippsSystem from "@effect-mobilepay/core/VippsSystem"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/** What the clients need of a token source: `AccessTokenService` (token-service) has it. */
export interface Tokens {
  readonly get: (
    merchantSerialNumber?: string,
  ) => Effect.Effect<AccessToken.AccessToken, TokenError.TokenError | InvalidInput>
  readonly invalidate: (token: AccessToken.AccessToken) => Effect.Effect<void>
}

export interface Settings {
  readonly http: HttpClient.HttpClient
  readonly tokens: Tokens
  readonly baseUrl: string
  readonly subscriptionKey: Redacted.Redacted<string>
  readonly systemHeaders: Readonly<Record<string, string>>
  readonly timeout: Duration.Duration
  readonly retryPolicy: RetryPolicy.RetryPolicy
  readonly maxResponseBytes: number
}

export interface Call {
  readonly method: "GET" | "POST" | "PUT" | "DELETE"
  /** Below the base URL, each segment already encoded. */
  readonly path: string
  readonly urlParams?: ReadonlyArray<readonly [string, string]> | undefined
  /** The JSON body, already in its wire form. */
  readonly body?: unknown
  readonly merchantSerialNumber?: string | undefined
  /**
   * `false` for a call that is not idempotent (a webhook registration): then only answers that
   * say the request was not acted on (423, 429) are retried, never a lost answer or a 5xx.
   */
  readonly idempotent: boolean
}

/** An answer, 2xx or not, read within the size limit. */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The body, or none when it was over the size limit. */
  readonly text: Option.Option<string>
  /** The body parsed as JSON (depth-bounded), when it is JSON. */
  readonly json: Option.Option<unknown>
}

/** A non-2xx answer, after the retries its status allowed. */
export class Refused extends Data.TaggedError("Refused")<{ readonly answer: Answer }> {}

/** No answer: a transport error or the deadline, after the retries. */
export class Unanswered extends Data.TaggedError("Unanswered")<{
  readonly reason: "Timeout" | "Transport"
  /** Sanitised. */
  readonly detail: string
}> {}

export type Failure = Refused | Unanswered

const secretHeaders = ["authorization", "ocp-apim-subscription-key"]

const isTransientStatus = (status: number) => status >= 500 || status === 423 || status === 429

/** The secrets an echoing server must not get into an error: cut from any server text. */
export const secretsOf = (settings: Settings, token?: AccessToken.AccessToken) => [
  Redacted.value(settings.subscriptionKey),
  ...(token === undefined ? [] : [Redacted.value(token.value)]),
]

export const make = (settings: Settings) => {
  const request = (call: Call, token: AccessToken.AccessToken) => {
    const headers: Record<string, string> = {
      accept: "application/json",
      // The one place the token and the key leave Redacted: into headers that Effect's HTTP
      // tracing and logging redact.
      authorization: `Bearer ${Redacted.value(token.value)}`,
      "ocp-apim-subscription-key": Redacted.value(settings.subscriptionKey),
      ...settings.systemHeaders,
    }
    if (call.merchantSerialNumber !== undefined) {
      headers["merchant-serial-number"] = call.merchantSerialNumber
    }
    const base = HttpClientRequest.make(call.method)(`${settings.baseUrl}${call.path}`).pipe(
      HttpClientRequest.setHeaders(headers),
      HttpClientRequest.setUrlParams(call.urlParams ?? []),
    )
    return call.body === undefined ? base : HttpClientRequest.bodyUnsafeJson(base, call.body)
  }

  const attempt = (call: Call, token: AccessToken.AccessToken): Effect.Effect<Answer, Failure> =>
    settings.http.execute(request(call, token)).pipe(
      Effect.flatMap((response) =>
        Untrusted.readText(response, settings.maxResponseBytes).pipe(
          Effect.map(Option.some),
          Effect.catchTag("BodyTooLarge", () => Effect.succeed(Option.none<string>())),
          Effect.map((text): Answer => ({
            status: response.status,
            headers: response.headers,
            text,
            json: Option.flatMap(text, (body) => Untrusted.parseJson(body)),
          })),
        ),
      ),
      Effect.mapError(
        (error) =>
          new Unanswered({
            reason: "Transport",
            detail: Untrusted.sanitize(Untrusted.describeTransportError(error), {
              secrets: secretsOf(settings, token),
            }),
          }),
      ),
      Effect.timeoutFail({
        duration: settings.timeout,
        onTimeout: () =>
          new Unanswered({
            reason: "Timeout",
            detail: `no answer within ${Duration.format(settings.timeout)}`,
          }),
      }),
      Effect.flatMap((answer) =>
        answer.status >= 200 && answer.status < 300
          ? Effect.succeed(answer)
          : Effect.fail(new Refused({ answer })),
      ),
    )

  // A 401 means the token is no longer good: drop it (only if it is still the cached one), get
  // a new one, try once more.
  const authorised = (call: Call) =>
    Effect.flatMap(settings.tokens.get(call.merchantSerialNumber), (token) =>
      Effect.catchIf(
        attempt(call, token),
        (failure) => failure._tag === "Refused" && failure.answer.status === 401,
        () =>
          settings.tokens.invalidate(token).pipe(
            Effect.zipRight(settings.tokens.get(call.merchantSerialNumber)),
            Effect.flatMap((fresh) => attempt(call, fresh)),
          ),
      ),
    )

  const transience = (call: Call) =>
    Effect.map(
      Clock.currentTimeMillis,
      (now) =>
        (failure: Failure | TokenError.TokenError | InvalidInput): RetryPolicy.Transience => {
          if (failure._tag === "Unanswered") {
            return call.idempotent ? Option.some(Duration.zero) : Option.none()
          }
          if (failure._tag !== "Refused" || !isTransientStatus(failure.answer.status)) {
            return Option.none()
          }
          if (!call.idempotent && failure.answer.status >= 500) return Option.none()
          return Option.some(
            Option.getOrElse(
              RetryPolicy.parseRetryAfter(failure.answer.headers["retry-after"], now),
              () => Duration.zero,
            ),
          )
        },
    )

  const execute = (
    call: Call,
  ): Effect.Effect<Answer, Failure | TokenError.TokenError | InvalidInput> =>
    Effect.flatMap(transience(call), (classify) =>
      Effect.retry(authorised(call), RetryPolicy.schedule(settings.retryPolicy, classify)),
    ).pipe(
      // The platform's HTTP tracing records request headers: these two must show redacted.
      Effect.locallyWith(Headers.currentRedactedNames, (names) => [
        ...names,
        ...secretHeaders.filter((name) => !names.includes(name)),
      ]),
    )

  return { execute }
}

/**
 * Stands in for token-service's `AccessTokenService` until it lands: the same tag key (Effect
 * finds a service by its key), so that service, once provided, is what this tag finds; the
 * switch is then an import.
 */
export class AccessTokenService extends Context.Tag(
  "@effect-mobilepay/token-service/AccessTokenService",
)<AccessTokenService, Tokens>() {}

/** The options both clients take, checked into Settings. */
export interface ClientOptions {
  readonly environment: VippsEnvironment.VippsEnvironment
  readonly subscriptionKey: Redacted.Redacted<string>
  readonly system?: VippsSystem.VippsSystem | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly retryPolicy?: RetryPolicy.RetryPolicy | undefined
  readonly maxResponseBytes?: number | undefined
}

export const settingsFrom = (
  options: ClientOptions,
): Effect.Effect<Settings, InvalidInput, HttpClient.HttpClient | AccessTokenService> =>
  Effect.gen(function* () {
    const baseUrl = options.environment.baseUrl.replace(/\/+$/, "")
    if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
      return yield* new InvalidInput({ field: "environment", reason: "needs an http(s) base URL" })
    }
    const key = Redacted.value(options.subscriptionKey)
    if (key.length === 0 || !isHeaderSafe(key)) {
      // The reason must not quote the key.
      return yield* new InvalidInput({
        field: "subscriptionKey",
        reason: "must be a non-empty header value (Latin-1, no control characters)",
      })
    }
    return {
      http: yield* HttpClient.HttpClient,
      tokens: yield* AccessTokenService,
      baseUrl,
      subscriptionKey: options.subscriptionKey,
      systemHeaders: VippsSystem.headers(options.system ?? VippsSystem.none),
      timeout: yield* DurationOption.decode("timeout", options.timeout ?? "10 seconds"),
      retryPolicy: options.retryPolicy ?? RetryPolicy.defaultPolicy,
      maxResponseBytes: yield* Untrusted.byteLimit(
        "maxResponseBytes",
        options.maxResponseBytes,
        1_048_576,
      ),
    }
  })

/**
 * Decodes a 2xx body, or says which fields did not match, never quoting a value (a register
 * answer carries the secret).
 */
export const decodeBody = <A, I>(
  schema: Schema.Schema<A, I>,
): ((answer: Answer) => Either.Either<A, string>) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (answer) => {
    if (Option.isNone(answer.text)) return Either.left("the body is over the size limit")
    if (Option.isNone(answer.json)) return Either.left("the body is not JSON")
    return Either.mapLeft(decode(answer.json.value), (error) => {
      const paths = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) =>
        issue.path.length === 0 ? "(the body)" : issue.path.join("."),
      )
      return `does not match the contract at ${[...new Set(paths)].join(", ")}`
    })
  }
}

/** A text field of an error body, sanitised, or undefined when absent or not text. */
export const textField = (
  json: Option.Option<unknown>,
  field: string,
  secrets: ReadonlyArray<string>,
): string | undefined => {
  if (Option.isNone(json) || !Predicate.isRecord(json.value)) return undefined
  const value = json.value[field]
  return typeof value === "string" ? Untrusted.sanitize(value, { secrets }) : undefined
}

/** `[{name, reason}]` entries of an error body's `field`, sanitised; others skipped. */
export const nameReasons = (
  json: Option.Option<unknown>,
  field: string,
  secrets: ReadonlyArray<string>,
): ReadonlyArray<{ readonly name: string; readonly reason: string }> => {
  if (Option.isNone(json) || !Predicate.isRecord(json.value)) return []
  const entries = json.value[field]
  if (!Array.isArray(entries)) return []
  return entries.slice(0, 50).flatMap((entry: unknown) =>
    Predicate.isRecord(entry) && typeof entry.name === "string" && typeof entry.reason === "string"
      ? [
          {
            name: Untrusted.sanitize(entry.name, { secrets, maxLength: 100 }),
            reason: Untrusted.sanitize(entry.reason, { secrets }),
          },
        ]
      : [],
  )
}

/** Why a failed answer is transient, for the client's "unavailable" error. */
export const unavailableReason = (
  status: number,
): "ServerError" | "Locked" | "RateLimited" | undefined =>
  status >= 500
    ? "ServerError"
    : status === 423
      ? "Locked"
      : status === 429
        ? "RateLimited"
        : undefined
