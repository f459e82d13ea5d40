/**
 * The one path every ePayment call takes: the base URL, every header of the API (bearer
 * token, subscription key, MSN, `Vipps-System-*`, `Idempotency-Key`), a deadline per attempt,
 * retries of transient failures with the same key and the same body bytes, a 401 answered by
 * one new token and one more try, bounded and tolerant reading of the answer, and a span.
 *
 * It stands in for core's shared request path until that lands; its interface (a call in, a
 * decoded answer or a typed error out) is what the client needs of that path.
 *
 * @internal
 */
import {
  type AccessToken,
  type InvalidInput,
  RetryPolicy,
  type TokenError,
  Untrusted,
  VippsSystem,
} from "@effect-mobilepay/core"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"
import * as EPaymentError from "../EPaymentError.js"
import type { AccessTokens } from "./tokens.js"

export interface Settings {
  readonly http: HttpClient.HttpClient
  readonly tokens: AccessTokens
  readonly subscriptionKey: Redacted.Redacted<string>
  readonly system: VippsSystem.VippsSystem
  readonly retryPolicy: RetryPolicy.RetryPolicy
  /** The most retries of a modification (create, capture, cancel, refund): see `EPaymentClient`. */
  readonly maxModificationRetries: number
  readonly maxResponseBytes: number
}

export type Failure =
  EPaymentError.EPaymentError | TokenError.TokenError | InvalidInput.InvalidInput

export interface Call {
  readonly operation: EPaymentError.EPaymentOperation
  readonly method: "GET" | "POST"
  readonly url: string
  readonly merchantSerialNumber: string
  /** The body as sent, already JSON: the same bytes on every attempt. */
  readonly body?: string | undefined
  readonly idempotencyKey?: string | undefined
  /** Counts against the 5-a-minute limit per reference: its retries are bounded tighter. */
  readonly modification: boolean
  /** Per attempt. */
  readonly timeout: Duration.Duration
}

/** How an operation's answer is decoded: compiled once, run on each answer. */
export interface Answer<A> {
  readonly decode: (input: unknown) => Either.Either<A, ParseResult.ParseError>
}

/** The decoder of answers of `schema`: tolerant (unknown fields ignored). */
export const answer = <A, I>(schema: Schema.Schema<A, I>): Answer<A> => ({
  decode: Schema.decodeUnknownEither(schema),
})

const transience = (error: Failure): RetryPolicy.Transience =>
  EPaymentError.isTransient(error)
    ? Option.some(
        "retryAfterMillis" in error && error.retryAfterMillis !== undefined
          ? Duration.millis(error.retryAfterMillis)
          : Duration.zero,
      )
    : Option.none()

// The tracer every fiber has unless a program installs another (OpenTelemetry, a test's).
const builtInTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

const firstIssue = (error: ParseResult.ParseError): { path: string; reason: string } => {
  try {
    const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
    return issue === undefined
      ? { path: "", reason: "does not decode" }
      : { path: issue.path.map(String).join("."), reason: issue.message }
  } catch {
    return { path: "", reason: "is not valid (it nests too deeply to describe)" }
  }
}

