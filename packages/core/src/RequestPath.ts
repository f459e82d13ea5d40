/**
 * The one request path every client's calls take: PoS V10's `PosClient`, the ePayment,
 * Webhooks and QR clients, and the two token requests. Each API plugs in what is its own (its
 * headers, how a failed answer maps to its typed errors, which of those errors are transient);
 * the path does the rest, the same way for all of them:
 *
 * - **Deadline per attempt**: the transport's own ({@link HttpDeadline}) when the `HttpClient`
 *   in context enforces it, else a race against the `Clock`. A passed deadline is
 *   `unreachable(call, "Timeout", ...)`.
 * - **Transient retries, one classification**: transport errors, timeouts, a body cut off,
 *   and the statuses 5xx, 408, 423 and 429 are retried on the call's {@link RetryPolicy}
 *   (never sooner than a `Retry-After`), plus the API's own retryable errors
 *   (`Api.retryable`, e.g. ePayment's 6160 / 6250 / 6280). So is a 2xx whose body is not
 *   JSON (cut off or garbled on its way) when the call is safe to repeat: a `GET`, or a call
 *   carrying the API's idempotency header (`Api.idempotencyHeader`), whose repeat with the same
 *   key and bytes answers with what the platform already did. A create answered that way has
 *   happened; giving up would leave the caller with an error and the platform with a payment.
 *   A 2xx that is JSON but does not decode, nests too deeply or is too large stays final: a
 *   repeat would read the same. Nothing else is retried. The schedule is entered only after a
 *   failed attempt.
 * - **401 with a token**: the token is invalidated (compare-and-invalidate), one new token is
 *   got and the call is tried once more; a second 401 is the API's error.
 * - **Bounded, tolerant reading**: at most `maxResponseBytes` are read ({@link Untrusted}),
 *   JSON nesting is bounded, the answer schema ignores unknown fields.
 * - **Correlation ids**: the first of `x-correlation-id`, `correlation-id`, `x-request-id`,
 *   `request-id` (gateways add their own) is handed to the API's mapping, sanitised, beside the
 *   body, where V10's `correlationId` and ePayment's `traceId` live.
 * - **Sanitised server text**: the API's secrets and the call's token are cut out of anything
 *   a server sends before it reaches an error, a log line or a span ({@link Failed.scrub}).
 * - **Cheap spans**: one span per call, no stack, made only when a tracer other than Effect's
 *   built-in one is installed (which keeps spans nowhere); retried attempts are events on it.
 *   No trace context leaves the process and the platform's own span (which copies headers) is
 *   off.
 * - **Idempotency**: the request (headers, `Idempotency-Key`, body bytes) is built once per
 *   logical call, before the first attempt, so every retry sends the same key and a
 *   byte-identical body. Make the key before calling {@link RequestPath.execute}.
 *
 * @example
 * import { HttpDeadline, RequestPath, RetryPolicy, Untrusted } from "@effect-mobilepay/core"
 * import * as Duration from "effect/Duration"
 * import * as Effect from "effect/Effect"
 * import * as Schema from "effect/Schema"
 *
 * class ShopError extends Schema.TaggedError<ShopError>()("ShopError", {
 *   operation: Schema.String,
 *   status: Schema.optional(Schema.Number),
 *   detail: Schema.String,
 * }) {}
 *
 * const Payment = Schema.Struct({ reference: Schema.String })
 *
 * const program = Effect.gen(function* () {
 *   const path = yield* RequestPath.make<string, ShopError>({
 *     name: "ShopClient",
 *     headers: { accept: "application/json" },
 *     retryPolicy: RetryPolicy.defaultPolicy,
 *     maxResponseBytes: 65536,
 *     failed: (call, answer) =>
 *       new ShopError({ operation: call.operation, status: answer.status, detail: answer.scrub(answer.body ?? "") }),
 *     unreachable: (call, _reason, detail) => new ShopError({ operation: call.operation, detail }),
 *     malformed: (call, status, issue) =>
 *       new ShopError({ operation: call.operation, status, detail: String(issue) }),
 *   })
 *   return yield* path.execute(
 *     {
 *       operation: "GetPayment",
 *       method: "GET",
 *       url: "http://127.0.0.1:4010/payments/acme-1",
 *       timeout: Duration.seconds(10),
 *     },
 *     RequestPath.answer(Payment),
 *   )
 * })
 *
 * @since 0.2.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
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
import type { AccessToken } from "./AccessToken.js"
import * as HttpDeadline from "./HttpDeadline.js"
import type { InvalidInput } from "./InvalidInput.js"
import * as RetryPolicy from "./RetryPolicy.js"
import type { TokenError } from "./TokenError.js"
import { correlationIdFromHeaders } from "./internal/correlationId.js"
import * as Transience from "./internal/transience.js"
import { describeTransportError } from "./internal/transportError.js"
import * as Untrusted from "./Untrusted.js"

/**
 * One logical call: what to send, and how long each attempt may take.
 *
 * @since 0.2.0
 * @category models
 */
