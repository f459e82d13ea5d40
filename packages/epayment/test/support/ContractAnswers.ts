/**
 * Answers the ePayment API may send, generated from the OpenAPI contract itself (the copy in
 * test/fixtures), not from the client's schemas: whatever the contract allows, with no rule it
 * does not state. An independent generator, so a rule the client adds on its own shows up as an
 * answer that does not decode.
 */
import { FastCheck as fc } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

export type Json =
  null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const document: unknown = parse(
  readFileSync(
    fileURLToPath(new URL("../fixtures/epayment.openapi.yaml", import.meta.url)),
    "utf8",
  ),
)
const components =
  isObject(document) && isObject(document["components"]) ? document["components"] : {}
const schemas: Record<string, unknown> = isObject(components["schemas"])
  ? components["schemas"]
  : {}

// The file's slips that are not behaviour: PaymentEvent's `required` names `paymentAction`
// (removed in 1.2.1) and omits `name`, which every event carries.
const paymentEvent = schemas["PaymentEvent"]
if (isObject(paymentEvent) && Array.isArray(paymentEvent["required"])) {
  paymentEvent["required"] = [
    ...paymentEvent["required"].filter((name) => name !== "paymentAction"),
    "name",
  ]
}
const responses: Record<string, unknown> = isObject(components["responses"])
  ? components["responses"]
  : {}

const two = (min: number, max: number) =>
  fc.integer({ min, max }).map((n) => String(n).padStart(2, "0"))

/** RFC 3339 `date-time`, the contract's format: every variant it allows (7 digits included). */
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

const text = fc.string({ unit: "grapheme", maxLength: 60 })

export const arbitraryOf = (schema: unknown): fc.Arbitrary<Json> => {
  if (!isObject(schema)) return fc.constant(null)
  const base = baseOf(schema)
  return schema["nullable"] === true ? fc.oneof(base, fc.constant(null)) : base
}

const baseOf = (schema: Record<string, unknown>): fc.Arbitrary<Json> => {
  const ref = schema["$ref"]
  if (typeof ref === "string") return arbitraryOf(schemas[ref.replace("#/components/schemas/", "")])
  const oneOf = schema["oneOf"]
  if (Array.isArray(oneOf)) return fc.oneof(...oneOf.map(arbitraryOf))
  const values = schema["enum"]
  if (Array.isArray(values)) return fc.constantFrom(...values.filter((v) => typeof v === "string"))
  switch (schema["type"]) {
    case "string":
      return schema["format"] === "date-time" ? rfc3339DateTime : text
    case "integer": {
      const min = typeof schema["minimum"] === "number" ? schema["minimum"] : -(2 ** 31)
      const max = typeof schema["maximum"] === "number" ? schema["maximum"] : 2 ** 31 - 1
      return fc.integer({ min, max })
    }
    case "number":
      return fc.double({ noNaN: true, noDefaultInfinity: true })
    case "boolean":
      return fc.boolean()
    case "array":
      return fc.array(arbitraryOf(schema["items"]), { maxLength: 5 })
    case "object": {
      const properties = isObject(schema["properties"]) ? schema["properties"] : {}
      const required = Array.isArray(schema["required"]) ? schema["required"] : []
      const record: Record<string, fc.Arbitrary<Json>> = {}
      for (const [name, property] of Object.entries(properties))
        record[name] = arbitraryOf(property)
      const fixed = fc.record(record, {
        requiredKeys: Object.keys(record).filter((name) => required.includes(name)),
      })
      const extra = schema["additionalProperties"]
      if (isObject(extra)) {
        const maxKeys = typeof schema["maxProperties"] === "number" ? schema["maxProperties"] : 5
        return fc
          .tuple(fixed, fc.dictionary(text, arbitraryOf(extra), { maxKeys }))
          .map(([known, more]) => ({ ...more, ...known }))
      }
      return fixed
    }
    default:
      return fc.constant(null)
  }
}

const bodyOf = (response: unknown): unknown => {
  const resolved =
    isObject(response) && typeof response["$ref"] === "string"
      ? responses[response["$ref"].replace("#/components/responses/", "")]
      : response
  const content = isObject(resolved) ? resolved["content"] : undefined
  if (!isObject(content)) return undefined
  const media = content["application/json"] ?? content["application/problem+json"]
  return isObject(media) ? media["schema"] : undefined
}

/** The 2xx answers of every operation that has a body, by operationId. */
export const answers: ReadonlyMap<string, fc.Arbitrary<Json>> = (() => {
  const out = new Map<string, fc.Arbitrary<Json>>()
  const paths = isObject(document) && isObject(document["paths"]) ? document["paths"] : {}
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue
    for (const operation of Object.values(item)) {
      if (!isObject(operation) || typeof operation["operationId"] !== "string") continue
      const all = isObject(operation["responses"]) ? operation["responses"] : {}
      const schema = bodyOf(all["200"] ?? all["201"])
      if (schema !== undefined) out.set(operation["operationId"], arbitraryOf(schema))
    }
  }
  return out
})()

/** The problem bodies the contract declares (`Problem`). */
export const problemBodies: fc.Arbitrary<Json> = arbitraryOf(schemas["Problem"])
