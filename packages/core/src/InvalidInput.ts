/**
 * The error for a value that MobilePay would reject, caught before any request leaves the
 * process.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * A value does not have the format MobilePay requires (a malformed VAT number, an order id over
 * 36 characters, an invalid character, a negative amount, ...). Nothing was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  /** The name of the offending field, e.g. `merchantVat` or `orderId`. */
  field: Schema.String,
  /** Why the value was refused. */
  reason: Schema.String,
}) {
  override get message(): string {
    return `Invalid ${this.field}: ${this.reason}`
  }
}

/**
 * Decodes `value` with `schema`, failing with {@link InvalidInput} naming `field`.
 *
 * Never use it on a secret: the reason quotes the offending value.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeInput =
  <A, I>(schema: Schema.Schema<A, I>, field: string) =>
  (value: unknown): Effect.Effect<A, InvalidInput> =>
    Schema.decodeUnknown(schema)(value).pipe(
      Effect.mapError((error) => new InvalidInput({ field, reason: describe(error) })),
    )

// Formatting quotes the offending value, recursively: one nested thousands deep overflows the
// stack. The value is refused all the same, with a reason that does not quote it.
const describe = (error: ParseResult.ParseError): string => {
  try {
    return ParseResult.TreeFormatter.formatErrorSync(error)
  } catch {
    return "is not valid (it nests too deeply to describe)"
  }
}
