/**
 * The receiving end of Vipps MobilePay webhooks: a route handler a program mounts in its own
 * `@effect/platform` server, which verifies each delivery's signature before it reads any JSON,
 * drops duplicates, and answers `2xx` only once the event is stored (in a bounded queue, or by
 * the program's own handler), so that a delivery it could not keep is retried by the platform.
 *
 * ```ts
 * const receiver = yield* WebhookReceiver.WebhookReceiver
 * const router = HttpRouter.empty.pipe(HttpRouter.post("/hooks/vipps", receiver.handler))
 * yield* Stream.runForEach(receiver.events, (event) => ...)
 * ```
 *
 * @since 0.2.0
 */
import * as DurationOption from "@effect-mobilepay/core/DurationOption"
import { InvalidInput } from "@effect-mobilepay/core/InvalidInput"
import * as Untrusted from "@effect-mobilepay/core/Untrusted"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as WebhookEvent from "./WebhookEvent.js"
import * as WebhookSignature from "./WebhookSignature.js"

/**
 * @since 0.2.0
 * @category models
 */
export declare namespace WebhookReceiver {
  /**
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /**
     * The route handler to mount at the registered URL's path (`HttpRouter.post(path,
     * receiver.handler)`). It answers `200` to a kept or duplicate event, `401` to a delivery
     * whose signature does not verify, `400` to a signed body that is not JSON, `405` to
     * anything but `POST`, `413` to a body whose `Content-Length` is over the limit (a chunked
     * one is read up to the limit, then its connection is dropped unanswered), and `500`/`503`
     * when the event could not be kept (the platform delivers it again later).
     */
    readonly handler: Effect.Effect<
      HttpServerResponse.HttpServerResponse,
      never,
      HttpServerRequest.HttpServerRequest
    >
    /**
     * Every kept event once, in the order kept, taken from the bounded queue: meant for one
     * consumer. Empty when the `store` option keeps the events instead.
     */
    readonly events: Stream.Stream<WebhookEvent.WebhookEvent>
    /**
     * Subscribes at once (so nothing kept after this returns is missed, e.g. when subscribing
     * before creating the payment) to the events of one payment, by `reference`, until the scope
     * closes. Any number of these may run beside {@link Service.events}; one that falls more
     * than 1024 events behind loses the oldest.
     */
    readonly watchPayment: (
      reference: string,
    ) => Effect.Effect<Stream.Stream<WebhookEvent.PaymentEvent>, never, Scope.Scope>
    /**
     * Takes the check-in at the callback QR `merchantQrId` that a payment is to go to: the
     * latest one kept within `maxAge` (a check-in's `customerToken` is valid 15 minutes) that
     * nothing took yet, or else the next one to arrive. Each check-in is taken once, so a till's
     * next sale waits for the next customer. Any number of these may wait beside
     * {@link Service.events}.
     */
    readonly takeCheckIn: (
      merchantQrId: string,
      maxAge?: Duration.DurationInput,
    ) => Effect.Effect<WebhookEvent.CheckedIn>
  }
}

/**
 * A verifying webhook receiver for one registered URL.
 *
 * @since 0.2.0
 * @category tags
 */
export class WebhookReceiver extends Context.Tag("@effect-mobilepay/epayment/WebhookReceiver")<
  WebhookReceiver,
  WebhookReceiver.Service
>() {}

/**
 * @since 0.2.0
 * @category options
 */
export interface Options extends WebhookSignature.Options {
  /**
   * Where events are kept instead of the queue, e.g. a database write: the delivery is answered
   * `2xx` only after it succeeds, and `500` (to be delivered again) when it fails. It may see
   * an event again after a failure or a timeout (the store may have happened): make it
   * idempotent, e.g. keyed by `WebhookEvent.deduplicationKey`.
   * @default undefined (the bounded queue read by `events`)
   */
  readonly store?: ((event: WebhookEvent.WebhookEvent) => Effect.Effect<void, unknown>) | undefined
  /**
   * How many kept events the queue holds before deliveries wait for room.
   * @default 1024
   */
  readonly queueCapacity?: number | undefined
  /**
   * How long a delivery waits for room in the queue, or for `store`, before it is
   * answered `503`; the platform gives up on an answer after 10 seconds.
   * @default "5 seconds"
   */
  readonly acceptTimeout?: Duration.DurationInput | undefined
  /**
   * How many events' keys are remembered to drop their duplicates; the oldest are forgotten
   * first.
   * @default 10000
   */
  readonly deduplicationCapacity?: number | undefined
  /**
   * The largest body read, in bytes (events are well under 1 KiB).
   * @default 65536
   */
  readonly maxBodyBytes?: number | undefined
}