export interface Call<Operation extends string = string> {
  /** The API's name for the operation, e.g. `QueryPayment` (in span names and errors). */
  readonly operation: Operation
  readonly method: "GET" | "POST" | "PUT" | "DELETE"
  readonly url: string
  readonly urlParams?: Readonly<Record<string, string | undefined>> | undefined
  /** This call's headers beside the API's (e.g. `Idempotency-Key`, `Merchant-Serial-Number`). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /**
   * The JSON body in its wire form, or an `HttpBody` sent as it is (e.g. a form); encoded once,
   * so every retry sends the same bytes.
   */
  readonly body?: unknown
  /** Each attempt's deadline, from dispatch until the whole answer is read. */
  readonly timeout: Duration.Duration
  /** The key of the token to send as `Authorization: Bearer` (e.g. a merchant), if any. */
  readonly tokenKey?: string | undefined
}

/**
 * A failed answer (a status outside 2xx), as an API's mapping sees it.
 *
 * @since 0.2.0
 * @category models
 */
export interface Failed {
  readonly status: number
  readonly headers: Headers.Headers
  /** The body as sent, or undefined when it was larger than the limit. Untrusted: scrub it. */
  readonly body: string | undefined
  /** The first correlation header of the answer, sanitised. */
  readonly correlationId: string | undefined
  /** The answer's `Retry-After`, when it sent a readable one. */
  readonly retryAfter: Duration.Duration | undefined
  /** The API's secrets and this call's token (for a mapping that sanitises on its own). */
  readonly secrets: ReadonlyArray<string>
  /** `text` made safe for an error, a log line or a span ({@link Untrusted.sanitize}). */
  readonly scrub: (text: string, maxLength?: number) => string
}

/**
 * Where the bearer tokens come from (`TokenService`, `AccessTokenService`).
 *
 * @since 0.2.0
 * @category models
 */
export interface TokenSource {
  readonly get: (key?: string) => Effect.Effect<AccessToken, TokenError | InvalidInput>
  /** Drops `token` if it is still the one cached (compare-and-invalidate). */
  readonly invalidate: (token: AccessToken) => Effect.Effect<void>
}

/**
 * What an API plugs into the path.
 *
 * @since 0.2.0
 * @category models
 */
