// Checks TokenService's options into typed errors: Duration.decode throws on garbage and
// quietly turns NaN or a negative number into zero, which would make a renewal loop spin.
// A local check until core has a shared one for every package's duration options.
import { InvalidInput } from "@effect-mobilepay/core"
import { Duration, Either } from "effect"

type Rule = "non-negative" | "positive"

const invalid = (field: string, rule: Rule) =>
  new InvalidInput.InvalidInput({
    field,
    reason: `must be a ${rule} duration, e.g. "30 seconds" or a number of milliseconds`,
  })

// The parts of an input that Duration.decode would clamp or reject without saying so.
const isWellFormed = (input: Duration.DurationInput): boolean => {
  if (typeof input === "number") return !Number.isNaN(input) && input >= 0
  if (typeof input === "bigint") return input >= 0n
  if (typeof input === "string") return /^\d+(\.\d+)?\s+[a-z]+$/.test(input.trim())
  if (Array.isArray(input)) {
    return input.every((part) => Number.isFinite(part) && part >= 0)
  }
  return Duration.isDuration(input)
}

/** `input` (or `fallback` when absent) as a Duration, or InvalidInput naming `field`. */
export const duration = (
  field: string,
  input: Duration.DurationInput | undefined,
  fallback: Duration.DurationInput,
  rule: Rule = "non-negative",
): Either.Either<Duration.Duration, InvalidInput.InvalidInput> => {
  const value = input ?? fallback
  if (!isWellFormed(value)) return Either.left(invalid(field, rule))
  return Either.try({
    try: () => Duration.decode(value),
    catch: () => invalid(field, rule),
  }).pipe(
    Either.filterOrLeft(
      (decoded) => rule === "non-negative" || Duration.greaterThan(decoded, Duration.zero),
      () => invalid(field, rule),
    ),
  )
}

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
