/**
 * Answers MobilePay may send, generated from the OpenAPI contract itself (the copy the sandbox
 * keeps), not from the client's schemas: whatever the contract allows, with no rule it does
 * not state. An independent generator, so a rule the client adds on its own shows up as an
 * answer that does not decode.
 */
import { Contract } from "@effect-mobilepay/test-support"
import { FastCheck as fc } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

type Json = Contract.Json

const { isObject, rfc3339DateTime } = Contract

const contractFile = fileURLToPath(
  new URL("../../../sandbox/contract/pos-v10.openapi.yaml", import.meta.url),
)
const document: unknown = parse(readFileSync(contractFile, "utf8"))
const components = Contract.openApi(document).schemas

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
export const answers: ReadonlyMap<string, fc.Arbitrary<Json>> = Contract.successAnswers(
  document,
  arbitraryOf,
)

/** The error bodies the contract declares (`ErrorResponse`, and `ErrorResponseV2` for refunds). */
export const errorBodies: fc.Arbitrary<Json> = fc.oneof(
  arbitraryOf(components["ErrorResponse"]),
  arbitraryOf(components["ErrorResponseV2"]),
)
