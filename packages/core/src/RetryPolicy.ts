/**
 * MobilePay's retry rules as `Schedule`s, shared by the token request and every PoS call:
 * retry only transient failures (network errors, timeouts, 5xx, 429), 2 retries by default,
 * never more than 5, exponential backoff with jitter, and never sooner than the server asks.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as DurationOption from "./DurationOption.js"
import { InvalidInput } from "./InvalidInput.js"

/**
 * The most retries MobilePay allows (6 attempts in all). Configuration cannot exceed it.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxRetries = 5

/**
 * How a failed attempt is retried.
 *
 * @since 0.1.0
 * @category models
 */
export class RetryPolicy extends Data.Class<{
  /** Retries after the first attempt, between 0 and {@link maxRetries}. */
  readonly retries: number
  /** The first backoff delay; each further one doubles, before jitter. */
  readonly baseDelay: Duration.Duration
  /** No backoff delay (before jitter) is longer than this. */
  readonly maxDelay: Duration.Duration
  /** A `Retry-After` longer than this ends the retries instead of waiting. */
  readonly maxRetryAfter: Duration.Duration
}> {}

/**
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  /**
   * Retries after the first attempt; clamped to 0–{@link maxRetries}.
   * @default 2
   */
  readonly retries?: number | undefined
  /** @default "200 millis" */
  readonly baseDelay?: Duration.DurationInput | undefined
  /** @default "5 seconds" */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** @default "30 seconds" */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
}

/**
 * Builds a {@link RetryPolicy}, filling in MobilePay's suggested defaults and holding the
 * retry count within what MobilePay allows, or fails with {@link InvalidInput} naming the
 * option that is not a number of retries or not a finite, non-negative duration. Use it for
 * options that come from outside the program (configuration, a request).
 *
 * @since 0.2.0
 * @category constructors
 */
export const decode = (options: RetryOptions = {}): Either.Either<RetryPolicy, InvalidInput> =>
  Either.gen(function* () {
    const retries = options.retries === undefined ? 2 : options.retries
    if (typeof retries !== "number" || Number.isNaN(retries)) {
      return yield* Either.left(
        new InvalidInput({ field: "retries", reason: "must be a number of retries" }),
      )
    }
    return new RetryPolicy({
      retries: Math.max(0, Math.min(maxRetries, Math.floor(retries))),
      baseDelay: yield* DurationOption.delay("baseDelay", options.baseDelay, "200 millis"),
      maxDelay: yield* DurationOption.delay("maxDelay", options.maxDelay, "5 seconds"),
      maxRetryAfter: yield* DurationOption.delay(
        "maxRetryAfter",
        options.maxRetryAfter,
        "30 seconds",
      ),
    })
  })

/**
 * Builds a {@link RetryPolicy} from options written in the program, like {@link decode}.
 * Options that {@link decode} refuses throw its {@link InvalidInput}: never pass values from
 * outside here.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: RetryOptions = {}): RetryPolicy =>
  Either.getOrThrowWith(decode(options), (invalid) => invalid)

/**
 * MobilePay's suggestion: 2 retries, exponential backoff from 200 ms with jitter.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultPolicy: RetryPolicy = make()

/**
 * What to do with a failure: `Option.none()` when it is permanent (never retried), or the
 * least delay before the next attempt (`Duration.zero` unless the server sent `Retry-After`).
 *
 * @since 0.1.0
 * @category models
 */
export type Transience = Option.Option<Duration.Duration>

/**
 * The schedule for `Effect.retry`: stops at the first permanent failure or when the retries
 * are spent; otherwise waits the jittered exponential backoff, or the server's `Retry-After`
 * when that is longer.
 *
 * @since 0.1.0
 * @category schedules
 */
export const schedule = <E>(
  policy: RetryPolicy,
  transience: (error: E) => Transience,
): Schedule.Schedule<unknown, E> => {
  const decide = (error: E): Transience =>
    Option.filter(transience(error), (wait) =>
      Duration.lessThanOrEqualTo(wait, policy.maxRetryAfter),
    )
  const backoff = Schedule.exponential(policy.baseDelay, 2).pipe(
    Schedule.modifyDelay((_, delay) => Duration.min(delay, policy.maxDelay)),
    Schedule.jittered,
  )
  return Schedule.identity<E>().pipe(
    Schedule.whileInput((error: E) => Option.isSome(decide(error))),
    Schedule.intersect(backoff),
    Schedule.intersect(Schedule.recurs(policy.retries)),
    Schedule.modifyDelay(([[error]], delay) =>
      Option.match(decide(error), {
        onNone: () => delay,
        onSome: (wait) => Duration.max(delay, wait),
      }),
    ),
  )
}
