// Duration options checked into typed errors before anything is sent (core's DurationOption),
// and made whole milliseconds: a deadline a fraction of a millisecond away can spin a TestClock
// loop.
import { DurationOption, type InvalidInput } from "@effect-mobilepay/core"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"

const wholeMillis = (duration: Duration.Duration): Duration.Duration =>
  Duration.isFinite(duration) ? Duration.millis(Math.ceil(Duration.toMillis(duration))) : duration

/** A positive duration; `infinite` allows `Duration.infinity` (a wait without end). */
export const positiveDuration = (
  field: string,
  input: Duration.DurationInput,
  options: { readonly infinite?: boolean } = {},
): Either.Either<Duration.Duration, InvalidInput.InvalidInput> =>
  Either.map(DurationOption.decode(field, input, { allowInfinite: options.infinite }), wholeMillis)

/** Like {@link positiveDuration}, for an option that may be absent (`undefined` stays so). */
export const optionalPositiveDuration = (
  field: string,
  input: Duration.DurationInput | undefined,
  options: { readonly infinite?: boolean } = {},
): Either.Either<Duration.Duration | undefined, InvalidInput.InvalidInput> =>
  input === undefined ? Either.right(undefined) : positiveDuration(field, input, options)
