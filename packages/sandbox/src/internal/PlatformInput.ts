/**
 * Reading the platform's JSON bodies as strictly as its contracts: JSON media type, bounded
 * depth, no property the contract does not define (the API rejects unknown fields), and a
 * refusal that names the field (`extraDetails`) and, where §7 gives one, its ErrorCode.
 */
import { Effect, Either, ParseResult, type Schema } from "effect"
import { Schema as S } from "effect"
import { Incoming, invalidField, jsonContentType, maxJsonDepth, nestsWithin } from "./Http.js"

/** The parsed JSON of the body, or a 400. An empty body reads as `undefined`. */
export const platformJson = Effect.gen(function* () {
  const request = yield* Incoming
  if (request.body === "") return undefined
  if (!jsonContentType.test(request.headers["content-type"] ?? "")) {
    return yield* invalidField("Content-Type", "must be application/json")
  }
  const parsed = Either.try((): unknown => JSON.parse(request.body))
  if (Either.isLeft(parsed)) return yield* invalidField("body", "is not valid JSON")
  if (!nestsWithin(parsed.right, maxJsonDepth)) {
    return yield* invalidField("body", `nests deeper than ${maxJsonDepth} levels`)
  }
  return parsed.right
})

/**
 * Decodes `value` with `schema`, refusing excess properties; `codes` gives the ErrorCode of a
 * bad field by its dotted path (the longest matching prefix wins).
 */
export const decodePlatform = <A, I>(
  schema: Schema.Schema<A, I>,
  value: unknown,
  codes: ReadonlyMap<string, string> = new Map(),
) =>
  S.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "first" })(value).pipe(
    Either.mapLeft((error) => {
      const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
      const path = (issue?.path ?? []).map(String)
      const field = path.length === 0 ? "body" : path.join(".")
      // A missing required field is `4140` where the API has codes (ePayment).
      let code: string | undefined =
        issue?._tag === "Missing" && codes.size > 0 ? "4140" : undefined
      for (let n = path.length; n > 0 && code === undefined; n--) {
        code = codes.get(path.slice(0, n).join("."))
      }
      const reason =
        issue?._tag === "Unexpected" ? "is not a field of this request" : issue?.message
      return invalidField(field, reason ?? "is invalid", code)
    }),
  )

/** The body decoded with `schema`; a missing body is refused as the field `body`. */
export const platformJsonBody = <A, I>(
  schema: Schema.Schema<A, I>,
  codes?: ReadonlyMap<string, string>,
) =>
  Effect.flatMap(platformJson, (value) =>
    value === undefined
      ? Effect.fail(invalidField("body", "is required"))
      : decodePlatform(schema, value, codes),
  )
