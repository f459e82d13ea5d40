import { Payment, PosError } from "@effect-mobilepay/pos"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"

const correlationId = "113568d5-68fc-4434-ad80-6e67402a3f93"
const body = (code: string, message = "Error message") => ({ code, message, correlationId })

describe("fromResponse", () => {
  it("maps each status to its class, keeping code, description and correlation id", () => {
    const cases: ReadonlyArray<readonly [number, string, string]> = [
      [400, "1102", "PosBadRequest"],
      [403, "1400", "PosForbidden"],
      [404, "1004", "PosNotFound"],
      [409, "1351", "PosConflict"],
      [500, "2001", "PosServerError"],
      [503, "2999", "PosServerError"],
      [429, "1999", "PosUnexpectedStatus"],
    ]
    for (const [status, code, tag] of cases) {
      const error = PosError.fromResponse({
        operation: "InitiatePayment",
        status,
        body: body(code, "Something went wrong"),
      })
      expect(error._tag).toBe(tag)
      expect(error).toMatchObject({
        operation: "InitiatePayment",
        status,
        code,
        description: "Something went wrong",
        correlationId,
      })
    }
  })

  it("maps each 409 code a program reacts to onto its named class", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["1200", "MerchantPosIdTaken"],
      ["1202", "BeaconIdTaken"],
      ["1204", "StoreNotActivated"],
      ["1300", "PaymentCannotBeCancelled"],
      ["1301", "PaymentAlreadyActive"],
      ["1304", "PaymentNotReserved"],
      ["1305", "CaptureAmountTooHigh"],
      ["1306", "IdempotencyKeyReused"],
      ["1307", "PaymentCapturedWithAnotherAmount"],
      ["1308", "PartialCaptureNotPossible"],
      ["1354", "PaymentNotCaptured"],
      ["1365", "RefundCurrencyMismatch"],
      ["1366", "RefundPeriodExpired"],
      ["1367", "RefundExceedsCapturedAmount"],
      ["1368", "InsufficientStoreBalance"],
    ]
    for (const [code, tag] of cases) {
      const error = PosError.fromResponse({
        operation: "CapturePayment",
        status: 409,
        body: body(code),
      })
      expect(error._tag).toBe(tag)
      expect(error).toMatchObject({ status: 409, code, correlationId })
    }
  })

  it("a 409 code named like an Object.prototype member is a plain conflict", () => {
    for (const code of ["valueOf", "toString", "constructor", "__proto__", "hasOwnProperty"]) {
      const error = PosError.fromResponse({
        operation: "CapturePayment",
        status: 409,
        body: { code },
      })
      expect(error).toMatchObject({ _tag: "PosConflict", status: 409, code })
    }
  })

  it("a named code under another status keeps the status's class", () => {
    const error = PosError.fromResponse({
      operation: "InitiatePayment",
      status: 400,
      body: body("1301"),
    })
    expect(error._tag).toBe("PosBadRequest")
    expect(error.code).toBe("1301")
  })

  it.effect("the named classes can be caught by tag", () =>
    Effect.gen(function* () {
      const outcome = yield* Effect.fail(
        PosError.fromResponse({ operation: "InitiatePayment", status: 409, body: body("1301") }),
      ).pipe(
        Effect.catchTag("PaymentAlreadyActive", (error) => Effect.succeed(`recover ${error.code}`)),
        Effect.orElseSucceed(() => "other"),
      )
      expect(outcome).toBe("recover 1301")
    }),
  )

  it("a 401 has no body: the status decides, the correlation id comes from the header", () => {
    const error = PosError.fromResponse({
      operation: "QueryPayment",
      status: 401,
      body: "",
      correlationIdHeader: "c0ffee00-0000-4000-8000-000000000001",
    })
    expect(error._tag).toBe("PosUnauthorized")
    expect(error.code).toBeUndefined()
    expect(error.description).toBeUndefined()
    expect(error.correlationId).toBe("c0ffee00-0000-4000-8000-000000000001")
  })

  it("the body's correlation id wins over the header's", () => {
    const error = PosError.fromResponse({
      operation: "QueryPayment",
      status: 500,
      body: body("2000"),
      correlationIdHeader: "from-the-header",
    })
    expect(error.correlationId).toBe(correlationId)
  })

  it("reads the body as JSON text too, numeric codes included", () => {
    const fromText = PosError.fromResponse({
      operation: "CreateRefund",
      status: 409,
      body: JSON.stringify({ ...body("1367"), origin: "PoS" }),
    })
    expect(fromText._tag).toBe("RefundExceedsCapturedAmount")
    const numeric = PosError.fromResponse({
      operation: "CreatePos",
      status: 409,
      body: { code: 1200, message: "taken" },
    })
    expect(numeric._tag).toBe("MerchantPosIdTaken")
    expect(numeric.code).toBe("1200")
  })

  it("tolerates a missing, garbage or partly odd body", () => {
    const bodies: ReadonlyArray<unknown> = [
      undefined,
      null,
      "<html>Bad gateway</html>",
      "{not json",
      42,
      [],
      { code: { nested: true }, message: ["x"] },
    ]
    for (const garbage of bodies) {
      const error = PosError.fromResponse({ operation: "GetPos", status: 502, body: garbage })
      expect(error._tag).toBe("PosServerError")
      expect(error.code).toBeUndefined()
      expect(error.description).toBeUndefined()
      expect(error.message).toBe("GetPos: MobilePay failed to process the request (HTTP 502)")
    }
    const partly = PosError.fromResponse({
      operation: "InitiatePayment",
      status: 409,
      body: { code: "1301", message: { odd: true }, correlationId: "  " },
    })
    expect(partly._tag).toBe("PaymentAlreadyActive")
    expect(partly.description).toBeUndefined()
    expect(partly.correlationId).toBeUndefined()
    const noCode = PosError.fromResponse({ operation: "InitiatePayment", status: 409, body: {} })
    expect(noCode._tag).toBe("PosConflict")
  })

  it("messages say what happened, with status, code and correlation id", () => {
    const error = PosError.fromResponse({
      operation: "InitiatePayment",
      status: 409,
      body: body("1301", "Payment already in progress"),
    })
    expect(error.message).toBe(
      `InitiatePayment: a payment is already active on this point of sale (HTTP 409, code 1301): Payment already in progress (correlation id ${correlationId})`,
    )
    expect(String(error)).toContain("PaymentAlreadyActive")
  })

  it("never lets a token or control characters from the body into the error", () => {
    const jwt =
      "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJpbnRlZ3JhdG9yIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    const error = PosError.fromResponse({
      operation: "QueryPayment",
      status: 400,
      body: body(
        "1099",
        `token ${jwt} rejected;\r\nAuthorization: Bearer abc.def\u0000 ${"x".repeat(500)}`,
      ),
    })
    const seen = `${error.message} ${JSON.stringify(error)} ${String(error.description)}`
    expect(seen).not.toContain(jwt)
    expect(seen).not.toContain("abc.def")
    for (const control of ["\r", "\n", "\u0000"]) expect(seen).not.toContain(control)
    expect(error.description?.length).toBeLessThanOrEqual(301)
  })
})

