/**
 * Polling as `Stream`s: payments, refunds and check-ins, each poll waiting at least the
 * `pollDelayInMs` of the previous answer, and `await*` helpers that wait for a status.
 *
 * A poll that fails transiently (network, timeout, 5xx, once the client's own retries are
 * spent) does not end the stream: the next poll waits longer, doubling from the last delay
 * with jitter. Any other failure ends the stream with its typed error.
 *
 * @since 0.1.0
 */
import { DurationOption } from "@effect-mobilepay/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Payment from "./Payment.js"
import type * as PointOfSale from "./PointOfSale.js"
import { type CallOptions, PosClient, type PosClientError } from "./PosClient.js"
import * as Refund from "./Refund.js"

/**
 * Options of a polling loop. `timeout` (from {@link CallOptions}) is the timeout of each poll,
 * by default the client's read timeout (MobilePay's 0.5 s).
 *
 * @since 0.1.0
 * @category options
 */
export interface PollOptions extends CallOptions {
  /**
   * The longest wait after failed polls.
   * @default "10 seconds"
   */
  readonly maxFailureDelay?: Duration.DurationInput | undefined
}

/**
 * A polling loop ran out of time before the awaited status.
 *
 * @since 0.1.0
 * @category errors
 */
export class AwaitTimeout extends Schema.TaggedError<AwaitTimeout>()("AwaitTimeout", {
  /** What was awaited: `payment`, `refund` or `checkIn`. */
  resource: Schema.Literal("payment", "refund", "checkIn"),
  id: Schema.String,
  /** The last status seen, if any poll succeeded. */
  lastStatus: Schema.optional(Schema.String),
}) {
  override get message(): string {
    const last = this.lastStatus === undefined ? "" : ` (last status ${this.lastStatus})`
    return `Gave up waiting for ${this.resource} ${this.id}${last}`
  }
}

const minimumDelayMs = 50

// What a later poll may not see again: the network, MobilePay's 5xx, or the token endpoint
// being unreachable for a moment.
const isTransient = (error: PosClientError): boolean =>
  error._tag === "PosTransportError" ||
  error._tag === "PosServerError" ||
  error._tag === "TokenEndpointUnreachable" ||
  (error._tag === "TokenEndpointError" && error.status >= 500)

interface PollState {
  readonly wait: number
  readonly lastDelay: number
  readonly failures: number
}

/**
 * Polls `fetch` forever: the first poll at once, each next one after the answer's
 * `pollDelayInMs` (at least 50 ms), or after a growing delay when a poll failed transiently.
 *
 * @since 0.1.0
 * @category polling
 */
export const poll = <A extends { readonly pollDelayInMs: number }, R>(
  fetch: Effect.Effect<A, PosClientError, R>,
  options: Pick<PollOptions, "maxFailureDelay"> = {},
): Stream.Stream<A, PosClientError, R> =>
  Stream.unwrap(
    Effect.map(
      DurationOption.decode("maxFailureDelay", options.maxFailureDelay ?? "10 seconds"),
      (maxFailureDelay) => pollEvery(fetch, Duration.toMillis(maxFailureDelay)),
    ),
  )

const pollEvery = <A extends { readonly pollDelayInMs: number }, R>(
  fetch: Effect.Effect<A, PosClientError, R>,
  maxFailureDelay: number,
): Stream.Stream<A, PosClientError, R> => {
  const step = (state: PollState) =>
    Effect.gen(function* () {
      if (state.wait > 0) yield* Effect.sleep(Duration.millis(state.wait))
      const result = yield* Effect.either(fetch)
      if (result._tag === "Right") {
        // A delay below the floor (or negative) from the server still polls, at the floor.
        const delay = Math.max(minimumDelayMs, Math.ceil(result.right.pollDelayInMs))
        const next: PollState = { wait: delay, lastDelay: delay, failures: 0 }
        return Option.some([Option.some(result.right), next] as const)
      }
      if (!isTransient(result.left)) return yield* Effect.fail(result.left)
      const jitter = yield* Random.nextRange(0.8, 1.2)
      const backoff = Math.min(maxFailureDelay, state.lastDelay * 2 ** (state.failures + 1))
      const next: PollState = {
        wait: Math.round(backoff * jitter),
        lastDelay: state.lastDelay,
        failures: state.failures + 1,
      }
      return Option.some([Option.none<A>(), next] as const)
    })
  return Stream.unfoldEffect<PollState, Option.Option<A>, PosClientError, R>(
    { wait: 0, lastDelay: 200, failures: 0 },
    step,
  ).pipe(Stream.filterMap((a) => a))
}

