/**
 * Properties of what a caller sends: every request schema encodes (to JSON, as sent) and
 * decodes to itself, under the strict options the client decodes input with (unknown fields
 * refused).
 */
import { Domain, Payment, Receipt } from "@effect-mobilepay/epayment"
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, FastCheck as fc, Schema } from "effect"
import { createPaymentRequest } from "./support/Inputs.js"

const cases: ReadonlyArray<readonly [string, Schema.Schema.AnyNoContext, fc.Arbitrary<unknown>?]> =
  [
    ["CreatePaymentRequest", Payment.CreatePaymentRequest, createPaymentRequest],
    ["ModificationRequest", Payment.ModificationRequest],
    ["ForceApproveRequest", Payment.ForceApproveRequest],
    ["Customer", Payment.Customer],
    ["QrFormat", Payment.QrFormat],
    ["Receipt", Receipt.Receipt],
    ["Reference", Domain.Reference],
    ["IdempotencyKey", Domain.IdempotencyKey],
    ["PaymentAmount", Domain.PaymentAmount],
    ["ModificationAmount", Domain.ModificationAmount],
    ["PhoneNumber", Domain.PhoneNumber],
    ["PersonalQr", Domain.PersonalQr],
    ["CustomerToken", Domain.CustomerToken],
    ["PaymentDescription", Domain.PaymentDescription],
    ["AppUrl", Domain.AppUrl],
    ["Metadata", Domain.Metadata],
    ["MinimumUserAge", Domain.MinimumUserAge],
    ["ProfileScope", Domain.ProfileScope],
    ["EPaymentDateTime", Domain.EPaymentDateTime],
  ]

// An optional field a caller sets to `undefined` is absent on the wire: compare without them.
const withoutUndefined = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutUndefined)
  if (typeof value !== "object" || value === null) return value
  if (Object.getPrototypeOf(value) !== Object.prototype) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .map(([name, field]) => [name, withoutUndefined(field)]),
  )
}

describe("valid input encodes and decodes to itself", () => {
  for (const [name, schema, arbitrary] of cases) {
    it(name, () => {
      const encode = Schema.encodeSync(schema)
      const decode = Schema.decodeUnknownSync(schema, { onExcessProperty: "error" })
      const same = Schema.equivalence(schema)
      fc.assert(
        fc.property(arbitrary ?? Arbitrary.make(schema), (value) => {
          const sent: unknown = JSON.parse(JSON.stringify(encode(value)))
          expect(same(decode(sent), withoutUndefined(value))).toBe(true)
        }),
        // A create request is costly to generate (a receipt, metadata): fewer, for the time budget.
        { numRuns: name === "CreatePaymentRequest" ? 100 : 200 },
      )
    })
  }
})
