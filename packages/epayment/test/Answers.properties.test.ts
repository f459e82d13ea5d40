/**
 * Property: every answer the contract allows decodes. The answers come from the OpenAPI file
 * (test/support/ContractAnswers.ts), not from the client's schemas, 200 per operation.
 */
import { Payment } from "@effect-mobilepay/epayment"
import { Contract } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { answers } from "./support/ContractAnswers.js"

const schemas: ReadonlyMap<string, Schema.Schema.AnyNoContext> = new Map<
  string,
  Schema.Schema.AnyNoContext
>([
  ["createPayment", Payment.CreatePaymentResponse],
  ["getPayment", Payment.GetPaymentResponse],
  ["getPaymentEventLog", Payment.PaymentEventLog],
  ["capturePayment", Payment.ModificationResponse],
  ["cancelPayment", Payment.ModificationResponse],
  ["refundPayment", Payment.ModificationResponse],
])

Contract.everyAnswerDecodes(answers, schemas)

describe("answers the live API sends", () => {
  const aggregate = {
    authorizedAmount: { currency: "DKK", value: 1250 },
    cancelledAmount: { currency: "DKK", value: 0 },
    capturedAmount: { currency: "DKK", value: 1000 },
    refundedAmount: { currency: "DKK", value: 0 },
  }
  const payment = {
    reference: "acme-1234-1",
    state: "AUTHORIZED",
    amount: { currency: "DKK", value: 1250 },
    aggregate,
    pspReference: "1304787731",
    paymentMethod: { type: "WALLET" },
    profile: {},
  }
  const decode = Schema.decodeUnknownSync(Payment.GetPaymentResponse)

  it("a get with the live additions keeps them, unknown fields ignored", () => {
    const got = decode({
      ...payment,
      captureGuaranteedUntil: "2026-08-20T10:51:44.5333258+02:00",
      userDetails: { userId: "u-1", firstName: "Ada", emailVerified: true },
      shippingDetails: { address: { city: "Oslo" } },
      somethingNew: [1, 2, 3],
    })
    expect(got.captureGuaranteedUntil?.epochMillis).toBe(Date.UTC(2026, 7, 20, 8, 51, 44, 533))
    expect(got.userDetails?.firstName).toBe("Ada")
  })

  it("a state added since is kept as sent, neither created nor final", () => {
    const got = decode({ ...payment, state: "PAUSED" })
    expect(got.state).toBe("PAUSED")
    expect(Schema.is(Payment.KnownPaymentState)(got.state)).toBe(false)
    expect(Payment.isFinalState(got.state)).toBe(false)
  })

  it("7 fractional digits with Z or an offset; a day the calendar lacks is refused", () => {
    const event = {
      reference: "acme-1234-1",
      pspReference: "e-1",
      name: "CAPTURED",
      amount: { currency: "DKK", value: 1000 },
      success: true,
      idempotencyKey: null,
    }
    const log = Schema.decodeUnknownEither(Payment.PaymentEventLog)
    const at = (timestamp: string) =>
      Either.map(log([{ ...event, timestamp }]), ([e]) => e?.timestamp.epochMillis)
    expect(at("2023-03-27T10:51:44.5333258Z")).toEqual(
      Either.right(Date.UTC(2023, 2, 27, 10, 51, 44, 533)),
    )
    expect(at("2023-03-27T12:51:44.5333258+02:00")).toEqual(
      Either.right(Date.UTC(2023, 2, 27, 10, 51, 44, 533)),
    )
    expect(Either.isLeft(at("2023-02-30T10:00:00Z"))).toBe(true)
    expect(Either.isLeft(at("2023-03-27 10:51:44"))).toBe(true)
  })
})
