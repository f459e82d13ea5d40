/**
 * Turning a caller's `Duration.DurationInput` option (a timeout, a delay) into a `Duration`, or
 * into an {@link InvalidInput} naming the option. `Duration.decode` alone throws on an
 * unparsable string and quietly reads NaN or a negative number as 0, which for a timeout means
 * "give up at once": every option is checked here instead, before anything is sent.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import { InvalidInput } from "./InvalidInput.js"

/**
 * What a duration option may be.
 *
 * @since 0.2.0
 * @category models
 */
export interface Bounds {
  /**
   * `true` when 0 is a meaningful value (a delay of 0: no wait); a timeout of 0 would give up
   * before anything could answer, so it is refused by default.
   * @default false
   */
  readonly allowZero?: boolean | undefined
  /**
   * `true` when `Duration.infinity` (or `Infinity`) means something (e.g. never expire).
   * @default false
   */
  readonly allowInfinite?: boolean | undefined
}

// A negative number written in a string ("-5 seconds") is clamped to 0 by Duration.decode.
const negativeText = /^\s*-/

const rawProblem = (input: unknown): string | undefined => {
  if (typeof input === "number") {
    if (Number.isNaN(input)) return "must be a number of milliseconds, not NaN"
    if (input < 0) return "must not be negative"
    return undefined
  }
  if (typeof input === "bigint") return input < 0n ? "must not be negative" : undefined
  if (typeof input === "string") {
    return negativeText.test(input) ? "must not be negative" : undefined
  }
  if (Array.isArray(input)) {
    return input.every((part) => typeof part === "number" && Number.isFinite(part) && part >= 0)
      ? undefined
      : "must be [seconds, nanos] with two finite, non-negative numbers"
  }
  return undefined
}

/**
 * Reads `input` as a duration within `bounds`, rounded up to whole milliseconds, or fails with
 * {@link InvalidInput} for `field`: NaN, negative values, unparsable strings (e.g. `"soon"`,
 * `"5 secs"`), 0 unless `allowZero`, and an infinite duration unless `allowInfinite`. The result is an `Either`, so it
 * works in plain code and can be `yield*`ed in `Effect.gen`.
 *
 * @since 0.2.0
 * @category decoding
 */
export const decode = (
  field: string,
  input: unknown,
  bounds: Bounds = {},
): Either.Either<Duration.Duration, InvalidInput> => {
  const invalid = (reason: string) => Either.left(new InvalidInput({ field, reason }))
  const problem = rawProblem(input)
  if (problem !== undefined) return invalid(problem)
  const decoded = Duration.decodeUnknown(input)
  if (decoded._tag === "None") {
    return invalid(
      'must be a Duration, a number of milliseconds or a string such as "500 millis" or "2 seconds"',
    )
  }
  const duration = decoded.value
  if (!Duration.isFinite(duration) && bounds.allowInfinite !== true) {
    return invalid("must be finite")
  }
  if (Duration.isZero(duration) && bounds.allowZero !== true) {
    return invalid("must be longer than 0")
  }
  return Either.right(wholeMillis(duration))
}

// Deadlines and delays are whole milliseconds (rounded up): a deadline a fraction of a
// millisecond away can spin a TestClock loop, and timers have no finer grain anyway.
const wholeMillis = (duration: Duration.Duration): Duration.Duration =>
  Duration.isFinite(duration) ? Duration.millis(Math.ceil(Duration.toMillis(duration))) : duration

/**
 * A timeout: finite and longer than 0. `input` undefined gives `fallback` (which is trusted).
 *
 * @since 0.2.0
 * @category decoding
 */
export const timeout = (
  field: string,
  input: Duration.DurationInput | undefined,
  fallback: Duration.DurationInput,
): Either.Either<Duration.Duration, InvalidInput> =>
  input === undefined ? Either.right(Duration.decode(fallback)) : decode(field, input)

/**
 * A delay: finite, 0 allowed. `input` undefined gives `fallback` (which is trusted).
 *
 * @since 0.2.0
 * @category decoding
 */
export const delay = (
  field: string,
  input: Duration.DurationInput | undefined,
  fallback: Duration.DurationInput,
): Either.Either<Duration.Duration, InvalidInput> =>
  input === undefined
    ? Either.right(Duration.decode(fallback))
    : decode(field, input, { allowZero: true })
