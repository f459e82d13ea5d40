// Checks TokenService's options into typed errors (core's DurationOption): Duration.decode
// throws on garbage and quietly turns NaN or a negative number into zero, which would make a
// renewal loop spin.
import { DurationOption, InvalidInput } from "@effect-mobilepay/core"
import type * as Duration from "effect/Duration"
import * as Either from "effect/Either"

type Rule = "non-negative" | "positive"

/** `input` (or `fallback` when absent) as a Duration, or InvalidInput naming `field`. */
export const duration = (
  field: string,
  input: Duration.DurationInput | undefined,
  fallback: Duration.DurationInput,
  rule: Rule = "non-negative",
): Either.Either<Duration.Duration, InvalidInput.InvalidInput> =>
  DurationOption.decode(field, input ?? fallback, {
    allowZero: rule === "non-negative",
    allowInfinite: true,
  })

/** `input` (or `fallback`) when it is a number in `[min, max]`, else InvalidInput. */
export const number = (
  field: string,
  input: number | undefined,
  fallback: number,
  min: number,
  max: number,
): Either.Either<number, InvalidInput.InvalidInput> => {
  const value = input ?? fallback
  return typeof value === "number" && value >= min && value <= max
    ? Either.right(value)
    : Either.left(
        new InvalidInput.InvalidInput({ field, reason: `must be a number from ${min} to ${max}` }),
      )
}
