/**
 * Answers the ePayment API may send, generated from the OpenAPI contract itself (the copy in
 * test/fixtures), not from the client's schemas: whatever the contract allows, with no rule it
 * does not state. An independent generator, so a rule the client adds on its own shows up as an
 * answer that does not decode.
 */
import { Contract } from "@effect-mobilepay/test-support"
import { FastCheck as fc } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

export type Json = Contract.Json

const { isObject, rfc3339DateTime } = Contract

const document: unknown = parse(
  readFileSync(
    fileURLToPath(new URL("../fixtures/epayment.openapi.yaml", import.meta.url)),
    "utf8",
  ),
)
const { schemas } = Contract.openApi(document)

// The file's slips that are not behaviour: PaymentEvent's `required` names `paymentAction`
// (removed in 1.2.1) and omits `name`, which every event carries.
const paymentEvent = schemas["PaymentEvent"]
if (isObject(paymentEvent) && Array.isArray(paymentEvent["required"])) {
  paymentEvent["required"] = [
    ...paymentEvent["required"].filter((name) => name !== "paymentAction"),
    "name",
  ]
}
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

/** The 2xx answers of every operation that has a body, by operationId. */
export const answers: ReadonlyMap<string, fc.Arbitrary<Json>> = Contract.successAnswers(
  document,
  arbitraryOf,
)

/** The problem bodies the contract declares (`Problem`). */
export const problemBodies: fc.Arbitrary<Json> = arbitraryOf(schemas["Problem"])