export interface Api<Operation extends string, E, C extends Call<Operation> = Call<Operation>> {
  /** The span name's prefix: spans are `${name}.${operation}`. */
  readonly name: string
  /** Headers on every call of this API (already checked: they are sent as they are). */
  readonly headers: Readonly<Record<string, string>>
  /** Bearer tokens, for APIs that take them; without, a 401 is only the API's error. */
  readonly tokens?: TokenSource | undefined
  /** Values cut out of server text wherever they appear (the client secret, a key). */
  readonly secrets?: ReadonlyArray<string> | undefined
  /**
   * Header names (lower case) whose values Effect's HTTP logging and tracing must show as
   * `<redacted>`, beyond its defaults (`authorization` is one).
   */
  readonly redactedHeaders?: ReadonlyArray<string> | undefined
  readonly retryPolicy: RetryPolicy.RetryPolicy
  /** The largest answer read, in bytes. */
  readonly maxResponseBytes: number
  /** The typed error of an answer outside 2xx. */
  readonly failed: (call: C, answer: Failed) => E
  /**
   * The header (lower case) carrying a call's idempotency key, e.g. `idempotency-key`. A call
   * that sends it, like a `GET`, is safe to repeat: a 2xx whose body is not JSON is retried.
   */
  readonly idempotencyHeader?: string | undefined
  /** No answer: a transport error, a body cut off, or a passed deadline. Always retried. */
  readonly unreachable: (call: C, reason: "Timeout" | "Transport", detail: string) => E
  /**
   * A 2xx answer that is not JSON, nests too deeply or does not decode. `secrets` are the
   * API's and the call's token; `correlationId` is the answer's correlation header, sanitised.
   * Final, except a body that is not JSON on a call safe to repeat (see `idempotencyHeader`).
   */
  readonly malformed: (
    call: C,
    status: number,
    issue: ParseResult.ParseError | string,
    secrets: ReadonlyArray<string>,
    correlationId: string | undefined,
  ) => E
  /**
   * A 2xx answer larger than `maxResponseBytes`.
   * @default malformed, saying so
   */
  readonly tooLarge?: ((call: C, status: number) => E) | undefined
  /** The API's retryable errors beyond the common ones (e.g. error codes meaning "locked"). */
  readonly retryable?: ((error: E) => boolean) | undefined
  /** The span's attributes beside the method and URL (only computed when traced). */
  readonly spanAttributes?: ((call: C) => Record<string, unknown>) | undefined
}

/**
 * How an operation's answer is decoded: compiled once, run synchronously on each answer.
 *
 * @since 0.2.0
 * @category models
 */
export interface Answer<A> {
  readonly decode: (
    json: unknown,
    status: number,
  ) => Either.Either<A, ParseResult.ParseError | string>
}

/**
 * The decoder of answers of `schema` (tolerant, like the schema: excess fields are ignored).
 *
 * @since 0.2.0
 * @category constructors
 */
export const answer = <A, I>(schema: Schema.Schema<A, I>): Answer<A> => {
  const decode = Schema.decodeUnknownEither(schema)
  return { decode: (json) => decode(json) }
}

/**
 * The path of one API.
 *
 * @since 0.2.0
 * @category models
 */
export interface RequestPath<
  Operation extends string,
  E,
  C extends Call<Operation> = Call<Operation>,
> {
  /** Sends `call`, retrying as the module doc says; decodes a 2xx answer with `answer`. */
  readonly execute: {
    <A>(call: C, answer: Answer<A>): Effect.Effect<A, E | TokenError | InvalidInput>
    (call: C): Effect.Effect<void, E | TokenError | InvalidInput>
  }
}

// A failed attempt, with what the retry loop needs to know of it; unwrapped before it leaves.
class Rejected<E> {
  constructor(
    readonly error: E,
    readonly transience: RetryPolicy.Transience,
    readonly unauthorized: boolean,
  ) {}
}

const transience = (failure: unknown): RetryPolicy.Transience =>
  failure instanceof Rejected ? failure.transience : Option.none()

const unwrap = <E>(
  failure: Rejected<E> | TokenError | InvalidInput,
): E | TokenError | InvalidInput => (failure instanceof Rejected ? failure.error : failure)

// The tracer every fiber has unless a program installs another (OpenTelemetry, a test's).
const builtInTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

const permanent = Option.none<Duration.Duration>()
const atOnce = Option.some(Duration.zero)

