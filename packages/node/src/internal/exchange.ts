// One request and its answer over an undici Dispatcher, with no Readable stream, no
// AbortSignal and no URL object: undici's handler callbacks feed one small state machine, the
// body is kept as the chunks that arrived, and a deadline is one timer that aborts through the
// dispatch controller only when it fires.
import { HttpDeadline } from "@effect-mobilepay/core"
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Readable } from "node:stream"
import type { Dispatcher } from "undici"

// Node's timers cannot wait longer than this; a deadline beyond it is none in practice.
const maxTimerMillis = 2 ** 31 - 1

const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

const decoder = new TextDecoder()

// An answer held back from a reader is paused past this many bytes, so that a body nobody
// reads (a declared length over the caller's limit) is not buffered whole.
const highWaterMark = 64 * 1024

const urlPattern = /^(https?:\/\/[^/?#]+)([^?#]*)(\?[^#]*)?/i

/** The request's origin and path (with its query), without building a URL object. */
const target = (
  request: HttpClientRequest.HttpClientRequest,
): Either.Either<
  { readonly origin: string; readonly path: string },
  HttpClientError.RequestError
> => {
  const match = urlPattern.exec(request.url)
  if (match === null) {
    return Either.left(
      new HttpClientError.RequestError({
        request,
        reason: "InvalidUrl",
        description: "not an absolute http(s) URL",
      }),
    )
  }
  const [, origin = "", pathname = "", search = ""] = match
  const params = request.urlParams.length === 0 ? "" : UrlParams.toString(request.urlParams)
  const query = params === "" ? search : search === "" ? `?${params}` : `${search}&${params}`
  return Either.right({ origin, path: `${pathname === "" ? "/" : pathname}${query}` })
}

type DispatchBody = string | Uint8Array | Readable | null

interface Outgoing {
  readonly body: DispatchBody
  readonly headers: Headers.Headers
}

const encodeError = (request: HttpClientRequest.HttpClientRequest, description: string) =>
  new HttpClientError.RequestError({ request, reason: "Encode", description })

/** The body as undici takes it, and the headers to send with it. */
const outgoing = (
  request: HttpClientRequest.HttpClientRequest,
): Effect.Effect<Outgoing, HttpClientError.RequestError> => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed({ body: null, headers: request.headers })
    case "Uint8Array":
      return Effect.succeed({ body: body.body, headers: request.headers })
    case "Raw":
      return typeof body.body === "string" || body.body instanceof Uint8Array
        ? Effect.succeed({ body: body.body, headers: request.headers })
        : Effect.fail(encodeError(request, "a raw body must be a string or bytes"))
    case "FormData":
      // Encoded by the platform's Response, which also chooses the multipart boundary.
      return Effect.tryPromise({
        try: async () => {
          const encoded = new Response(body.formData)
          return {
            body: new Uint8Array(await encoded.arrayBuffer()),
            headers: Headers.set(
              request.headers,
              "content-type",
              encoded.headers.get("content-type") ?? "multipart/form-data",
            ),
          }
        },
        catch: () => encodeError(request, "the form data could not be encoded"),
      })
    case "Stream":
      return Effect.map(NodeStream.toReadable(body.stream), (readable) => ({
        body: readable,
        headers: request.headers,
      }))
  }
}

/**
 * The answer: status and headers as they arrived, the body as the chunks that arrive, read
 * once by whoever asks (`text`, `stream`, ...); later reads get the same bytes.
 */
