/**
 * What every handler shares: the request as the sandbox received it, the typed refusals a
 * handler can answer with, and how they become MobilePay-shaped responses.
 */
import { HttpServerResponse } from "@effect/platform"
import { Context, Data, Effect, Either } from "effect"
import { decodeBody, type InvalidField } from "./Input.js"
import type { Schema } from "effect"

/** The request as received, read once by the app before routing. */
export interface IncomingRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly correlationId: string
}

export class Incoming extends Context.Tag("@effect-mobilepay/sandbox/Incoming")<
  Incoming,
  IncomingRequest
>() {}

/**
 * A refusal with MobilePay's error body. `origin` is set on the refund endpoints, whose
 * contract uses the `ErrorResponseV2` shape.
 */
export class ApiError extends Data.TaggedError("ApiError")<{
  readonly status: number
  readonly code: string
  readonly message: string
}> {}

/** 401 without a body, as MobilePay's gateway answers. */
export class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly reason: string }> {}

/** 404 without a body (the contract declares no body for it). */
export class NotFound extends Data.TaggedError("NotFound")<{ readonly what: string }> {}

export type Refusal = ApiError | Unauthorized | NotFound

export const badRequest = (code: string, message: string) =>
  new ApiError({ status: 400, code, message })
export const forbidden = (code: string, message: string) =>
  new ApiError({ status: 403, code, message })
export const conflict = (code: string, message: string) =>
  new ApiError({ status: 409, code, message })

export const respondJson = (body: unknown, status = 200) =>
  HttpServerResponse.unsafeJson(body, { status })

export const ok = HttpServerResponse.empty({ status: 200 })

/** Renders a refusal; refund endpoints add `origin` (their `ErrorResponseV2`). */
export const renderRefusal = (
  refusal: Refusal,
  correlationId: string,
  withOrigin: boolean,
): HttpServerResponse.HttpServerResponse => {
  switch (refusal._tag) {
    case "Unauthorized":
      return HttpServerResponse.empty({ status: 401 })
    case "NotFound":
      return HttpServerResponse.empty({ status: 404 })
    case "ApiError":
      return respondJson(
        {
          code: refusal.code,
          message: refusal.message,
          correlationId,
          ...(withOrigin ? { origin: "PoS" } : {}),
        },
        refusal.status,
      )
  }
}

// No PoS V10 body nests more than 2 deep; a deeper one is refused before it is decoded, whose
// error formatting would otherwise recurse through it.
const maxJsonDepth = 32

// Iterative, so that the check itself cannot overflow the stack.
const nestsWithin = (value: unknown, limit: number): boolean => {
  const pending: Array<readonly [unknown, number]> = [[value, 1]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, depth] = next
    if (typeof current !== "object" || current === null) continue
    if (depth > limit) return false
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === "object" && child !== null) pending.push([child, depth + 1])
    }
  }
  return true
}

const jsonContentType = /^(application\/json|text\/json|application\/[a-z0-9.+-]*\+json)\s*(;|$)/i

/** Parses and decodes a JSON body as the contract allows it (any of its JSON media types). */
export const jsonBody = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.gen(function* () {
    const request = yield* Incoming
    const contentType = request.headers["content-type"] ?? ""
    if (!jsonContentType.test(contentType)) {
      return yield* badRequest("1099", "The request body must be JSON (application/json)")
    }
    const parsed = Either.try((): unknown => JSON.parse(request.body))
    if (Either.isLeft(parsed)) {
      return yield* badRequest("1099", "The request body is not valid JSON")
    }
    if (!nestsWithin(parsed.right, maxJsonDepth)) {
      return yield* badRequest("1099", `The request body nests deeper than ${maxJsonDepth} levels`)
    }
    return yield* decodeBody(schema, parsed.right).pipe(
      Either.mapLeft((invalid: InvalidField) => badRequest(invalid.code, invalid.message)),
    )
  })

/** A single-valued header; `duplicated` when the client sent it twice (Node joins them with a comma). */
export const header = (
  request: IncomingRequest,
  name: string,
):
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Duplicated" }
  | { readonly _tag: "Present"; readonly value: string } => {
  const value = request.headers[name]
  if (value === undefined || value.trim() === "") return { _tag: "Missing" }
  if (value.includes(",")) return { _tag: "Duplicated" }
  return { _tag: "Present", value: value.trim() }
}
