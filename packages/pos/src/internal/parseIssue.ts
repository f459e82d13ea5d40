/**
 * Where a decoding problem is, for the errors that report one.
 *
 * @internal
 */
import * as ParseResult from "effect/ParseResult"

/**
 * The first problem in `error`: the dotted path to the offending field (empty for the value
 * itself) and what is wrong with it.
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
    // Formatting quotes the offending value, recursively: one nested thousands deep overflows
    // the stack. The value is refused all the same, with a message that does not quote it.
    return { path: "", message: "is not valid (it nests too deeply to describe)" }
  }
}
