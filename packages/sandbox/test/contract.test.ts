import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import { allOperationIds, violations } from "./support/Contract.js"
import { certStoreId } from "./support/Flows.js"
import { field, posClient, send, type Reply } from "./support/Http.js"

// Every reply of every test already goes through the contract check (support/Http.ts); this
// test makes sure that check is alive and that one run touches every operation of the file.
describe("contract", () => {
  it("the check rejects what the contract does not allow", () => {
    const unknownField = violations(
      "GET",
      "/pos/v10/payments",
      200,
      "application/json",
      '{"paymentIds":[],"extra":1}',
    )
    expect(unknownField.problems).not.toEqual([])
    const wrongType = violations(
      "GET",
      "/pos/v10/stores",
      200,
      "application/json",
      '{"storeIds":"x"}',
    )
    expect(wrongType.problems).not.toEqual([])
    const bodyOn404 = violations(
      "GET",
      "/pos/v10/payments/x",
      404,
      "application/json",
      '{"code":"1"}',
    )
    expect(bodyOn404.problems).not.toEqual([])
    const undeclared = violations("GET", "/pos/v10/payments", 409, "application/json", "{}")
    expect(undeclared.problems).not.toEqual([])
    const nullable = violations(
      "GET",
      "/pos/v10/payments/3974eae6-e36f-4148-b5ee-22689e528c75",
      200,
      "application/json",
      JSON.stringify({
        paymentId: "3974eae6-e36f-4148-b5ee-22689e528c75",
        posId: "c85916b1-8e17-4275-a388-551e16aa6293",
        orderId: "o",
        amount: null,
        status: "Prepared",
        pollDelayInMs: 1,
      }),
    )
    expect(nullable.problems).toEqual([])
    expect(allOperationIds).toHaveLength(23)
  })

  it.scoped(
    "one run through the sandbox answers every operation of the contract, each conforming",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make({ tokenLifetime: Duration.days(30) })
        const seen = new Set<string>()
        const note = (reply: Reply) => {
          if (reply.operationId !== undefined) seen.add(reply.operationId)
          return reply
        }
        const a = yield* posClient(sandbox, SeedData.integratorA, "DK90000028")
        const call = (method: string, path: string, json?: unknown) =>
          Effect.map(a.call(method, path, json === undefined ? {} : { json }), note)
        const sim = (action: string, json: unknown) =>
          Effect.map(send("POST", `${sandbox.userSimulationUrl}/${action}`, { json }), note)

        yield* call("GET", "/stores")
        yield* call("GET", "/stores/detailed")
        yield* call("GET", `/stores/${certStoreId}`)
        yield* call("GET", "/stores/00000000-0000-4000-8000-000000000000")
        const posId = String(
          field(
            yield* call("POST", "/pointofsales", {
              merchantPosId: "m",
              storeId: certStoreId,
              name: "n",
              supportedBeaconTypes: ["NFC"],
            }),
            "posId",
          ),
        )
        yield* call("POST", "/pointofsales", {
          merchantPosId: "m",
          storeId: certStoreId,
          name: "n",
          supportedBeaconTypes: ["NFC"],
        })
        const beaconId = String(field(yield* call("GET", `/pointofsales/${posId}`), "beaconId"))
        yield* call("GET", "/pointofsales?merchantPosId=m")
        yield* call("GET", "/pointofsales")
        yield* call("GET", `/pointofsales/${posId}/checkin`)
        yield* sim("checkin", { beaconId, phoneNumber: "+4520031805" })
        yield* call("GET", `/pointofsales/${posId}/checkin`)
        const prepared = String(
          field(yield* call("POST", "/payments/prepare", { posId, orderId: "o1" }), "paymentId"),
        )
        yield* call("POST", "/payments/prepare", { posId, orderId: "o1" })
        yield* call("GET", `/payments/${prepared}`)
        yield* call("POST", `/payments/${prepared}/ready`, {
          amount: 10,
          currencyCode: "DKK",
          plannedCaptureDelay: "None",
        })
        yield* call("POST", `/payments/${prepared}/ready`, {
          amount: 10,
          currencyCode: "DKK",
          plannedCaptureDelay: "None",
        })
        yield* sim("cancelpaymentbyuser", { beaconId })
        yield* call("POST", `/payments/${prepared}/cancel`)
        const paymentId = String(
          field(
            yield* call("POST", "/payments", {
              posId,
              orderId: "o2",
              amount: 10,
              currencyCode: "DKK",
              plannedCaptureDelay: "None",
            }),
            "paymentId",
          ),
        )
        yield* call("POST", "/payments", {
          posId,
          orderId: "o3",
          amount: 10,
          currencyCode: "DKK",
          plannedCaptureDelay: "None",
        })
        yield* sim("checkin", { beaconId, phoneNumber: "+4520031805" })
        yield* sim("acceptpayment", { beaconId, phoneNumber: "+4520031805" })
        yield* sim("acceptpayment", { beaconId, phoneNumber: "+4520031805" })
        yield* call("GET", `/payments/${paymentId}`)
        yield* call("GET", "/payments?orderId=o2")
        yield* call("GET", "/payments")
        yield* call("POST", `/payments/${paymentId}/capture`, { amount: 11 })
        yield* call("POST", `/payments/${paymentId}/capture`, { amount: 7.5 })
        yield* call("POST", `/payments/${paymentId}/cancel`)
        yield* call("GET", `/payments/${paymentId}`)
        yield* call("GET", "/payments?orderId=o2&state=Captured")
        const refundId = String(
          field(
            yield* call("POST", "/refunds", {
              paymentId,
              refundOrderId: "r",
              amount: 5,
              currencyCode: "DKK",
            }),
            "refundId",
          ),
        )
        yield* call("POST", "/refunds", {
          paymentId,
          refundOrderId: "r",
          amount: 5,
          currencyCode: "EUR",
        })
        yield* call("GET", `/refunds/${refundId}`)
        yield* call("GET", `/refunds?paymentId=${paymentId}`)
        yield* call("GET", "/refunds")
        yield* call("POST", `/refunds/${refundId}/cancel`)
        yield* call("POST", `/refunds/${refundId}/capture`)
        const second = String(
          field(
            yield* call("POST", "/refunds", {
              paymentId,
              refundOrderId: "r2",
              amount: 1,
              currencyCode: "DKK",
            }),
            "refundId",
          ),
        )
        yield* TestClock.adjust(Duration.days(1))
        yield* call("GET", `/refunds/${second}`)
        yield* call("POST", `/refunds/${second}/capture`)
        yield* call("DELETE", `/pointofsales/${posId}`)
        yield* call("DELETE", `/pointofsales/${posId}`)
        yield* sim("checkin", { beaconId, phoneNumber: "+4520031801" })

        expect([...seen].sort()).toEqual([...allOperationIds].sort())
      }),
  )
})