/**
 * Builds the path of one API on the `HttpClient` in context: decides once whether the
 * transport enforces deadlines ({@link HttpDeadline.Enforcer}), and turns off the platform's
 * trace propagation and span otherwise.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = <Operation extends string, E, C extends Call<Operation> = Call<Operation>>(
  api: Api<Operation, E, C>,
): Effect.Effect<RequestPath<Operation, E, C>, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const given = yield* HttpClient.HttpClient
    const enforcing = Option.exists(
      yield* Effect.serviceOption(HttpDeadline.Enforcer),
      (enforcer) => enforcer.client === given,
    )
    // No API takes part in the caller's traces (no traceparent/b3 headers), and the platform's
    // span would copy the answer's headers, which an echoing server can fill with secrets.
    // (An enforcing transport sends no trace headers and makes no span.)
    const http = enforcing
      ? given
      : given.pipe(
          HttpClient.withTracerPropagation(false),
          HttpClient.withTracerDisabledWhen(() => true),
        )
    return makeWith(api, http, enforcing)
  })

const makeWith = <Operation extends string, E, C extends Call<Operation>>(
  api: Api<Operation, E, C>,
  http: HttpClient.HttpClient,
  enforcing: boolean,
): RequestPath<Operation, E, C> => {
  const schedule = RetryPolicy.schedule(api.retryPolicy, transience)
  const apiSecrets = api.secrets ?? []
  const extraRedacted = api.redactedHeaders ?? []

  // Safe to send again: a read, or a write whose key makes a repeat the same operation.
  const repeatable = (call: C) =>
    call.method === "GET" ||
    (api.idempotencyHeader !== undefined && call.headers?.[api.idempotencyHeader] !== undefined)

  const secretsWith = (token: string | undefined) =>
    token === undefined ? apiSecrets : [...apiSecrets, token]

  const scrubWith =
    (secrets: ReadonlyArray<string>) =>
    (text: string, maxLength?: number): string =>
      Untrusted.sanitize(text, { secrets, maxLength })

  const timeoutError = (call: C) =>
    new Rejected(
      api.unreachable(call, "Timeout", `no answer within ${Duration.format(call.timeout)}`),
      atOnce,
      false,
    )

  const transportError =
    (call: C, token: string | undefined) => (error: HttpClientError.HttpClientError) =>
      HttpDeadline.isExceeded(error)
        ? timeoutError(call)
        : new Rejected(
            api.unreachable(
              call,
              "Transport",
              scrubWith(secretsWith(token))(describeTransportError(error)),
            ),
            atOnce,
            false,
          )

  const rejectedAnswer = (
    call: C,
    response: HttpClientResponse.HttpClientResponse,
    body: string | undefined,
    token: string | undefined,
  ): Effect.Effect<never, Rejected<E>> => {
    const header = response.headers["retry-after"]
    return header === undefined
      ? Effect.fail(rejection(call, response, body, token, undefined))
      : Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.fail(
            rejection(
              call,
              response,
              body,
              token,
              Option.getOrUndefined(Transience.parseRetryAfter(header, now)),
            ),
          ),
        )
  }

  // The one classification: transient statuses and the API's retryable errors are retried
  // (never sooner than Retry-After); a 401 with a token is recovered once; the rest is final.
  const rejection = (
    call: C,
    response: HttpClientResponse.HttpClientResponse,
    body: string | undefined,
    token: string | undefined,
    retryAfter: Duration.Duration | undefined,
  ): Rejected<E> => {
    const status = response.status
    const secrets = secretsWith(token)
    const scrub = scrubWith(secrets)
    const rawCorrelationId = correlationIdFromHeaders(response.headers)
    const error = api.failed(call, {
      status,
      headers: response.headers,
      body,
      correlationId: rawCorrelationId === undefined ? undefined : scrub(rawCorrelationId, 100),
      retryAfter,
      secrets,
      scrub,
    })
    const transient = Transience.isTransientStatus(status) || api.retryable?.(error) === true
    return new Rejected(
      error,
      transient ? Option.some(retryAfter ?? Duration.zero) : permanent,
      status === 401 && api.tokens !== undefined,
    )
  }

  // What a 2xx answer means, once its body is read (`text` undefined: larger than the limit).
  const accepted = <A>(
    call: C,
    response: HttpClientResponse.HttpClientResponse,
    text: string | undefined,
    decoder: Answer<A> | undefined,
    token: string | undefined,
  ): Either.Either<A | void, Rejected<E>> => {
    if (text !== undefined && decoder === undefined) return Either.right(undefined)
    const status = response.status
    const malformed = (
      issue: ParseResult.ParseError | string,
      retry: RetryPolicy.Transience = permanent,
    ) => {
      const secrets = secretsWith(token)
      const raw = correlationIdFromHeaders(response.headers)
      return new Rejected(
        api.malformed(
          call,
          status,
          issue,
          secrets,
          raw === undefined ? undefined : scrubWith(secrets)(raw, 100),
        ),
        retry,
        false,
      )
    }
    if (text === undefined) {
      return Either.left(
        api.tooLarge === undefined
          ? malformed(`the answer is larger than ${api.maxResponseBytes} bytes`)
          : new Rejected(api.tooLarge(call, status), permanent, false),
      )
    }
    if (decoder === undefined) return Either.right(undefined)
    const json = Untrusted.parseJson(text)
    if (Option.isSome(json)) return Either.mapLeft(decoder.decode(json.value, status), malformed)
    // Complete JSON nesting too deeply is what the server sent; anything else was cut off or
    // garbled on its way, and a repeat of a call safe to repeat reads the answer again.
    if (Option.isSome(Untrusted.parseJson(text, Infinity))) {
      return Either.left(malformed(`the body nests deeper than ${Untrusted.maxJsonDepth} levels`))
    }
    return Either.left(malformed("the body is not JSON", repeatable(call) ? atOnce : permanent))
  }

  const interpret = <A>(
    call: C,
    response: HttpClientResponse.HttpClientResponse,
    decoder: Answer<A> | undefined,
    token: string | undefined,
    traced: boolean,
  ): Effect.Effect<A | void, Rejected<E>> => {
    const status = response.status
    const ok = status >= 200 && status < 300
    const read = Effect.matchEffect(Untrusted.readText(response, api.maxResponseBytes), {
      onFailure: (error) =>
        error._tag === "ResponseError"
          ? Effect.fail(transportError(call, token)(error))
          : ok
            ? accepted(call, response, undefined, decoder, token)
            : rejectedAnswer(call, response, undefined, token),
      onSuccess: (text) =>
        ok
          ? accepted(call, response, text, decoder, token)
          : rejectedAnswer(call, response, text, token),
    })
    return traced
      ? Effect.zipRight(Effect.annotateCurrentSpan("http.response.status_code", status), read)
      : read
  }

  // A failed attempt, on the call's span (its error's tag only: no server text) and at debug.
  const attemptFailed = (failure: Rejected<E> | TokenError | InvalidInput, traced: boolean) => {
    const error = unwrap(failure)
    const tag =
      typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "Error"
    const message = error instanceof Error ? error.message : tag
    const log = Effect.logDebug(`${api.name} attempt failed`).pipe(
      Effect.annotateLogs({ error: tag, message }),
    )
    if (!traced) return log
    return Effect.zipRight(
      // Whole milliseconds: a TestClock moved to a jittered backoff stands between them, and
      // its nanosecond reading then throws.
      Effect.flatMap(Effect.currentSpan, (span) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          span.event("mobilepay.attempt_failed", BigInt(Math.floor(now)) * 1_000_000n, {
            "error.type": tag,
          }),
        ),
      ).pipe(Effect.ignore),
      log,
    )
  }

  const build = (call: C): HttpClientRequest.HttpClientRequest => {
    const headers = call.headers === undefined ? api.headers : { ...api.headers, ...call.headers }
    let request = HttpClientRequest.make(call.method)(call.url).pipe(
      HttpClientRequest.setHeaders(headers),
    )
    if (call.urlParams !== undefined) {
      const params = Object.entries(call.urlParams).flatMap(([name, value]) =>
        value === undefined ? [] : [[name, value] as const],
      )
      if (params.length > 0) request = HttpClientRequest.setUrlParams(request, params)
    }
    if (call.body === undefined) return request
    return HttpBody.isHttpBody(call.body)
      ? HttpClientRequest.setBody(request, call.body)
      : HttpClientRequest.bodyUnsafeJson(request, call.body)
  }

  // One logical call: the token, its attempts, the 401 recovery and the retries.
  const perform = <A>(
    call: C,
    decoder: Answer<A> | undefined,
    traced: boolean,
  ): Effect.Effect<A | void, E | TokenError | InvalidInput> => {
    // Built once: every attempt sends the same headers, idempotency key and body bytes.
    const request = build(call)
    const deadline = Option.some(call.timeout)

    const attempt = (token: string | undefined) => {
      const send = http.execute(
        token === undefined
          ? request
          : HttpClientRequest.setHeader(request, "authorization", `Bearer ${token}`),
      )
      const answered = Effect.flatMap(
        Effect.mapError(
          // The transport's own timer covers the answer until its body has arrived.
          enforcing ? Effect.locally(send, HttpDeadline.current, deadline) : send,
          transportError(call, token),
        ),
        (response) => interpret(call, response, decoder, token, traced),
      )
      return enforcing
        ? answered
        : Effect.timeoutFail(answered, {
            duration: call.timeout,
            onTimeout: () => timeoutError(call),
          })
    }

    const tokens = api.tokens
    // A 401 means the token is no longer good: drop it (only if still cached), get a new one,
    // try once more.
    const authorised: Effect.Effect<A | void, Rejected<E> | TokenError | InvalidInput> =
      tokens === undefined
        ? attempt(undefined)
        : Effect.flatMap(tokens.get(call.tokenKey), (token) =>
            Effect.catchIf(
              attempt(tokenValue(token)),
              (failure) => failure.unauthorized,
              () =>
                tokens.invalidate(token).pipe(
                  Effect.zipRight(tokens.get(call.tokenKey)),
                  Effect.flatMap((fresh) => attempt(tokenValue(fresh))),
                ),
            ),
          )

    // The retry schedule is entered only once an attempt has failed: a call answered at once
    // (nearly all) pays nothing for it.
    const retried = Effect.catchAll(authorised, (first) =>
      Effect.flatMap(Schedule.driver(schedule), (driver) => {
        const again = (
          failure: Rejected<E> | TokenError | InvalidInput,
        ): Effect.Effect<A | void, E | TokenError | InvalidInput> =>
          Effect.zipRight(
            attemptFailed(failure, traced),
            Effect.matchEffect(driver.next(failure), {
              onFailure: () => Effect.fail(unwrap(failure)),
              onSuccess: () => Effect.catchAll(authorised, again),
            }),
          )
        return again(first)
      }),
    )

    const redacted =
      extraRedacted.length === 0
        ? retried
        : Effect.locallyWith(retried, Headers.currentRedactedNames, (names) => [
            ...names,
            ...extraRedacted.filter((name) => !names.includes(name)),
          ])
    if (!traced) return redacted
    return Effect.withSpan(redacted, `${api.name}.${call.operation}`, {
      kind: "client",
      // A stack per call costs more than the rest of the span; the name says where it is.
      captureStackTrace: false,
      attributes: {
        ...api.spanAttributes?.(call),
        "http.request.method": call.method,
        "url.full": call.url,
      },
    })
  }

  function execute<A>(call: C, decoder: Answer<A>): Effect.Effect<A, E | TokenError | InvalidInput>
  function execute(call: C): Effect.Effect<void, E | TokenError | InvalidInput>
  function execute<A>(
    call: C,
    decoder?: Answer<A>,
  ): Effect.Effect<A | void, E | TokenError | InvalidInput> {
    // The span is made only when a tracer that exports is installed: Effect's built-in tracer
    // keeps spans nowhere, and making one costs more than the rest of the call's own work.
    return Effect.withFiberRuntime((fiber) =>
      perform(
        call,
        decoder,
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
const tokenValue = (token: AccessToken): string => Redacted.value(token.value)
