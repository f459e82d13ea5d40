// Checks TokenService's number options into typed errors (its durations go through core's
// DurationOption): NaN or an out-of-range number would make a renewal loop spin.
import { InvalidInput } from "@effect-mobilepay/core"
import * as Either from "effect/Either"

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