/**
 * Every poll of a payment (`QueryPayment`), until the stream is stopped.
 *
 * @since 0.1.0
 * @category polling
 */
export const payment = (
  paymentId: string,
  options: PollOptions = {},
): Stream.Stream<Payment.QueryPaymentResponse, PosClientError, PosClient> =>
  Stream.unwrap(
    Effect.map(PosClient, (client) => poll(client.queryPayment(paymentId, options), options)),
  )

/**
 * Every poll of a refund (`GetRefund`), until the stream is stopped.
 *
 * @since 0.1.0
 * @category polling
 */
export const refund = (
  refundId: string,
  options: PollOptions = {},
): Stream.Stream<Refund.GetRefundResponse, PosClientError, PosClient> =>
  Stream.unwrap(
    Effect.map(PosClient, (client) => poll(client.getRefund(refundId, options), options)),
  )

/**
 * Every poll of a point of sale's check-in (`GetCheckIn`), until the stream is stopped.
 *
 * @since 0.1.0
 * @category polling
 */
export const checkIn = (
  posId: string,
  options: PollOptions = {},
): Stream.Stream<PointOfSale.GetCheckInResponse, PosClientError, PosClient> =>
  Stream.unwrap(Effect.map(PosClient, (client) => poll(client.getCheckIn(posId, options), options)))

/**
 * @since 0.1.0
 * @category options
 */
export interface AwaitOptions extends PollOptions {
  /**
   * Give up (with {@link AwaitTimeout}) after this long in all; `Duration.infinity` waits
   * without end. Not to be confused with `timeout`, the timeout of each poll.
   */
  readonly within: Duration.DurationInput
}

const awaitFirst = <A>(
  stream: Stream.Stream<A, PosClientError, PosClient>,
  done: (a: A) => boolean,
  status: (a: A) => string | undefined,
  timeout: AwaitTimeout,
  within: Duration.DurationInput,
): Effect.Effect<A, PosClientError | AwaitTimeout, PosClient> =>
  Effect.flatMap(DurationOption.decode("within", within, { allowInfinite: true }), (duration) =>
    Effect.suspend(() => {
      let last: string | undefined
      return stream.pipe(
        Stream.tap((a) => {
          const current = status(a)
          if (current === last) return Effect.void
          last = current
          return Effect.logDebug(`${timeout.resource} ${timeout.id}: ${current}`)
        }),
        Stream.filter(done),
        Stream.runHead,
        Effect.flatMap(Effect.orDie), // the stream is infinite: it ends only with an element
        Effect.timeoutFail({
          duration,
          onTimeout: () => new AwaitTimeout({ ...timeout, lastStatus: last }),
        }),
      )
    }),
  )

// The final statuses, from the schemas (the sale engine's V10 backend reads the same ones).
const isFinalPayment = Schema.is(Payment.FinalPaymentStatus)
const isFinalRefund = Schema.is(Refund.FinalRefundStatus)

/**
 * Polls a payment until its status is one of `statuses`, or final (a payment that can no
 * longer reach them: check `status` of the result).
 *
 * @since 0.1.0
 * @category polling
 */
export const awaitPayment = (
  paymentId: string,
  statuses: ReadonlyArray<Payment.PaymentStatus>,
  options: AwaitOptions,
) =>
  awaitFirst(
    payment(paymentId, options),
    (p) => statuses.includes(p.status) || isFinalPayment(p.status),
    (p) => p.status,
    new AwaitTimeout({ resource: "payment", id: paymentId }),
    options.within,
  )

/**
 * Polls a refund until its status is one of `statuses`, or final.
 *
 * @since 0.1.0
 * @category polling
 */
export const awaitRefund = (
  refundId: string,
  statuses: ReadonlyArray<Refund.RefundStatus>,
  options: AwaitOptions,
) =>
  awaitFirst(
    refund(refundId, options),
    (r) => statuses.includes(r.status) || isFinalRefund(r.status),
    (r) => r.status,
    new AwaitTimeout({ resource: "refund", id: refundId }),
    options.within,
  )

/**
 * Polls a point of sale until a customer is checked in.
 *
 * @since 0.1.0
 * @category polling
 */
export const awaitCheckIn = (posId: string, options: AwaitOptions) =>
  awaitFirst(
    checkIn(posId, options),
    (c) => c.isUserCheckedIn,
    (c) => (c.isUserCheckedIn ? "CheckedIn" : "NotCheckedIn"),
    new AwaitTimeout({ resource: "checkIn", id: posId }),
    options.within,
  )
