// The one request path every PoS V10 call takes: base URL, the four headers, the bearer token
// from TokenService, the VAT header when the token is not merchant-bound, a per-attempt
// timeout, transient retries by RetryPolicy, and on 401 one new token and one more try.
import {
  type AccessToken,
  type Domain as CoreDomain,
  HttpDeadline,
  InvalidInput,
  RetryPolicy,
  type TokenError,
  Untrusted,
} from "@effect-mobilepay/core"
import type { TokenService } from "@effect-mobilepay/token-service"
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
import type * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"
import * as PosError from "../PosError.js"

export interface Settings {
  readonly http: HttpClient.HttpClient
  readonly tokens: TokenService.TokenService.Service
  readonly clientSystemVersion: CoreDomain.ClientSystemVersion
  /** `merchant`: one merchant-bound token per merchant; `unbound`: one token and a VAT header. */
  readonly tokenBinding: "merchant" | "unbound"
  readonly readTimeout: Duration.Duration
  readonly writeTimeout: Duration.Duration
  readonly retryPolicy: RetryPolicy.RetryPolicy
  /** The largest answer read, in bytes. */
  readonly maxResponseBytes: number
  /**
   * Who enforces each attempt's timeout: `pipeline` races it against the Clock;
   * `transport` (an `HttpDeadline.Enforcer`) is handed it in `HttpDeadline.current`.
   */
  readonly deadlines: "pipeline" | "transport"
}

export type Failure = PosError.PosError | TokenError.TokenError | InvalidInput.InvalidInput

export interface Call {
  readonly operation: PosError.PosOperation
  readonly method: "GET" | "POST" | "DELETE"
  readonly url: string
  readonly urlParams?: Readonly<Record<string, string | undefined>> | undefined
  /** The JSON body, already in its wire form. */
  readonly body?: unknown
  readonly idempotencyKey?: string | undefined
  /** The merchant the call is for (unbound tokens need it in a header). */
  readonly merchantVat: CoreDomain.MerchantVat | undefined
  /** Overrides the timeout for reads (GET) or writes (everything else); already checked. */
  readonly timeout?: Duration.Duration | undefined
}

const transience = (error: Failure): RetryPolicy.Transience =>
  error._tag === "PosTransportError" || error._tag === "PosServerError"
    ? Option.some(Duration.zero)
    : Option.none()

/** How an operation's answer is decoded: compiled once, run synchronously on each answer. */
export interface Answer<A> {
  readonly decode: (input: unknown) => Either.Either<A, ParseResult.ParseError>
}

/** The decoder of answers of `schema` (tolerant, like the schema; excess fields ignored). */
export const answer = <A, I>(schema: Schema.Schema<A, I>): Answer<A> => ({
  decode: Schema.decodeUnknownEither(schema),
})

// The tracer every fiber has unless a program installs another (OpenTelemetry, a test's).
const builtInTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

