import { Payment } from "@effect-mobilepay/epayment"
import { describe, expect, it } from "@effect/vitest"
import { Either, ParseResult, Schema } from "effect"

// Where the first problem is, as the client reports it in InvalidInput.field.
const problem = (input: unknown): string | undefined => {
  const result = Schema.decodeUnknownEither(Payment.CreatePaymentRequest, {
    onExcessProperty: "error",
    errors: "first",
  })(input)
  if (Either.isRight(result)) return undefined
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(result.left)
  return issue?.path.join(".")
}

const push = {
  amount: { currency: "DKK", value: 1250 },
  paymentMethod: { type: "WALLET" },
  reference: "till-1-order-42-1",
  userFlow: "PUSH_MESSAGE",
  customer: { phoneNumber: "4512345678" },
  customerInteraction: "CUSTOMER_PRESENT",
}
const receipt = {
  orderLines: [
    {
      name: "socks",
      id: "1",
      totalAmount: 1250,
      totalAmountExcludingTax: 1000,
      totalTaxAmount: 250,
      taxRate: 2500,
    },
  ],
  bottomLine: { currency: "DKK" },
}

describe("CreatePaymentRequest", () => {
  it("an in-store push payment is valid", () => {
    expect(problem(push)).toBeUndefined()
  })

  it("the customer is exactly one of phoneNumber, personalQr, customerToken", () => {
    expect(
      problem({
        ...push,
        customer: { personalQr: "https://qr.vipps.no/28/2/01/031/4791234567?v=1" },
      }),
    ).toBeUndefined()
    expect(
      problem({ ...push, customer: { customerToken: "ey%382jf8+qk3nnfdsao0" } }),
    ).toBeUndefined()
    expect(
      problem({ ...push, customer: { phoneNumber: "4512345678", personalQr: "abcdef" } }),
    ).toMatch(/^customer/)
    expect(problem({ ...push, customer: {} })).toMatch(/^customer/)
    expect(problem({ ...push, customer: { phoneNumber: "+4512345678" } })).toMatch(/^customer/)
  })

  it("the minimum amount is per currency: NOK 100 øre, DKK and EUR 1", () => {
    expect(problem({ ...push, amount: { currency: "NOK", value: 99 } })).toBe("amount.value")
    expect(problem({ ...push, amount: { currency: "NOK", value: 100 } })).toBeUndefined()
    expect(problem({ ...push, amount: { currency: "DKK", value: 0 } })).toBe("amount.value")
    expect(problem({ ...push, amount: { currency: "EUR", value: 1 } })).toBeUndefined()
    expect(problem({ ...push, amount: { currency: "DKK", value: 12.5 } })).toBe("amount.value")
    expect(problem({ ...push, amount: { currency: "SEK", value: 1250 } })).toBe("amount.currency")
  })

  it("the rules between fields name the field to fix", () => {
    expect(problem({ ...push, customer: undefined })).toBe("customer")
    expect(problem({ ...push, userFlow: "WEB_REDIRECT", customer: undefined })).toBe("returnUrl")
    expect(problem({ ...push, qrFormat: { format: "IMAGE/PNG" } })).toBe("qrFormat")
    expect(
      problem({ ...push, userFlow: "QR", qrFormat: { format: "IMAGE/SVG+XML", size: 300 } }),
    ).toBe("qrFormat.size")
    expect(
      problem({ ...push, userFlow: "QR", qrFormat: { format: "IMAGE/PNG", size: 300 } }),
    ).toBeUndefined()
    expect(problem({ ...push, userFlow: "QR", qrFormat: { format: "IMAGE/PNG", size: 99 } })).toBe(
      "qrFormat.size",
    )
    expect(problem({ ...push, paymentMethod: { type: "CARD" } })).toBe("paymentMethod.type")
    expect(problem({ ...push, expiresAt: "2030-01-01T00:00:00Z" })).toBe("receipt")
    expect(problem({ ...push, expiresAt: "2030-01-01T00:00:00Z", receipt })).toBeUndefined()
    expect(
      problem({
        ...push,
        userFlow: "WEB_REDIRECT",
        returnUrl: "https://example.com/r",
        expiresAt: "2030-01-01T00:00:00Z",
        receipt,
      }),
    ).toBe("expiresAt")
  })

  it("each field's own rule", () => {
    expect(problem({ ...push, reference: "short" })).toBe("reference")
    expect(problem({ ...push, paymentDescription: "ab" })).toBe("paymentDescription")
    expect(problem({ ...push, paymentDescription: "a".repeat(101) })).toBe("paymentDescription")
    expect(problem({ ...push, returnUrl: "http://example.com" })).toBe("returnUrl")
    expect(problem({ ...push, returnUrl: "myapp://done" })).toBeUndefined()
    expect(problem({ ...push, receiptUrl: "https://example.com/a receipt" })).toBe("receiptUrl")
    expect(
      problem({ ...push, metadata: { a: "1", b: "2", c: "3", d: "4", e: "5" } }),
    ).toBeUndefined()
    expect(problem({ ...push, metadata: { a: "1", b: "2", c: "3", d: "4", e: "5", f: "6" } })).toBe(
      "metadata",
    )
    expect(problem({ ...push, metadata: { ["k".repeat(101)]: "v" } })).toMatch(/^metadata/)
    expect(problem({ ...push, metadata: { k: "v".repeat(501) } })).toMatch(/^metadata/)
    // Read from JSON, `__proto__` is an own key: refused rather than dropped.
    expect(problem({ ...push, metadata: JSON.parse('{"__proto__":"x"}') })).toMatch(/^metadata/)
    expect(problem({ ...push, minimumUserAge: 101 })).toBe("minimumUserAge")
    expect(problem({ ...push, minimumUserAge: 18 })).toBeUndefined()
    expect(problem({ ...push, profile: { scope: "name phoneNumber" } })).toBeUndefined()
    expect(problem({ ...push, profile: { scope: "name,phoneNumber" } })).toBe("profile.scope")
    expect(problem({ ...push, expiresAt: "tomorrow", receipt })).toBe("expiresAt")
    expect(problem({ ...push, receipt: { ...receipt, orderLines: [] } })).toMatch(
      /^receipt\.orderLines/,
    )
    expect(
      problem({
        ...push,
        receipt: { ...receipt, orderLines: [{ ...receipt.orderLines[0], taxRate: undefined }] },
      }),
    ).toBe("receipt.orderLines.0.taxRate")
  })

  it("an unknown field is refused, not dropped (the API rejects unknown fields)", () => {
    expect(problem({ ...push, orderId: "42" })).toBe("orderId")
    expect(problem({ ...push, amount: { currency: "DKK", value: 1250, vat: 250 } })).toBe(
      "amount.vat",
    )
  })
})
