/**
 * The contract check: every response a test receives from the PoS V10 or user simulation API
 * is validated against the response schemas of the OpenAPI file copied into `contract/`.
 */
import { Ajv, type ValidateFunction } from "ajv"
import addFormatsModule from "ajv-formats"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

// ajv-formats is CommonJS: its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule.default

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** OpenAPI 3.0 `nullable` to JSON Schema, and `#/components` refs to the registered document. */
const toJsonSchema = (schema: unknown): unknown => {
  if (Array.isArray(schema)) return schema.map(toJsonSchema)
  if (!isObject(schema)) return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === "nullable" || key === "example") continue
    if (key === "$ref" && typeof value === "string") out[key] = `openapi${value}`
    else out[key] = toJsonSchema(value)
  }
  if (schema["nullable"] === true) return { anyOf: [out, { type: "null" }] }
  return out
}

interface Operation {
  readonly operationId: string
  readonly method: string
  readonly template: string
  readonly pattern: RegExp
  readonly staticSegments: number
  readonly responses: ReadonlyMap<string, ValidateFunction | "empty">
}

const contractFile = fileURLToPath(new URL("../../contract/pos-v10.openapi.yaml", import.meta.url))
const document: unknown = parse(readFileSync(contractFile, "utf8"))

const ajv = new Ajv({ strict: false, allErrors: true })
addFormats(ajv)
for (const format of ["int32", "int64", "double", "decimal", "float"]) ajv.addFormat(format, true)

const components =
  isObject(document) && isObject(document["components"]) ? document["components"] : {}
ajv.addSchema({ $id: "openapi", components: toJsonSchema(components) })
const errorResponse = ajv.compile({ $ref: "openapi#/components/schemas/ErrorResponse" })

const operations: ReadonlyArray<Operation> = (() => {
  const paths = isObject(document) && isObject(document["paths"]) ? document["paths"] : {}
  const out: Array<Operation> = []
  for (const [template, item] of Object.entries(paths)) {
    if (!isObject(item)) continue
    for (const [method, operation] of Object.entries(item)) {
      if (!isObject(operation) || !isObject(operation["responses"])) continue
      const responses = new Map<string, ValidateFunction | "empty">()
      for (const [status, response] of Object.entries(operation["responses"])) {
        const content =
          isObject(response) && isObject(response["content"]) ? response["content"] : undefined
        const json =
          content !== undefined && isObject(content["application/json"])
            ? content["application/json"]
            : undefined
        const schema = json === undefined ? undefined : toJsonSchema(json["schema"])
        responses.set(status, isObject(schema) ? ajv.compile(schema) : "empty")
      }
      const segments = template.split("/")
      out.push({
        operationId: String(operation["operationId"]),
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(
          `^${segments.map((s) => (/^\{.*\}$/.test(s) ? "[^/]+" : s)).join("/")}$`,
          "i",
        ),
        staticSegments: segments.filter((s) => !/^\{.*\}$/.test(s)).length,
        responses,
      })
    }
  }
  // Static segments win over parameters, as in the router (`/stores/detailed`).
  return out.sort((a, b) => b.staticSegments - a.staticSegments)
})()

export const allOperationIds: ReadonlyArray<string> = operations.map((op) => op.operationId)

export const operationOf = (method: string, path: string): Operation | undefined =>
  operations.find((op) => op.method === method.toUpperCase() && op.pattern.test(path))

/** Statuses the contract does not declare but the sandbox may answer (documented in the README). */
const undeclaredAllowed = (operation: Operation, status: number): boolean =>
  status === 413 ||
  (operation.template.startsWith("/pos/app/usersimulation") && [400, 404, 409].includes(status))

/** Problems of one response against the contract; empty when it conforms or is not PoS V10. */
export const violations = (
  method: string,
  path: string,
  status: number,
  contentType: string,
  body: string,
): { readonly operationId: string | undefined; readonly problems: ReadonlyArray<string> } => {
  const operation = operationOf(method, path)
  if (operation === undefined) return { operationId: undefined, problems: [] }
  const declared = operation.responses.get(String(status))
  const problems: Array<string> = []
  const parse = (): unknown => {
    if (!/application\/json/.test(contentType))
      problems.push(`content-type ${contentType} is not JSON`)
    try {
      const value: unknown = JSON.parse(body)
      return value
    } catch {
      problems.push("body is not JSON")
      return undefined
    }
  }
  if (declared === undefined) {
    if (!undeclaredAllowed(operation, status)) problems.push(`status ${status} is not declared`)
    else if (body !== "" && !errorResponse(parse()))
      problems.push(ajv.errorsText(errorResponse.errors))
  } else if (declared === "empty") {
    if (body !== "") problems.push(`status ${status} declares no body, got ${body.slice(0, 80)}`)
  } else {
    const value = parse()
    if (!declared(value)) problems.push(ajv.errorsText(declared.errors))
  }
  return {
    operationId: operation.operationId,
    problems: problems.map((p) => `${operation.operationId} ${status}: ${p}`),
  }
}