describe("PosTransportError and PosDecodeError", () => {
  it("a transport error says which operation and why", () => {
    const timeout = new PosError.PosTransportError({ operation: "QueryPayment", reason: "Timeout" })
    expect(timeout.message).toBe("QueryPayment: timed out")
    const reset = new PosError.PosTransportError({
      operation: "InitiatePayment",
      reason: "Transport",
      detail: "ECONNRESET",
    })
    expect(reset.message).toBe("InitiatePayment: could not reach MobilePay: ECONNRESET")
  })

  it.effect("a decode error names the field that did not decode", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Schema.decodeUnknown(Payment.QueryPaymentResponse)({
          paymentId: "3974eae6-e36f-4148-b5ee-22689e528c75",
          posId: "c85916b1-8e17-4275-a388-551e16aa6293",
          orderId: "ORDER-12345",
          status: "Reserved",
          pollDelayInMs: "soon",
        }),
      )
      const decodeError = PosError.PosDecodeError.fromParseError({
        operation: "QueryPayment",
        status: 200,
        error,
      })
      expect(decodeError._tag).toBe("PosDecodeError")
      expect(decodeError.path).toBe("pollDelayInMs")
      expect(decodeError.message).toContain("QueryPayment")
      expect(decodeError.message).toContain("field pollDelayInMs")
    }),
  )
})