export const make = (settings: Settings) => {
  const schedules = {
    read: RetryPolicy.schedule(settings.retryPolicy, transience),
    modification: RetryPolicy.schedule(
      new RetryPolicy.RetryPolicy({
        ...settings.retryPolicy,
        retries: Math.min(settings.retryPolicy.retries, settings.maxModificationRetries),
      }),
      transience,
    ),
  }
  const fixedHeaders = {
    accept: "application/json",
    ...VippsSystem.headers(settings.system),
  }

  const request = (call: Call, token: string): HttpClientRequest.HttpClientRequest => {
    const headers: Record<string, string> = {
      ...fixedHeaders,
      authorization: `Bearer ${token}`,
      "ocp-apim-subscription-key": Redacted.value(settings.subscriptionKey),
      "merchant-serial-number": call.merchantSerialNumber,
    }
    if (call.idempotencyKey !== undefined) headers["idempotency-key"] = call.idempotencyKey
    const base = HttpClientRequest.make(call.method)(call.url).pipe(
      HttpClientRequest.setHeaders(headers),
    )
    return call.body === undefined
      ? base
      : HttpClientRequest.bodyText(base, call.body, "application/json")
  }

  const timeoutError = (call: Call) =>
    new EPaymentError.EPaymentTransportError({
      operation: call.operation,
      reason: "Timeout",
      detail: `no answer within ${Duration.format(call.timeout)}`,
    })

  const transportError = (call: Call) => (error: HttpClientError.HttpClientError) =>
    new EPaymentError.EPaymentTransportError({
      operation: call.operation,
      reason: "Transport",
      detail: Untrusted.describeTransportError(error),
    })

  // What the answer means, once its body is read (`text` undefined: larger than the limit).
  // The token and subscription key are cut out of every server text.
  const settle = <A>(
    call: Call,
    response: HttpClientResponse.HttpClientResponse,
    text: string | undefined,
    answer: Answer<A> | undefined,
    secrets: ReadonlyArray<string>,
    now: number,
  ): Either.Either<A | void, EPaymentError.EPaymentError> => {
    const status = response.status
    if (status < 200 || status >= 300) {
      return Either.left(
        EPaymentError.fromResponse({
          operation: call.operation,
          status,
          body: text ?? "",
          traceIdHeader: response.headers["x-request-id"] ?? response.headers["request-id"],
          retryAfter: Option.getOrUndefined(
            RetryPolicy.parseRetryAfter(response.headers["retry-after"], now),
          ),
          secrets,
        }),
      )
    }
    if (text === undefined) {
      return Either.left(
        new EPaymentError.EPaymentResponseTooLarge({
          operation: call.operation,
          status,
          maxBytes: settings.maxResponseBytes,
        }),
      )
    }
    if (answer === undefined) return Either.right(undefined)
    const json = Untrusted.parseJson(text)
    if (Option.isNone(json)) {
      return Either.left(
        EPaymentError.decodeError({
          operation: call.operation,
          status,
          path: "",
          reason: "the body is not JSON (or nests too deeply)",
        }),
      )
    }
    return Either.mapLeft(answer.decode(json.value), (error) =>
      EPaymentError.decodeError({
        operation: call.operation,
        status,
        ...firstIssue(error),
        secrets,
      }),
    )
  }

  const attempt = <A>(
    call: Call,
    answer: Answer<A> | undefined,
    token: string,
  ): Effect.Effect<A | void, EPaymentError.EPaymentError> => {
    const secrets = [token, Redacted.value(settings.subscriptionKey)]
    const answered = Effect.flatMap(
      Effect.mapError(settings.http.execute(request(call, token)), transportError(call)),
      (response) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.matchEffect(Untrusted.readText(response, settings.maxResponseBytes), {
            onFailure: (error) =>
              error._tag === "ResponseError"
                ? Effect.fail(transportError(call)(error))
                : settle(call, response, undefined, answer, secrets, now),
            onSuccess: (text) => settle(call, response, text, answer, secrets, now),
          }),
        ),
    )
    // The deadline covers the answer until its body has been read.
    return Effect.timeoutFail(answered, {
      duration: call.timeout,
      onTimeout: () => timeoutError(call),
    })
  }

  // A retried attempt, as an event on the call's span (the error's tag only: no server text).
  const attemptFailed = (failure: Failure) =>
    Effect.flatMap(Effect.currentSpan, (span) =>
      Effect.map(Clock.currentTimeNanos, (now) =>
        span.event("epayment.attempt_failed", now, { "error.type": failure._tag }),
      ),
    ).pipe(Effect.ignore)

  const perform = <A>(
    call: Call,
    answer: Answer<A> | undefined,
    traced: boolean,
  ): Effect.Effect<A | void, Failure> =>
    Effect.gen(function* () {
      // One new token per logical call, not per attempt: a second 401 is a configuration
      // error, and every request counts against the payment's rate limit.
      const renewed = yield* Ref.make(false)
      const tokenValue = (token: AccessToken.AccessToken) => Redacted.value(token.value)
      const authorised = Effect.flatMap(settings.tokens.get(call.merchantSerialNumber), (token) =>
        Effect.catchTag(
          attempt(call, answer, tokenValue(token)),
          "EPaymentUnauthorized",
          (unauthorised) =>
            Effect.flatMap(Ref.getAndSet(renewed, true), (already) =>
              already
                ? Effect.fail(unauthorised)
                : settings.tokens.invalidate(token).pipe(
                    Effect.zipRight(settings.tokens.get(call.merchantSerialNumber)),
                    Effect.flatMap((fresh) => attempt(call, answer, tokenValue(fresh))),
                  ),
            ),
        ),
      )
      const schedule = call.modification ? schedules.modification : schedules.read
      // The schedule is entered only once an attempt has failed.
      return yield* Effect.catchAll(authorised, (first) =>
        Effect.flatMap(Schedule.driver(schedule), (driver) => {
          const again = (failure: Failure): Effect.Effect<A | void, Failure> =>
            Effect.matchEffect(driver.next(failure), {
              onFailure: () => Effect.fail(failure),
              onSuccess: () =>
                Effect.catchAll(
                  traced ? Effect.zipRight(attemptFailed(failure), authorised) : authorised,
                  again,
                ),
            })
          return again(first)
        }),
      )
    }).pipe((effect) =>
      traced
        ? Effect.withSpan(effect, `EPaymentClient.${call.operation}`, {
            kind: "client",
            captureStackTrace: false,
            attributes: {
              "epayment.operation": call.operation,
              "http.request.method": call.method,
              "url.full": call.url,
              "epayment.merchant_serial_number": call.merchantSerialNumber,
              ...(call.idempotencyKey === undefined
                ? {}
                : { "epayment.idempotency_key": call.idempotencyKey }),
            },
          })
        : effect,
    )

  function execute<A>(call: Call, answer: Answer<A>): Effect.Effect<A, Failure>
  function execute(call: Call): Effect.Effect<void, Failure>
  function execute<A>(call: Call, answer?: Answer<A>): Effect.Effect<A | void, Failure> {
    // A span only when a tracer that keeps spans is installed: Effect's built-in one keeps them
    // nowhere, and making one costs more than the rest of the call's own work.
    return Effect.withFiberRuntime((fiber) =>
      perform(
        call,
        answer,
        fiber.getFiberRef(FiberRef.currentTracerEnabled) &&
          Context.get(fiber.getFiberRef(DefaultServices.currentServices), Tracer.Tracer) !==
            builtInTracer,
      ),
    )
  }
  return { execute }
}
