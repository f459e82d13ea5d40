// Kept only for internal/sale.ts, which another change is rewriting: the rule is core's
// DurationOption.decode (positive, whole milliseconds); once sale.ts calls it directly, this
// file goes.
import { DurationOption, type InvalidInput } from "@effect-mobilepay/core"
import type * as Duration from "effect/Duration"
import * as Either from "effect/Either"

/** A positive duration; `infinite` allows `Duration.infinity` (a wait without end). */
export const positiveDuration = (
  field: string,
  input: Duration.DurationInput,
  options: { readonly infinite?: boolean } = {},
): Either.Either<Duration.Duration, InvalidInput.InvalidInput> =>
  DurationOption.decode(field, input, { allowInfinite: options.infinite })

/** Like {@link positiveDuration}, for an option that may be absent (`undefined` stays so). */
export const optionalPositiveDuration = (
  field: string,
  input: Duration.DurationInput | undefined,
  options: { readonly infinite?: boolean } = {},
): Either.Either<Duration.Duration | undefined, InvalidInput.InvalidInput> =>
  input === undefined ? Either.right(undefined) : positiveDuration(field, input, options)
