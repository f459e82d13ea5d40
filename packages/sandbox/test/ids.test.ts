import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import { initiate } from "./support/Flows.js"
import { createPos } from "./support/Flows.js"
import { field, posClient } from "./support/Http.js"
import { platformCaller } from "./support/Platform.js"

/** The ids a client's journal keeps from one run: a V10 point of sale and payment, an ePayment. */
const idsOfOneRun = (options: Sandbox.SandboxOptions) =>
  Effect.scoped(
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make(options)
      const pos = yield* posClient(sandbox, SeedData.integratorA, "DK90000028")
      const { posId } = yield* createPos(pos, { merchantPosId: "till-1" })
      const paymentId = String(field(yield* initiate(pos, posId), "paymentId"))
      const shop = yield* platformCaller(sandbox, SeedData.demoShopDk)
      const created = yield* shop.call("POST", "/epayment/v1/payments", {
        json: {
          amount: { currency: "DKK", value: 1000 },
          paymentMethod: { type: "WALLET" },
          reference: "ids-order-1",
          userFlow: "QR",
          customerInteraction: "CUSTOMER_PRESENT",
        },
      })
      expect(created.status).toBe(201)
      const read = yield* shop.call("GET", "/epayment/v1/payments/ids-order-1")
      return { posId, paymentId, pspReference: String(field(read, "pspReference")) }
    }),
  )

describe("ids across runs", () => {
  it.live("two runs without a seed hand out different ids (a restart is not a replay)", () =>
    Effect.gen(function* () {
      const first = yield* idsOfOneRun({})
      const second = yield* idsOfOneRun({})
      expect(second.posId).not.toBe(first.posId)
      expect(second.paymentId).not.toBe(first.paymentId)
      expect(second.pspReference).not.toBe(first.pspReference)
      expect(second.pspReference).toMatch(/^\d+$/)
    }),
  )

  it.live("two runs with the same seed hand out the same ids; another seed others", () =>
    Effect.gen(function* () {
      const first = yield* idsOfOneRun({ seed: "repeat-me" })
      expect(yield* idsOfOneRun({ seed: "repeat-me" })).toEqual(first)
      const other = yield* idsOfOneRun({ seed: "another" })
      expect(other.posId).not.toBe(first.posId)
      expect(other.pspReference).not.toBe(first.pspReference)
    }),
  )
})
