/**
 * Where a decoding problem is, for the errors that report one.
 *
 * @internal
 */
import { ParseResult } from "effect"

/**
 * The first problem in `error`: the dotted path to the offending field (empty for the value
 * itself) and what is wrong with it.
 */
export const firstIssue = (
  error: ParseResult.ParseError,
): { readonly path: string; readonly message: string } => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  return issue === undefined
    ? { path: "", message: ParseResult.TreeFormatter.formatErrorSync(error) }
    : { path: issue.path.map(String).join("."), message: issue.message }
}
