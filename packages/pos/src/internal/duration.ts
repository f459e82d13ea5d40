// Duration options checked into typed errors before anything is sent: `Duration.decode`
// throws on garbage, and NaN, negative or zero waits make no sense for a timeout or a delay.
import { InvalidInput } from "@effect-mobilepay/core"
import { Duration, Effect, Option } from "effect"

/**
 * A positive duration, rounded up to whole milliseconds; `infinite` allows `Duration.infinity`
 * (a wait without end).
 */
export const positiveDuration = (
  field: string,
  input: Duration.DurationInput,
  options: { readonly infinite?: boolean } = {},
): Effect.Effect<Duration.Duration, InvalidInput.InvalidInput> => {
  const refuse = (reason: string) => Effect.fail(new InvalidInput.InvalidInput({ field, reason }))
  // A bare number is milliseconds; Duration.decode would quietly turn NaN and -1 into zero.
  if (typeof input === "number" && Number.isNaN(input)) return refuse("not a number")
  if (typeof input === "number" && input < 0) return refuse("must be positive")
  const decoded = Duration.decodeUnknown(input)
  if (Option.isNone(decoded)) return refuse("not a duration")
  const duration = decoded.value
  if (!Duration.isFinite(duration)) {
    return options.infinite === true ? Effect.succeed(duration) : refuse("must be finite")
  }
  const millis = Duration.toMillis(duration)
  if (Number.isNaN(millis)) return refuse("not a number")
  if (millis <= 0) return refuse("must be positive")
  // Whole milliseconds: a deadline a fraction of a millisecond away can spin a TestClock loop.
  return Effect.succeed(Duration.millis(Math.ceil(millis)))
}

/** Like {@link positiveDuration}, for an option that may be absent (`undefined` stays so). */
export const optionalPositiveDuration = (
  field: string,
  input: Duration.DurationInput | undefined,
  options: { readonly infinite?: boolean } = {},
): Effect.Effect<Duration.Duration | undefined, InvalidInput.InvalidInput> =>
  input === undefined ? Effect.succeed(undefined) : positiveDuration(field, input, options)
