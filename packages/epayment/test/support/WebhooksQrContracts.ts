/**
 * Bodies the Webhooks and QR APIs may send, generated from their OpenAPI contracts (the copies
 * in test/fixtures), not from the client's schemas: whatever a contract allows, with no rule it
 * does not state. An independent generator, so a rule the client adds on its own shows up as a
 * body it refuses.
 */
import { Contract } from "@effect-mobilepay/test-support"
import { FastCheck as fc } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

export type Json = Contract.Json

const { isObject } = Contract

const text = fc.string({ unit: "grapheme", maxLength: 60 })

const load = (file: string) => {
  const document: unknown = parse(
    readFileSync(fileURLToPath(new URL(`../fixtures/${file}`, import.meta.url)), "utf8"),
  )
  const { schemas, paths, bodySchema } = Contract.openApi(document)

  const arbitraryOf = (schema: unknown): fc.Arbitrary<Json> => {
    if (!isObject(schema)) return fc.constant(null)
    const base = baseOf(schema)
    return schema["nullable"] === true ? fc.oneof(base, fc.constant(null)) : base
  }

  const baseOf = (schema: Record<string, unknown>): fc.Arbitrary<Json> => {
    const ref = schema["$ref"]
    if (typeof ref === "string") {
      return arbitraryOf(schemas[ref.replace("#/components/schemas/", "")])
    }
    const values = schema["enum"]
    if (Array.isArray(values)) {
      return fc.constantFrom(...values.filter((v) => typeof v === "string"))
    }
    // A schema with properties and no type (the 409's `{id}`) is an object.
    const type = schema["type"] ?? (isObject(schema["properties"]) ? "object" : undefined)
    switch (type) {
      case "string": {
        const minLength = typeof schema["minLength"] === "number" ? schema["minLength"] : 0
        return schema["format"] === "uuid"
          ? fc.uuid()
          : fc.string({ unit: "grapheme", minLength, maxLength: Math.max(minLength, 60) })
      }
      case "integer": {
        const min = typeof schema["minimum"] === "number" ? schema["minimum"] : -(2 ** 31)
        const max = typeof schema["maximum"] === "number" ? schema["maximum"] : 2 ** 31 - 1
        return fc.integer({ min, max })
      }
      case "boolean":
        return fc.boolean()
      case "array":
        return fc.array(arbitraryOf(schema["items"]), { maxLength: 5 })
      case "object": {
        const properties = isObject(schema["properties"]) ? schema["properties"] : {}
        const required = Array.isArray(schema["required"]) ? schema["required"] : []
        const record: Record<string, fc.Arbitrary<Json>> = {}
        for (const [name, property] of Object.entries(properties)) {
          record[name] = arbitraryOf(property)
        }
        const fixed = fc.record(record, {
          requiredKeys: Object.keys(record).filter((name) => required.includes(name)),
        })
        // Live answers carry fields the files lack; a contract that forbids them
        // (additionalProperties: false) is taken at its word.
        return schema["additionalProperties"] === false
          ? fixed
          : fc
              .tuple(fixed, fc.dictionary(text, fc.oneof(text, fc.integer()), { maxKeys: 3 }))
              .map(([known, more]) => ({ ...more, ...known }))
      }
      default:
        return fc.constant(null)
    }
  }

  /** The body schema of `method path`'s answer with `status`, as an arbitrary. */
  const body = (path: string, method: string, status: string): fc.Arbitrary<Json> => {
    const item = paths[path]
    const operation = isObject(item) ? item[method] : undefined
    const all =
      isObject(operation) && isObject(operation["responses"]) ? operation["responses"] : {}
    const schema = bodySchema(all[status])
    if (schema === undefined) throw new Error(`${method} ${path} ${status} has no body in ${file}`)
    return arbitraryOf(schema)
  }

  return { body }
}

export const webhooksContract = load("webhooks.openapi.yaml")
export const qrContract = load("qr.openapi.yaml")