interface BodyRead {
  readonly size: number
  readonly chunks: Chunk.Chunk<Uint8Array>
}

interface Seen {
  readonly kept: Deferred.Deferred<boolean>
  settled: boolean
}

const answer = (status: number) => HttpServerResponse.empty({ status })

const positiveCount = (
  field: string,
  input: number | undefined,
  fallback: number,
): Either.Either<number, InvalidInput> =>
  input === undefined || (Number.isSafeInteger(input) && input > 0)
    ? Either.right(input ?? fallback)
    : Either.left(new InvalidInput({ field, reason: "must be a positive whole number" }))

/**
 * Builds a receiver: an {@link InvalidInput} when the URL, a secret or a limit is not usable.
 * The queue is shut down when the scope closes.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<WebhookReceiver.Service, InvalidInput, Scope.Scope> =>
  Effect.gen(function* () {
    const verifier = yield* WebhookSignature.make(options)
    const queueCapacity = yield* positiveCount("queueCapacity", options.queueCapacity, 1024)
    const deduplicationCapacity = yield* positiveCount(
      "deduplicationCapacity",
      options.deduplicationCapacity,
      10_000,
    )
    const maxBodyBytes = yield* Untrusted.byteLimit("maxBodyBytes", options.maxBodyBytes, 65_536)
    const acceptTimeout = yield* DurationOption.decode(
      "acceptTimeout",
      options.acceptTimeout ?? "5 seconds",
    )
    const queue = yield* Effect.acquireRelease(
      Queue.bounded<WebhookEvent.WebhookEvent>(queueCapacity),
      Queue.shutdown,
    )
    const watchers = yield* Effect.acquireRelease(
      PubSub.sliding<WebhookEvent.WebhookEvent>(1024),
      PubSub.shutdown,
    )
    // The latest check-in at each callback QR that no payment took yet.
    const untaken = yield* Ref.make<ReadonlyMap<string, WebhookEvent.CheckedIn>>(new Map())
    // Insertion-ordered, so the first settled entry is the oldest to forget.
    const seen = new Map<string, Seen>()

    const forgetOldest = () => {
      if (seen.size <= deduplicationCapacity) return
      for (const [key, entry] of seen) {
        if (entry.settled) {
          seen.delete(key)
          return
        }
      }
    }

    const keep = (event: WebhookEvent.WebhookEvent): Effect.Effect<void, "Full" | "Failed"> => {
      const store = options.store
      const stored =
        store === undefined
          ? Effect.flatMap(Queue.offer(queue, event), (offered) =>
              offered ? Effect.void : Effect.fail("Full" as const),
            )
          : Effect.catchAllCause(store(event), (cause) =>
              Effect.logError(
                "Storing a webhook event failed; it will be delivered again",
                cause,
              ).pipe(Effect.zipRight(Effect.fail("Failed" as const))),
            )
      // Interruptible even inside the server's uninterruptible handler, so that the deadline
      // can cut a wait for room (or a slow store) short.
      return Effect.interruptible(stored).pipe(
        Effect.timeoutFail({ duration: acceptTimeout, onTimeout: () => "Full" as const }),
      )
    }

    const readBody = (
      request: HttpServerRequest.HttpServerRequest,
    ): Effect.Effect<Uint8Array, "TooLarge" | "Unreadable"> => {
      const declared = Number(request.headers["content-length"] ?? Number.NaN)
      if (Number.isFinite(declared) && declared > maxBodyBytes) {
        return Effect.fail("TooLarge" as const)
      }
      const initial: BodyRead = { size: 0, chunks: Chunk.empty() }
      const step = (read: BodyRead, chunk: Uint8Array): Effect.Effect<BodyRead, "TooLarge"> =>
        read.size + chunk.length > maxBodyBytes
          ? Effect.fail("TooLarge" as const)
          : Effect.succeed({
              size: read.size + chunk.length,
              chunks: Chunk.append(read.chunks, chunk),
            })
      return Stream.runFoldEffect(
        Stream.mapError(request.stream, () => "Unreadable" as const),
        initial,
        step,
      ).pipe(
        Effect.map(({ size, chunks }) => {
          const bytes = new Uint8Array(size)
          let offset = 0
          for (const chunk of chunks) {
            bytes.set(chunk, offset)
            offset += chunk.length
          }
          return bytes
        }),
      )
    }

    const decoder = new TextDecoder("utf-8", { fatal: true })
    const parse = (bytes: Uint8Array): Option.Option<unknown> => {
      try {
        return Untrusted.parseJson(decoder.decode(bytes))
      } catch {
        return Option.none()
      }
    }

    // The bookkeeping is never cut short, wherever the handler runs (@effect/platform's server
    // runs it uninterruptibly, a program's own code may not); the waits can be, and a keep cut
    // short counts as not kept.
    const accept = (event: WebhookEvent.WebhookEvent, key: string) =>
      Effect.uninterruptible(
        Effect.gen(function* () {
          const earlier = seen.get(key)
          if (earlier !== undefined) {
            // A duplicate answers as its first delivery did (or will): kept, or to be retried.
            return (yield* Effect.interruptible(Deferred.await(earlier.kept)))
              ? answer(200)
              : answer(503)
          }
          const entry: Seen = { kept: yield* Deferred.make<boolean>(), settled: false }
          seen.set(key, entry)
          const outcome = yield* Effect.exit(keep(event))
          if (outcome._tag === "Failure") {
            seen.delete(key)
            yield* Deferred.succeed(entry.kept, false)
            const failed = Option.getOrUndefined(Cause.failureOption(outcome.cause))
            return answer(failed === "Failed" ? 500 : 503)
          }
          entry.settled = true
          forgetOldest()
          yield* Deferred.succeed(entry.kept, true)
          if (event._tag === "CheckedIn") {
            yield* Ref.update(untaken, (map) => new Map(map).set(event.merchantQrId, event))
          }
          yield* PubSub.publish(watchers, event)
          return answer(200)
        }),
      )

    const handler = Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (request.method !== "POST") return answer(405)
      const body = yield* Effect.either(readBody(request))
      if (Either.isLeft(body)) {
        yield* Effect.logWarning("Webhook delivery refused").pipe(
          Effect.annotateLogs("reason", body.left),
        )
        return answer(body.left === "TooLarge" ? 413 : 400)
      }
      const verified = yield* Effect.either(
        verifier.verify({ body: body.right, headers: request.headers }),
      )
      if (Either.isLeft(verified)) {
        // Logged once, by reason only: the platform retries a 4xx, and a flood of forgeries
        // should not fill the log with what they sent.
        yield* Effect.logWarning("Webhook delivery rejected: its signature does not verify").pipe(
          Effect.annotateLogs({
            reason: verified.left.reason,
            ...(verified.left.header === undefined ? {} : { header: verified.left.header }),
          }),
        )
        return answer(401)
      }
      const json = parse(body.right)
      if (Option.isNone(json)) {
        yield* Effect.logWarning("Webhook delivery refused: its signed body is not JSON")
        return answer(400)
      }
      const event = WebhookEvent.fromJson(json.value)
      const contentHash = request.headers["x-ms-content-sha256"] ?? ""
      return yield* accept(event, WebhookEvent.deduplicationKey(event, contentHash))
    })

    const watchPayment = (reference: string) =>
      Effect.map(PubSub.subscribe(watchers), (subscription) =>
        Stream.fromQueue(subscription).pipe(
          Stream.filter(
            (event): event is WebhookEvent.PaymentEvent =>
              event._tag === "PaymentEvent" && event.reference === reference,
          ),
        ),
      )

    // Takes the untaken check-in at `merchantQrId` if it is recent enough.
    const takeUntaken = (merchantQrId: string, maxAge: Duration.Duration) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.modify(
          untaken,
          (
            map,
          ): readonly [
            Option.Option<WebhookEvent.CheckedIn>,
            ReadonlyMap<string, WebhookEvent.CheckedIn>,
          ] => {
            const checkIn = map.get(merchantQrId)
            if (checkIn === undefined) return [Option.none(), map]
            const rest = new Map(map)
            rest.delete(merchantQrId)
            const age = now - DateTime.toEpochMillis(checkIn.initiatedAt)
            return age < Duration.toMillis(maxAge)
              ? [Option.some(checkIn), rest]
              : [Option.none(), rest]
          },
        ),
      )

    const takeCheckIn = (merchantQrId: string, maxAge: Duration.DurationInput = "15 minutes") =>
      Effect.scoped(
        Effect.gen(function* () {
          const within = Duration.decode(maxAge)
          // Subscribed before looking, so a check-in kept in between is not missed.
          const subscription = yield* PubSub.subscribe(watchers)
          const arrivals = Stream.fromQueue(subscription).pipe(
            Stream.filter(
              (event) => event._tag === "CheckedIn" && event.merchantQrId === merchantQrId,
            ),
          )
          const first = yield* takeUntaken(merchantQrId, within)
          if (Option.isSome(first)) return first.value
          // Each arrival is the untaken one until someone takes it: whoever does first wins.
          const taken = yield* Stream.runHead(
            arrivals.pipe(
              Stream.mapEffect(() => takeUntaken(merchantQrId, within)),
              Stream.filterMap((checkIn) => checkIn),
            ),
          )
          return yield* Option.match(taken, {
            onNone: () => Effect.interrupt,
            onSome: Effect.succeed,
          })
        }),
      )

    return WebhookReceiver.of({
      handler,
      events: Stream.fromQueue(queue),
      watchPayment,
      takeCheckIn,
    })
  })

/**
 * A layer with a receiver built from `options`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<WebhookReceiver, InvalidInput> =>
  Layer.scoped(WebhookReceiver, make(options))

/**
 * A layer with a receiver whose URL and secret come from the configuration:
 * `VIPPS_MOBILEPAY_WEBHOOK_URL` and `VIPPS_MOBILEPAY_WEBHOOK_SECRET` (read `Redacted`), and,
 * during a switch to a new registration, `VIPPS_MOBILEPAY_WEBHOOK_PREVIOUS_SECRET`.
 *
 * @example
 * ```ts
 * import { WebhookReceiver } from "@effect-mobilepay/epayment"
 * import { HttpRouter } from "@effect/platform"
 * import { Effect, Stream } from "effect"
 *
 * // Mount the handler at the registered URL's path; consume the verified events.
 * const routes = HttpRouter.empty.pipe(
 *   HttpRouter.post(
 *     "/webhooks/vipps",
 *     Effect.flatMap(WebhookReceiver.WebhookReceiver, (receiver) => receiver.handler),
 *   ),
 * )
 *
 * const logEvents = Effect.flatMap(WebhookReceiver.WebhookReceiver, (receiver) =>
 *   Stream.runForEach(receiver.events, (event) => Effect.logInfo(event._tag)),
 * )
 *
 * const program = logEvents.pipe(Effect.provide(WebhookReceiver.layerConfig()))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<Options, "url" | "secrets"> = {},
): Layer.Layer<WebhookReceiver, InvalidInput | ConfigError.ConfigError> =>
  Layer.scoped(
    WebhookReceiver,
    Effect.gen(function* () {
      const url = yield* Config.string("VIPPS_MOBILEPAY_WEBHOOK_URL")
      // Read as strings and wrapped at once, not with `Config.redacted`: that redacts its errors
      // too, and "missing" would read as "<redacted>" (a string's errors never quote it).
      const secret = yield* Config.nonEmptyString("VIPPS_MOBILEPAY_WEBHOOK_SECRET").pipe(
        Config.map(Redacted.make),
      )
      const previous = yield* Config.option(
        Config.nonEmptyString("VIPPS_MOBILEPAY_WEBHOOK_PREVIOUS_SECRET").pipe(
          Config.map(Redacted.make),
        ),
      )
      const secrets: ReadonlyArray<Redacted.Redacted<string>> = Option.match(previous, {
        onNone: () => [secret],
        onSome: (older) => [secret, older],
      })
      return yield* make({ ...options, url, secrets })
    }),
  )