class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly remoteAddress: Option.Option<string> = Option.none()

  private parsedHeaders: Headers.Headers | undefined
  private chunks: Array<Uint8Array> = []
  private size = 0
  private state: "open" | "done" | "failed" = "open"
  private failure: unknown
  private reading = false
  // The readers waiting for more of the body (usually none or one).
  private waiting: Array<() => void> = []

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly status: number,
    private readonly rawHeaders: Record<string, string | Array<string> | undefined>,
    private readonly exchange: Exchange,
  ) {
    super()
  }

  get headers(): Headers.Headers {
    this.parsedHeaders ??= Headers.fromInput(this.rawHeaders)
    return this.parsedHeaders
  }

  get cookies(): Cookies.Cookies {
    const setCookie = this.rawHeaders["set-cookie"]
    return Cookies.fromSetCookie(setCookie === undefined ? [] : setCookie)
  }

  // Called by the exchange as the body arrives.
  push(chunk: Uint8Array): void {
    this.chunks.push(chunk)
    this.size += chunk.length
    if (!this.reading && this.size > highWaterMark) this.exchange.pause()
    this.wakeReaders()
  }

  end(): void {
    this.state = "done"
    this.wakeReaders()
  }

  fail(cause: unknown): void {
    if (this.state !== "open") return
    this.state = "failed"
    this.failure = cause
    this.wakeReaders()
  }

  private error(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: "Decode",
      cause,
      ...(cause instanceof HttpDeadline.HttpDeadlineExceeded
        ? { description: `no whole answer within ${Duration.format(cause.timeout)}` }
        : {}),
    })
  }

  private wakeReaders(): void {
    if (this.waiting.length === 0) return
    for (const wake of [...this.waiting]) wake()
  }

  private stopWaiting(wake: () => void): void {
    this.waiting = this.waiting.filter((other) => other !== wake)
  }

  // Resumes with what `ready` gives once it gives something: now, or as more of the body
  // arrives. `interrupted` runs when the reader gives up first.
  private await<A, E>(
    ready: () => Effect.Effect<A, E> | undefined,
    interrupted: () => void,
  ): Effect.Effect<A, E> {
    return Effect.async<A, E>((resume) => {
      this.reading = true
      this.exchange.resume()
      const now = ready()
      if (now !== undefined) return resume(now)
      const wake = () => {
        const later = ready()
        if (later === undefined) return
        this.stopWaiting(wake)
        resume(later)
      }
      this.waiting.push(wake)
      return Effect.sync(() => {
        this.stopWaiting(wake)
        interrupted()
      })
    })
  }

  /** The whole body, once it has arrived. */
  private get bytes(): Effect.Effect<Uint8Array, HttpClientError.ResponseError> {
    return this.await(
      () =>
        this.state === "open"
          ? undefined
          : this.state === "failed"
            ? Effect.fail(this.error(this.failure))
            : Effect.succeed(this.concatenated()),
      () => this.exchange.abandon(),
    )
  }

  private concatenated(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0] ?? new Uint8Array(0)
    const bytes = new Uint8Array(this.size)
    let offset = 0
    for (const chunk of this.chunks) {
      bytes.set(chunk, offset)
      offset += chunk.length
    }
    this.chunks = [bytes]
    return bytes
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this.bytes, (bytes) => decoder.decode(bytes))
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: (): unknown => (text === "" ? null : JSON.parse(text)),
        catch: (cause) => this.error(cause),
      }),
    )
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.map(this.bytes, (bytes) => {
      const copy = new Uint8Array(bytes.length)
      copy.set(bytes)
      return copy.buffer
    })
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(this.arrayBuffer, (buffer) =>
      Effect.tryPromise({
        try: () =>
          new Response(buffer, {
            headers: { "content-type": this.headers["content-type"] ?? "" },
          }).formData(),
        catch: (cause) => this.error(cause),
      }),
    )
  }

  /**
   * The body as it arrives; a reader that stops early (or is interrupted) ends the exchange,
   * so a body larger than the reader wants is not received whole.
   */
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.suspend(() => {
      let next = 0
      const pull = this.await(
        ():
          | Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<HttpClientError.ResponseError>>
          | undefined => {
          if (next < this.chunks.length) {
            const ready = this.chunks.slice(next)
            next = this.chunks.length
            return Effect.succeed(Chunk.unsafeFromArray(ready))
          }
          if (this.state === "done") return Effect.fail(Option.none())
          if (this.state === "failed") return Effect.fail(Option.some(this.error(this.failure)))
          return undefined
        },
        // Stream.ensuring below ends the exchange if the reader stops early.
        () => {},
      )
      return Stream.repeatEffectChunkOption(pull).pipe(
        Stream.ensuring(
          Effect.sync(() => {
            if (this.state === "open") this.exchange.abandon()
          }),
        ),
      )
    })
  }

  toJSON(): unknown {
    return {
      _id: "@effect-mobilepay/node/UndiciHttpClient/Response",
      request: this.request.toJSON(),
      status: this.status,
    }
  }
}

/** Reasons an exchange ends early, for the dispatcher (never seen by a caller). */
class Abandoned extends Error {
  override readonly name = "Abandoned"
}

