/**
 * The error for a value that MobilePay would reject, caught before any request leaves the
 * process.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
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
 * The first problem of a failed decoding: the dotted path of the offending field (empty for
 * the value itself) and what is wrong with it. A value nested too deeply to describe (the
 * formatters quote it recursively and would overflow the stack) is refused all the same, with
 * a message that does not quote it. The one reading of a `ParseError` every client's
 * `InvalidInput` and decode errors use.
 *
 * @since 0.2.0
 * @category decoding
 */
export const firstIssue = (
  error: ParseResult.ParseError,
): { readonly path: string; readonly message: string } => {
  try {
    const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
    return issue === undefined
      ? { path: "", message: ParseResult.TreeFormatter.formatErrorSync(error) }
      : { path: issue.path.map(String).join("."), message: issue.message }
  } catch {
    return { path: "", message: "is not valid (it nests too deeply to describe)" }
  }
}

/**
 * The options of {@link decoder}.
 *
 * @since 0.2.0
 * @category decoding
 */
export interface DecoderOptions {
  /**
   * What a field the schema does not know does: `"ignore"` drops it (it is never sent),
   * `"error"` refuses the input, naming it (for APIs that reject unknown fields).
   * @default "ignore"
   */
  readonly onExcessProperty?: "ignore" | "error" | undefined
}

/**
 * The one way a caller's input is checked before anything is sent: decodes the schema's
 * encoded side into checked values, or fails with {@link InvalidInput} whose `field` is the
 * path of the first offending field (`customer.phoneNumber`), or `name` for a problem with the
 * value as a whole (a single value such as a path's `reference`). Runs synchronously; the
 * `Either` it returns is also an `Effect`.
 *
 * Never use it on a secret: the reason quotes the offending value.
 *
 * @since 0.2.0
 * @category decoding
 */
export const decoder = <A, I>(
  schema: Schema.Schema<A, I>,
  name: string,
  options?: DecoderOptions,
) => {
  const decode = Schema.decodeUnknownEither(schema, {
    errors: "first",
    onExcessProperty: options?.onExcessProperty ?? "ignore",
  })
  return (input: unknown): Either.Either<A, InvalidInput> =>
    Either.mapLeft(decode(input), (error) => {
      const { path, message } = firstIssue(error)
      return new InvalidInput({ field: path === "" ? name : path, reason: message })
    })
}

/**
 * Decodes `value` with `schema`, failing with {@link InvalidInput} naming `field` (or the path
 * of the first offending field inside it): {@link decoder}, as an `Effect`.
 *
 * Never use it on a secret: the reason quotes the offending value.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeInput = <A, I>(
  schema: Schema.Schema<A, I>,
  field: string,
): ((value: unknown) => Effect.Effect<A, InvalidInput>) => decoder(schema, field)
