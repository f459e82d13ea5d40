/**
 * Property: every answer the contract allows decodes. The answers come from the OpenAPI file
 * (test/support/ContractAnswers.ts), not from the client's schemas, 200 per operation.
 */
import { Untrusted } from "@effect-mobilepay/core"
import { Contract } from "@effect-mobilepay/test-support"
import { Payment, PointOfSale, PosError, Refund, Store } from "@effect-mobilepay/pos"
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"
import { answers, errorBodies } from "./support/ContractAnswers.js"

const schemas: ReadonlyMap<string, Schema.Schema.AnyNoContext> = new Map<
  string,
  Schema.Schema.AnyNoContext
>([
  ["CreatePos", PointOfSale.CreatePosResponse],
  ["GetPosWithFilter", PointOfSale.PosIdsResponse],
  ["GetPos", PointOfSale.PosResponse],
  ["GetCheckIn", PointOfSale.GetCheckInResponse],
  ["GetStores", Store.StoreIdsResponse],
  ["GetDetailedStores", Store.GetDetailedStoresResponse],
  ["GetStore", Store.StoreResponse],
  ["InitiatePayment", Payment.PaymentInitiatedResponse],
  ["PreparePayment", Payment.PaymentInitiatedResponse],
  ["QueryPayment", Payment.QueryPaymentResponse],
  ["QueryPaymentIds", Payment.QueryPaymentIdsResponse],
  ["CreateRefund", Refund.CreateRefundResponse],
  ["QueryRefundIds", Refund.QueryRefundIdsResponse],
  ["GetRefund", Refund.GetRefundResponse],
])

Contract.everyAnswerDecodes(answers, schemas)

describe("error bodies the contract allows", () => {
  it("every error body the contract allows gives its status's error with its fields", () => {
    fc.assert(
      fc.property(errorBodies, fc.constantFrom(400, 403, 404, 409, 500), (body, status) => {
        const error = PosError.fromResponse({
          operation: "InitiatePayment",
          status,
          body: JSON.stringify(body),
        })
        expect(error.status).toBe(status)
        const code = Schema.decodeUnknownOption(Schema.Struct({ code: Schema.String }))(body)
        if (code._tag === "Some" && code.value.code.trim() !== "") {
          expect(error.code).toBe(Untrusted.sanitize(code.value.code.trim()))
        }
      }),
      { numRuns: 300 },
    )
  })
})
