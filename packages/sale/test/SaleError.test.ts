/**
 * The sale errors' messages show amounts as the cashier reads them, whichever platform the
 * sale is on: V10 counts kroner, ePayment minor units.
 */
import { PaymentJournal, SaleError } from "@effect-mobilepay/sale"
import { describe, expect, it } from "@effect/vitest"

const unrecorded = (backend: string, amount: number) =>
  new SaleError.SaleOutcomeUnrecorded({
    backend,
    kind: "Payment",
    orderId: "order-1",
    key: "key-1",
    outcome: { _tag: "Final", status: "Captured", amount },
    moneyMoved: true,
    amount,
    cause: new PaymentJournal.PaymentJournalError({
      operation: "record the outcome",
      cause: "disk full",
    }),
  })

describe("sale error messages", () => {
  it("an ePayment amount (minor units) reads in kroner, a V10 amount as it is", () => {
    expect(unrecorded("EPayment", 4000).message).toContain("money moved, 40.00;")
    expect(unrecorded("PosV10", 40).message).toContain("money moved, 40.00;")
  })

  it("a partial capture refused names both amounts in kroner", () => {
    const error = new SaleError.PartialCaptureUnavailable({
      backend: "EPayment",
      orderId: "order-1",
      paymentId: "order-1",
      reserved: 12500,
      captureAmount: 10000,
    })
    expect(error.message).toContain("partial capture of 100.00 of 125.00")
  })

  it("what recovery will capture, in kroner", () => {
    const error = new SaleError.SaleUnresolved({
      backend: "EPayment",
      kind: "Payment",
      orderId: "order-1",
      key: "key-1",
      decision: { _tag: "Capture", amount: 2550 },
      cause: new Error("connection reset"),
    })
    expect(error.message).toContain("recovery will capture 25.50")
  })

  it("what recovery will pay out of a refund", () => {
    const error = new SaleError.SaleUnresolved({
      backend: "EPayment",
      kind: "Refund",
      orderId: "refund-1",
      key: "key-2",
      decision: { _tag: "Capture", amount: 20000 },
      cause: new Error("connection reset"),
    })
    expect(error.message).toContain("recovery will pay out 200.00")
  })
})
