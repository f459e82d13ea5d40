/**
 * Property: every answer the contract allows decodes. The answers come from the OpenAPI file
 * (test/support/ContractAnswers.ts), not from the client's schemas, 200 per operation.
 */
import { Untrusted } from "@effect-mobilepay/core"
import { Payment, PointOfSale, PosError, Refund, Store } from "@effect-mobilepay/pos"
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
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

describe("answers the contract allows", () => {
  it("every operation with an answer body has a schema here", () => {
    expect([...answers.keys()].sort()).toEqual([...schemas.keys()].sort())
  })

  for (const [operation, answer] of answers) {
    it(`${operation}: every answer the contract allows decodes`, () => {
      const schema = schemas.get(operation)
      expect(schema).toBeDefined()
      if (schema === undefined) return
      const decode = Schema.decodeUnknownEither(schema)
      fc.assert(
        fc.property(answer, (body) => {
          // As it arrives: through JSON text.
          const result = decode(JSON.parse(JSON.stringify(body)))
          if (Either.isLeft(result)) {
            throw new Error(`${JSON.stringify(body)} did not decode: ${result.left.message}`)
          }
        }),
        { numRuns: 200 },
      )
    })
  }

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
