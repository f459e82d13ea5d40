/**
 * What the contract-driven property tests of the client packages share: the JSON an OpenAPI
 * file describes, the RFC 3339 date-times its `date-time` format allows, the 2xx answers of
 * each operation, and the two suites every client runs (each answer the contract allows
 * decodes; each valid input survives the trip through JSON). Each package keeps its own walk
 * of its contract, because the contracts use different parts of OpenAPI.
 */
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import type { ParseOptions } from "effect/SchemaAST"
import { describe, expect, it } from "vitest"

export type Json =
  null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const two = (min: number, max: number) =>
  fc.integer({ min, max }).map((n) => String(n).padStart(2, "0"))

/** RFC 3339 `date-time`: every variant it allows (`t`, `z`, up to 9 digits, :60, offsets). */
export const rfc3339DateTime: fc.Arbitrary<string> = fc
  .record({
    date: fc
      .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z") })
      .filter((d) => !Number.isNaN(d.getTime()))
      .map((d) => d.toISOString().slice(0, 10)),
    t: fc.constantFrom("T", "t"),
    hour: two(0, 23),
    minute: two(0, 59),
    second: two(0, 60),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
    offset: fc.oneof(
      fc.constantFrom("Z", "z"),
      fc
        .tuple(fc.constantFrom("+", "-"), two(0, 23), two(0, 59))
        .map(([sign, h, m]) => `${sign}${h}:${m}`),
    ),
  })
  .map(
    ({ date, t, hour, minute, second, fraction, offset }) =>
      `${date}${t}${hour}:${minute}:${second}${fraction === undefined ? "" : `.${fraction}`}${offset}`,
  )

/** A parsed OpenAPI document's parts, each empty when the file lacks it. */
export const openApi = (document: unknown) => {
  const components =
    isObject(document) && isObject(document["components"]) ? document["components"] : {}
  const part = (value: unknown): Record<string, unknown> => (isObject(value) ? value : {})
  const responses = part(components["responses"])
  return {
    schemas: part(components["schemas"]),
    paths: part(isObject(document) ? document["paths"] : undefined),
    /** The JSON body schema of a response (a `$ref` to a shared one resolved), if it has one. */
    bodySchema: (response: unknown): unknown => {
      const resolved =
        isObject(response) && typeof response["$ref"] === "string"
          ? responses[response["$ref"].replace("#/components/responses/", "")]
          : response
      const content = isObject(resolved) ? resolved["content"] : undefined
      if (!isObject(content)) return undefined
      const media = content["application/json"] ?? content["application/problem+json"]
      return isObject(media) ? media["schema"] : undefined
    },
  }
}

/** The 2xx answer (200, else 201) of every operation that has a body, by operationId. */
export const successAnswers = (
  document: unknown,
  arbitraryOf: (schema: unknown) => fc.Arbitrary<Json>,
): ReadonlyMap<string, fc.Arbitrary<Json>> => {
  const contract = openApi(document)
  const out = new Map<string, fc.Arbitrary<Json>>()
  for (const item of Object.values(contract.paths)) {
    if (!isObject(item)) continue
    for (const operation of Object.values(item)) {
      if (!isObject(operation) || typeof operation["operationId"] !== "string") continue
      const all = isObject(operation["responses"]) ? operation["responses"] : {}
      const schema = contract.bodySchema(all["200"] ?? all["201"])
      if (schema !== undefined) out.set(operation["operationId"], arbitraryOf(schema))
    }
  }
  return out
}

/** The suite: every operation with a body has a schema, and every answer it allows decodes. */
export const everyAnswerDecodes = (
  answers: ReadonlyMap<string, fc.Arbitrary<Json>>,
  schemas: ReadonlyMap<string, Schema.Schema.AnyNoContext>,
): void => {
  describe("answers the contract allows", () => {
    it("every operation with an answer body has a schema here", () => {
      expect([...answers.keys()].sort()).toEqual([...schemas.keys()].sort())
    })

    for (const [operation, answer] of answers) {
      it(`${operation}: every answer the contract allows decodes`, () => {
        const schema = schemas.get(operation)
        expect(schema).toBeDefined()
        if (schema === undefined) return
        const decode = Schema.decodeUnknownEither(schema)
        fc.assert(
          fc.property(answer, (body) => {
            // As it arrives: through JSON text.
            const result = decode(JSON.parse(JSON.stringify(body)))
            if (Either.isLeft(result)) {
              throw new Error(`${JSON.stringify(body)} did not decode: ${result.left.message}`)
            }
          }),
          { numRuns: 200 },
        )
      })
    }
  })
}

// An optional field a caller sets to `undefined` is absent on the wire: compare without them.
const withoutUndefined = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutUndefined)
  if (typeof value !== "object" || value === null) return value
  if (Object.getPrototypeOf(value) !== Object.prototype) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .map(([name, field]) => [name, withoutUndefined(field)]),
  )
}

/** One input schema, and the arbitrary of its values when its own is too slow or too narrow. */
export type InputCase = readonly [string, Schema.Schema.AnyNoContext, fc.Arbitrary<unknown>?]

/**
 * The suite: every valid input encodes (to JSON, as sent) and decodes to itself, under the
 * options the client decodes input with.
 */
export const everyInputRoundTrips = (
  cases: ReadonlyArray<InputCase>,
  options: { readonly decode?: ParseOptions; readonly numRuns?: (name: string) => number } = {},
): void => {
  describe("valid input encodes and decodes to itself", () => {
    for (const [name, schema, arbitrary] of cases) {
      it(name, () => {
        const encode = Schema.encodeSync(schema)
        const decode = Schema.decodeUnknownSync(schema, options.decode)
        const same = Schema.equivalence(schema)
        fc.assert(
          fc.property(arbitrary ?? Arbitrary.make(schema), (value) => {
            const sent: unknown = JSON.parse(JSON.stringify(encode(value)))
            expect(same(decode(sent), withoutUndefined(value))).toBe(true)
          }),
          { numRuns: options.numRuns?.(name) ?? 200 },
        )
      })
    }
  })
}