/**
 * One request: its undici handler, its deadline timer, and the fiber waiting for the answer's
 * head. Lives until the whole body has arrived or the exchange is abandoned.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined
  private response: UndiciResponse | undefined
  private ended = false
  private abortWith: Error | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private sleeper: Fiber.RuntimeFiber<void> | undefined
  private resumeHead:
    | ((
        effect: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>,
      ) => void)
    | undefined
  private paused = false

  constructor(private readonly request: HttpClientRequest.HttpClientRequest) {}

  start(
    resume: (
      effect: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>,
    ) => void,
    deadline: Option.Option<Duration.Duration>,
    clock: Clock.Clock,
  ): void {
    this.resumeHead = resume
    if (Option.isNone(deadline)) return
    const timeout = deadline.value
    const millis = Duration.toMillis(timeout)
    const expire = () => this.expire(new HttpDeadline.HttpDeadlineExceeded({ timeout }))
    if (clock === liveClock) {
      if (millis <= maxTimerMillis) this.timer = setTimeout(expire, millis)
    } else {
      // Another clock (TestClock): its own sleep decides when the deadline passes.
      this.sleeper = Effect.runFork(Effect.andThen(clock.sleep(timeout), Effect.sync(expire)))
    }
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.sleeper !== undefined) this.sleeper.unsafeInterruptAsFork(FiberId.none)
    this.sleeper = undefined
  }

  private finish(): void {
    this.ended = true
    this.stopTimer()
  }

  private expire(reason: HttpDeadline.HttpDeadlineExceeded): void {
    this.timer = undefined
    this.sleeper = undefined
    this.end(reason)
  }

  // Ends the exchange early: the dispatcher drops the connection, a waiting fiber fails.
  private end(reason: Error): void {
    if (this.ended) return
    this.fail(reason)
    this.abortWith = reason
    this.controller?.abort(reason)
  }

  /** The caller no longer wants the answer (interrupted, or stopped reading). */
  abandon(): void {
    if (!this.ended) this.end(new Abandoned("the caller stopped waiting for the answer"))
  }

  // An answer nobody reads keeps its connection until the deadline (or undici's bodyTimeout)
  // ends the exchange.
  pause(): void {
    if (this.controller === undefined || this.paused) return
    this.paused = true
    this.controller.pause()
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.controller?.resume()
  }

  private fail(cause: unknown): void {
    this.finish()
    if (this.response !== undefined) {
      this.response.fail(cause)
    } else {
      this.resumeHead?.(
        Effect.fail(
          new HttpClientError.RequestError({
            request: this.request,
            reason: "Transport",
            cause,
            ...(cause instanceof HttpDeadline.HttpDeadlineExceeded
              ? { description: `no answer within ${Duration.format(cause.timeout)}` }
              : {}),
          }),
        ),
      )
    }
    this.resumeHead = undefined
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.abortWith !== undefined) controller.abort(this.abortWith)
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | Array<string> | undefined>,
  ): void {
    if (statusCode < 200 || this.ended) return // 1xx: the real head follows
    this.response = new UndiciResponse(this.request, statusCode, headers, this)
    this.resumeHead?.(Effect.succeed(this.response))
    this.resumeHead = undefined
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Uint8Array): void {
    this.response?.push(chunk)
  }

  onResponseEnd(): void {
    this.finish()
    this.response?.end()
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.ended) return
    this.fail(this.abortWith ?? error)
  }
}

/** Sends `request` through `dispatcher`, within the deadline in {@link HttpDeadline.current}. */
export const send = (
  dispatcher: Dispatcher,
  request: HttpClientRequest.HttpClientRequest,
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> =>
  Either.match(target(request), {
    onLeft: Effect.fail,
    onRight: ({ origin, path }) =>
      Effect.flatMap(outgoing(request), ({ body, headers }) =>
        Effect.withFiberRuntime<
          HttpClientResponse.HttpClientResponse,
          HttpClientError.RequestError
        >((fiber) => {
          const deadline = fiber.getFiberRef(HttpDeadline.current)
          const clock = Context.get(fiber.getFiberRef(DefaultServices.currentServices), Clock.Clock)
          return Effect.async((resume) => {
            const exchange = new Exchange(request)
            exchange.start(resume, deadline, clock)
            try {
              dispatcher.dispatch({ origin, path, method: request.method, headers, body }, exchange)
            } catch (cause) {
              exchange.onResponseError(
                undefined,
                cause instanceof Error ? cause : new Error(String(cause)),
              )
            }
            return Effect.sync(() => exchange.abandon())
          })
        }),
      ),
  })
