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

/** A detail of a problem: `{name: "ErrorCode", reason: "6080"}`, or the field a validation names. */
export interface ExtraDetail {
  readonly name: string
  readonly reason: string
}

/**
 * An RFC 7807 problem of the Vipps MobilePay platform (ePayment, Webhooks), rendered with
 * `traceId`, `instance` and, for a domain rule, `extraDetails: [{name: "ErrorCode", reason}]`.
 */
export class Problem extends Data.TaggedError("Problem")<{
  readonly status: number
  readonly title: string
  readonly detail: string
  /** The ErrorCode of a domain rule; validation problems carry none. */
  readonly code?: string | undefined
  readonly extraDetails?: ReadonlyArray<ExtraDetail> | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}> {}

/** The QR API's `QrErrorResponse` (`type, title, detail, instance, invalidParams`). */
export class QrProblem extends Data.TaggedError("QrProblem")<{
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly invalidParams?: ReadonlyArray<{ readonly name: string; readonly reason: string }>
}> {}

export type Refusal = ApiError | Unauthorized | NotFound | Problem | QrProblem

/** A domain rule broken: status, ErrorCode (§7) and a title. */
export const rule = (status: number, code: string, title: string, detail = title) =>
  new Problem({ status, code, title, detail })

/** A malformed or invalid field: 400, the field and the rule in `extraDetails`, no ErrorCode. */
export const invalidField = (field: string, reason: string, code?: string) =>
  new Problem({
    status: 400,
    title: "Bad Request",
    detail: `${field}: ${reason}`,
    code,
    extraDetails: [{ name: field, reason }],
  })

/** A W3C traceparent-shaped trace id made from the correlation id. */
export const traceIdOf = (correlationId: string): string => {
  const hex = correlationId.replace(/-/g, "")
  return `00-${hex}-${hex.slice(0, 16)}-01`
}

/** How a platform refusal looks on the wire; `instance` is the request's path. */
export const renderPlatformRefusal = (
  refusal: Refusal,
  request: IncomingRequest,
): HttpServerResponse.HttpServerResponse => {
  switch (refusal._tag) {
    case "Unauthorized":
      // The API gateway (Azure APIM) answers 401 itself, in its own shape, not RFC 7807.
      return respondJson({ statusCode: 401, message: `Access denied: ${refusal.reason}` }, 401)
    case "NotFound":
      return renderPlatformRefusal(
        new Problem({ status: 404, title: "Not Found", detail: `${refusal.what} not found` }),
        request,
      )
    case "ApiError":
      return renderPlatformRefusal(
        new Problem({ status: refusal.status, title: refusal.message, detail: refusal.message }),
        request,
      )
    case "QrProblem":
      return HttpServerResponse.unsafeJson(
        {
          type: `https://httpstatuses.io/${refusal.status}`,
          title: refusal.title,
          detail: refusal.detail,
          instance: request.path,
          invalidParams: refusal.invalidParams ?? [],
        },
        { status: refusal.status, contentType: "application/problem+json" },
      )
    case "Problem": {
      const extraDetails = [
        ...(refusal.extraDetails ?? []),
        ...(refusal.code === undefined ? [] : [{ name: "ErrorCode", reason: refusal.code }]),
      ]
      const response = HttpServerResponse.unsafeJson(
        {
          type: `https://httpstatuses.io/${refusal.status}`,
          title: refusal.title,
          detail: refusal.detail,
          status: refusal.status,
          instance: request.path,
          traceId: traceIdOf(request.correlationId),
          extraDetails,
        },
        { status: refusal.status, contentType: "application/problem+json" },
      )
      return refusal.headers === undefined
        ? response
        : HttpServerResponse.setHeaders(response, refusal.headers)
    }
  }
}

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
    case "Problem":
    case "QrProblem":
      return respondJson(
        { code: refusal.status === 404 ? "1099" : "2000", message: refusal.detail, correlationId },
        refusal.status,
      )
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
export const maxJsonDepth = 32

// Iterative, so that the check itself cannot overflow the stack.
export const nestsWithin = (value: unknown, limit: number): boolean => {
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

export const jsonContentType =
  /^(application\/json|text\/json|application\/[a-z0-9.+-]*\+json)\s*(;|$)/i

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
