import { EPaymentError } from "@effect-mobilepay/epayment"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { problemBodies } from "./support/ContractAnswers.js"

const problem = (status: number, code?: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: `https://httpstatuses.io/${status}`,
    title: "Cannot capture before reservation",
    detail: "The payment must be reserved first",
    status,
    instance: "/v1/payments/acme-1234-1/capture",
    traceId: "00-813b4f2e9d0c4a1b8e7f6a5b4c3d2e1f-01",
    ...(code === undefined ? {} : { extraDetails: [{ name: "ErrorCode", reason: code }] }),
    ...extra,
  })

const read = (
  status: number,
  body: string,
  operation: EPaymentError.EPaymentOperation = "capturePayment",
  secrets?: ReadonlyArray<string>,
) => EPaymentError.fromResponse({ operation, status, body, secrets })

describe("fromResponse", () => {
  it("a problem with an ErrorCode gives its class, with status, code, title and traceId", () => {
    const error = read(400, problem(400, "6080"))
    expect(error).toBeInstanceOf(EPaymentError.CaptureBeforeAuthorization)
    expect(error).toMatchObject({
      _tag: "CaptureBeforeAuthorization",
      operation: "capturePayment",
      status: 400,
      code: "6080",
      title: "Cannot capture before reservation",
      traceId: "00-813b4f2e9d0c4a1b8e7f6a5b4c3d2e1f-01",
    })
    expect(error.message).toContain("HTTP 400, ErrorCode 6080")
    expect(error.message).toContain("traceId 00-813b")
  })

  it("every code of the table gives its class, whatever the status", () => {
    for (const Refused of EPaymentError.refusals) {
      for (const code of Refused.codes) {
        const operation = Refused.operations?.[0] ?? "refundPayment"
        const error = read(409, problem(409, code), operation)
        if (code === "4150" && operation === "refundPayment") {
          expect(error._tag).toBe("IdempotencyKeyConflict")
        } else {
          expect(error).toBeInstanceOf(Refused)
        }
        expect(error.code).toBe(code)
      }
    }
  })

  it("4150 is a used reference on create and an idempotency conflict on refund", () => {
    expect(read(409, problem(409, "4150"), "createPayment")._tag).toBe("ReferenceAlreadyUsed")
    expect(read(409, problem(409, "4150"), "refundPayment")._tag).toBe("IdempotencyKeyConflict")
    expect(read(400, problem(400, "4020"), "createPayment")._tag).toBe("IdempotencyKeyConflict")
  })

  it("5090 and 404 are PaymentNotFound", () => {
    expect(read(400, problem(400, "5090"), "getPayment")._tag).toBe("PaymentNotFound")
    expect(read(404, "", "getPayment")._tag).toBe("PaymentNotFound")
  })

  it("without a known code, the status decides, keeping the code", () => {
    const tags = [400, 401, 403, 404, 409, 423, 429, 500, 503, 405, 422].map(
      (status) => read(status, problem(status, "4999"))._tag,
    )
    expect(tags).toEqual([
      "EPaymentBadRequest",
      "EPaymentUnauthorized",
      "EPaymentForbidden",
      "PaymentNotFound",
      "EPaymentConflict",
      "PaymentLocked",
      "EPaymentRateLimited",
      "EPaymentServerError",
      "EPaymentServerError",
      "EPaymentUnexpectedStatus",
      "EPaymentUnexpectedStatus",
    ])
    expect(read(409, problem(409, "4999")).code).toBe("4999")
  })

  it("gateway bodies, text bodies, empty and cut-off bodies: the status alone, no failure", () => {
    const gateway = read(
      401,
      JSON.stringify({
        statusCode: 401,
        message: "Access denied due to invalid subscription key.",
      }),
    )
    expect(gateway).toMatchObject({
      _tag: "EPaymentUnauthorized",
      title: "Access denied due to invalid subscription key.",
    })
    expect(read(502, "<html><body>Bad gateway</body></html>")).toMatchObject({
      _tag: "EPaymentServerError",
      code: undefined,
    })
    expect(read(429, "")).toMatchObject({ _tag: "EPaymentRateLimited", title: undefined })
    expect(read(400, problem(400, "6080").slice(0, 40))._tag).toBe("EPaymentBadRequest")
    expect(read(400, JSON.stringify([1, 2]))._tag).toBe("EPaymentBadRequest")
    expect(
      read(400, JSON.stringify({ title: 42, traceId: {}, extraDetails: "6080" })),
    ).toMatchObject({
      _tag: "EPaymentBadRequest",
      title: undefined,
      traceId: undefined,
      code: undefined,
    })
    // A code that is not digits is not a code.
    expect(read(400, problem(400, "60 80; drop")).code).toBeUndefined()
  })

  it("server text is sanitised and bounded, the secrets given cut out", () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0In0.c2ln"
    const key = "subscription-key-0123456789"
    const error = read(
      400,
      problem(400, undefined, {
        title: `bad\nrequest ${key} Bearer ${token}`,
        detail: "x".repeat(5000),
      }),
      "createPayment",
      [token, key],
    )
    expect(error.title).not.toContain(key)
    expect(error.title).not.toContain(token)
    expect(error.title).not.toContain("\n")
    expect(error.detail?.length).toBeLessThanOrEqual(301)
    expect(error.message).not.toContain(key)
  })

  it("every problem body the contract allows gives its status's error", () => {
    fc.assert(
      fc.property(problemBodies, fc.constantFrom(400, 403, 404, 409, 500), (body, status) => {
        const error = read(status, JSON.stringify(body))
        expect(error.status).toBe(status)
      }),
      { numRuns: 300 },
    )
  })

  it.effect("each class is caught by name", () =>
    Effect.gen(function* () {
      const failing: Effect.Effect<string, EPaymentError.EPaymentResponseError> = Effect.fail(
        read(400, problem(400, "6060"), "cancelPayment"),
      )
      const caught = yield* failing.pipe(
        Effect.catchTag("CannotCancelAuthorized", (error) => Effect.succeed(`kept ${error.code}`)),
        Effect.catchAll(() => Effect.succeed("other")),
      )
      expect(caught).toBe("kept 6060")
    }),
  )

  it("transient: 5xx, 423, 429, 6160, 6250, 6280 and transport; not 6260 nor 409", () => {
    const transient = (status: number, code?: string) =>
      EPaymentError.isTransient(read(status, problem(status, code)))
    expect([transient(500), transient(423), transient(429)]).toEqual([true, true, true])
    expect([transient(400, "6160"), transient(400, "6250"), transient(400, "6280")]).toEqual([
      true,
      true,
      true,
    ])
    expect([transient(400, "6260"), transient(409), transient(400), transient(401)]).toEqual([
      false,
      false,
      false,
      false,
    ])
    expect(
      EPaymentError.isTransient(
        new EPaymentError.EPaymentTransportError({ operation: "getPayment", reason: "Timeout" }),
      ),
    ).toBe(true)
  })

  it("refusal: every answer that is not transient; never a lost answer, a bad body or a token failure", () => {
    const refused = (status: number, code?: string) =>
      EPaymentError.isRefusal(read(status, problem(status, code)))
    expect([refused(400), refused(403), refused(409), refused(400, "7010")]).toEqual([
      true,
      true,
      true,
      true,
    ])
    for (const Refusal of EPaymentError.refusals) {
      const error = new Refusal({
        operation: "createPayment",
        status: 400,
        code: Refusal.codes[0]!,
      })
      expect(EPaymentError.isRefusal(error)).toBe(!EPaymentError.isTransient(error))
    }
    expect([refused(500), refused(423), refused(429), refused(400, "6280")]).toEqual([
      false,
      false,
      false,
      false,
    ])
    expect(
      EPaymentError.isRefusal(
        new EPaymentError.EPaymentTransportError({ operation: "createPayment", reason: "Timeout" }),
      ),
    ).toBe(false)
    expect(
      EPaymentError.isRefusal(
        new EPaymentError.EPaymentDecodeError({
          operation: "createPayment",
          status: 200,
          path: "",
          reason: "cut off",
        }),
      ),
    ).toBe(false)
    expect(EPaymentError.isRefusal({ _tag: "TokenEndpointUnreachable" })).toBe(false)
    expect(EPaymentError.isRefusal({ _tag: "InvalidInput" })).toBe(true)
  })
})
