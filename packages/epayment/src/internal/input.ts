/**
 * Checking a caller's input before anything is sent.
 *
 * @internal
 */
import { InvalidInput } from "@effect-mobilepay/core"
import * as Either from "effect/Either"
import type * as AST from "effect/SchemaAST"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

// The API rejects unknown request fields, so a caller's extra field is refused here, named,
// rather than dropped in silence or sent.
const strict: AST.ParseOptions = { errors: "first", onExcessProperty: "error" }

const firstIssue = (error: ParseResult.ParseError): { path: string; message: string } => {
  try {
    const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
    return issue === undefined
      ? { path: "", message: ParseResult.TreeFormatter.formatErrorSync(error) }
      : { path: issue.path.map(String).join("."), message: issue.message }
  } catch {
    // Formatting quotes the value recursively: one nested thousands deep overflows the stack.
    return { path: "", message: "is not valid (it nests too deeply to describe)" }
  }
}

/**
 * The decoder of a caller's plain input (the schema's encoded side) into checked values: the
 * one way every input of this package is checked. It fails with `InvalidInput` whose `field`
 * is the path of the first offending field (`customer.phoneNumber`), or `name` for a problem
 * with the value as a whole (a single value such as a path's `reference`).
 */
export const decoder = <A, I>(schema: Schema.Schema<A, I>, name: string) => {
  const decode = Schema.decodeUnknownEither(schema, strict)
  return (input: unknown): Either.Either<A, InvalidInput.InvalidInput> =>
    Either.mapLeft(decode(input), (error) => {
      const { path, message } = firstIssue(error)
      return new InvalidInput.InvalidInput({
        field: path === "" ? name : path,
        reason: message,
      })
    })
}

/** Like {@link decoder}, for an input that may be absent (`undefined` stays so). */
export const optionalDecoder = <A, I>(schema: Schema.Schema<A, I>, name: string) => {
  const decode = decoder(schema, name)
  return (input: unknown): Either.Either<A | undefined, InvalidInput.InvalidInput> =>
    input === undefined ? Either.right(undefined) : decode(input)
}