export const make = (settings: Settings) => {
  const schedule = RetryPolicy.schedule(settings.retryPolicy, transience)

  const request = (call: Call, token: string): HttpClientRequest.HttpClientRequest => {
    const headers: Record<string, string> = {
      accept: "application/json",
      authorization: `Bearer ${token}`,
      "x-ibm-client-id": settings.tokens.clientId,
      "x-mobilepay-client-system-version": settings.clientSystemVersion,
    }
    if (settings.tokenBinding === "unbound" && call.merchantVat !== undefined) {
      headers["x-mobilepay-merchant-vat-number"] = call.merchantVat
    }
    if (call.idempotencyKey !== undefined) {
      headers["x-mobilepay-idempotency-key"] = call.idempotencyKey
    }
    const params = Object.entries(call.urlParams ?? {}).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, value] as const],
    )
    const base = HttpClientRequest.make(call.method)(call.url).pipe(
      HttpClientRequest.setHeaders(headers),
      HttpClientRequest.setUrlParams(params),
    )
    return call.body === undefined ? base : HttpClientRequest.bodyUnsafeJson(base, call.body)
  }

  const timeoutError = (call: Call, timeout: Duration.Duration) =>
    new PosError.PosTransportError({
      operation: call.operation,
      reason: "Timeout",
      detail: `no answer within ${Duration.format(timeout)}`,
    })

  const transportError = (call: Call) => (error: HttpClientError.HttpClientError) =>
    HttpDeadline.isExceeded(error)
      ? timeoutError(call, timeoutOf(call))
      : new PosError.PosTransportError({
          operation: call.operation,
          reason: "Transport",
          detail: Untrusted.describeTransportError(error),
        })

  const timeoutOf = (call: Call): Duration.Duration =>
    call.timeout ?? (call.method === "GET" ? settings.readTimeout : settings.writeTimeout)

  // What the answer means, once its body is read (`text` is undefined when it was larger than
  // the limit). `token` is cut out of every server text: an echoing server must not get it
  // into an error.
  const settle = <A>(
    call: Call,
    response: HttpClientResponse.HttpClientResponse,
    text: string | undefined,
    answer: Answer<A> | undefined,
    token: string,
  ): Either.Either<A | void, PosError.PosError> => {
    const status = response.status
    if (status < 200 || status >= 300) {
      return Either.left(
        PosError.fromResponse({
          operation: call.operation,
          status,
          body: text ?? "",
          correlationIdHeader: response.headers["x-correlation-id"],
          secrets: [token],
        }),
      )
    }
    if (text === undefined) {
      return Either.left(
        new PosError.PosResponseTooLarge({
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
        new PosError.PosDecodeError({
          operation: call.operation,
          status,
          path: "",
          reason: "the body is not JSON (or nests too deeply)",
        }),
      )
    }
    return Either.mapLeft(answer.decode(json.value), (error) =>
      PosError.PosDecodeError.fromParseError({
        operation: call.operation,
        status,
        error,
        secrets: [token],
      }),
    )
  }

  const interpret = <A>(
    call: Call,
    response: HttpClientResponse.HttpClientResponse,
    answer: Answer<A> | undefined,
    token: string,
    traced: boolean,
  ): Effect.Effect<A | void, PosError.PosError> => {
    const read = Effect.matchEffect(Untrusted.readText(response, settings.maxResponseBytes), {
      onFailure: (error) =>
        error._tag === "ResponseError"
          ? Effect.fail(transportError(call)(error))
          : settle(call, response, undefined, answer, token),
      onSuccess: (text) => settle(call, response, text, answer, token),
    })
    return traced
      ? Effect.zipRight(
          Effect.annotateCurrentSpan("http.response.status_code", response.status),
          read,
        )
      : read
  }

  // A retried attempt, as an event on the call's span (its error's tag only: no server text).
  const attemptFailed = (failure: Failure) =>
    Effect.flatMap(Effect.currentSpan, (span) =>
      Effect.map(Clock.currentTimeNanos, (now) =>
        span.event("mobilepay.attempt_failed", now, { "error.type": failure._tag }),
      ),
    ).pipe(Effect.ignore)

  // One logical call: the token, its attempts, the 401 recovery and the retries.
  const perform = <A>(
    call: Call,
    answer: Answer<A> | undefined,
    traced: boolean,
  ): Effect.Effect<A | void, Failure> => {
    const timeout = timeoutOf(call)
    const tokenFor: string | undefined =
      settings.tokenBinding === "merchant" ? call.merchantVat : undefined

    const deadline = Option.some(timeout)
    const attempt = (token: string) => {
      const send = settings.http.execute(request(call, token))
      const answered = Effect.flatMap(
        Effect.mapError(
          // The transport's own timer covers the answer until its body has arrived.
          settings.deadlines === "transport"
            ? Effect.locally(send, HttpDeadline.current, deadline)
            : send,
          transportError(call),
        ),
        (response) => interpret(call, response, answer, token, traced),
      )
      return settings.deadlines === "transport"
        ? answered
        : Effect.timeoutFail(answered, {
            duration: timeout,
            onTimeout: () => timeoutError(call, timeout),
          })
    }

    // A 401 means the token is no longer good: drop it (only if still cached), get a new one,
    // try once more.
    const authorised = Effect.flatMap(settings.tokens.get(tokenFor), (token) =>
      Effect.catchTag(attempt(tokenValue(token)), "PosUnauthorized", () =>
        settings.tokens.invalidate(token).pipe(
          Effect.zipRight(settings.tokens.get(tokenFor)),
          Effect.flatMap((fresh) => attempt(tokenValue(fresh))),
        ),
      ),
    )

    // The retry schedule is entered only once an attempt has failed: a call answered at once
    // (nearly all) pays nothing for it. The schedule sees the same failures as Effect.retry.
    const retried = Effect.catchAll(authorised, (first) =>
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

    const noMerchant =
      settings.tokenBinding === "unbound" && call.merchantVat === undefined
        ? new InvalidInput.InvalidInput({
            field: "merchantVat",
            reason: "an unbound token needs a merchant: set merchantVat on the layer or the call",
          })
        : undefined

    const outcome = noMerchant === undefined ? retried : Effect.fail(noMerchant)
    if (!traced) return outcome
    return outcome.pipe(
      Effect.withSpan(`PosClient.${call.operation}`, {
        kind: "client",
        // A stack per call costs more than the rest of the span; the name says where it is.
        captureStackTrace: false,
        attributes: {
          "mobilepay.operation": call.operation,
          "http.request.method": call.method,
          "url.full": call.url,
          "mobilepay.merchant_vat": call.merchantVat ?? "unbound",
          ...(call.idempotencyKey === undefined
            ? {}
            : { "mobilepay.idempotency_key": call.idempotencyKey }),
        },
      }),
    )
  }

  function execute<A>(call: Call, answer: Answer<A>): Effect.Effect<A, Failure>
  function execute(call: Call): Effect.Effect<void, Failure>
  function execute<A>(call: Call, answer?: Answer<A>): Effect.Effect<A | void, Failure> {
    // The span (one per call, no stack) is made only when a tracer that exports is installed:
    // Effect's built-in tracer keeps spans nowhere, and making one costs more than the rest of
    // the call's own work.
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

// The one place a token leaves its Redacted wrapper: into the Authorization header, which
// Effect's HTTP tracing and logging redact.
const tokenValue = (token: AccessToken.AccessToken): string => Redacted.value(token.value)
