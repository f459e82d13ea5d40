/**
 * Answers MobilePay may send, generated from the OpenAPI contract itself (the copy the sandbox
 * keeps), not from the client's schemas: whatever the contract allows, with no rule it does
 * not state. An independent generator, so a rule the client adds on its own shows up as an
 * answer that does not decode.
 */
import { FastCheck as fc } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const contractFile = fileURLToPath(
  new URL("../../../sandbox/contract/pos-v10.openapi.yaml", import.meta.url),
)
const document: unknown = parse(readFileSync(contractFile, "utf8"))
const components: Record<string, unknown> =
  isObject(document) &&
  isObject(document["components"]) &&
  isObject(document["components"]["schemas"])
    ? document["components"]["schemas"]
    : {}

const two = (min: number, max: number) =>
  fc.integer({ min, max }).map((n) => String(n).padStart(2, "0"))

/** RFC 3339 `date-time`, the contract's format: every variant it allows. */
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

const uuid = fc.tuple(fc.uuid(), fc.boolean()).map(([id, upper]) => (upper ? id.toUpperCase() : id))

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })

const arbitraryOf = (schema: unknown): fc.Arbitrary<Json> => {
  if (!isObject(schema)) return fc.constant(null)
  const base = baseOf(schema)
  return schema["nullable"] === true ? fc.oneof(base, fc.constant(null)) : base
}

const baseOf = (schema: Record<string, unknown>): fc.Arbitrary<Json> => {
  const ref = schema["$ref"]
  if (typeof ref === "string")
    return arbitraryOf(components[ref.replace("#/components/schemas/", "")])
  const allOf = schema["allOf"]
  if (Array.isArray(allOf) && allOf.length === 1) return arbitraryOf(allOf[0])
  const values = schema["enum"]
  if (Array.isArray(values)) return fc.constantFrom(...values.filter((v) => typeof v === "string"))
  switch (schema["type"]) {
    case "string":
      return schema["format"] === "uuid"
        ? uuid
        : schema["format"] === "date-time"
          ? rfc3339DateTime
          : fc.string({ unit: "grapheme", maxLength: 60 })
    case "integer":
      return int32
    case "number":
      return fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 1000),
      )
    case "boolean":
      return fc.boolean()
    case "array": {
      const items = arbitraryOf(schema["items"])
      return schema["uniqueItems"] === true
        ? fc.uniqueArray(items, { maxLength: 5, selector: (item) => JSON.stringify(item) })
        : fc.array(items, { maxLength: 5 })
    }
    case "object": {
      const properties = isObject(schema["properties"]) ? schema["properties"] : {}
      const required = Array.isArray(schema["required"]) ? schema["required"] : []
      const record: Record<string, fc.Arbitrary<Json>> = {}
      for (const [name, property] of Object.entries(properties))
        record[name] = arbitraryOf(property)
      return fc.record(record, {
        requiredKeys: Object.keys(record).filter((name) => required.includes(name)),
      })
    }
    default:
      return fc.constant(null)
  }
}

/** The 200 answers of every operation that has a body, by operationId. */
export const answers: ReadonlyMap<string, fc.Arbitrary<Json>> = (() => {
  const out = new Map<string, fc.Arbitrary<Json>>()
  const paths = isObject(document) && isObject(document["paths"]) ? document["paths"] : {}
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue
    for (const operation of Object.values(item)) {
      if (!isObject(operation) || typeof operation["operationId"] !== "string") continue
      const responses = operation["responses"]
      const ok = isObject(responses) ? responses["200"] : undefined
      const content = isObject(ok) ? ok["content"] : undefined
      const json = isObject(content) ? content["application/json"] : undefined
      if (isObject(json)) out.set(operation["operationId"], arbitraryOf(json["schema"]))
    }
  }
  return out
})()

/** The error bodies the contract declares (`ErrorResponse`, and `ErrorResponseV2` for refunds). */
export const errorBodies: fc.Arbitrary<Json> = fc.oneof(
  arbitraryOf(components["ErrorResponse"]),
  arbitraryOf(components["ErrorResponseV2"]),
)
