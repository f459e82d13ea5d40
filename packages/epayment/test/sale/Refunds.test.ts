/**
 * Refunds as journaled sales of their own: partial and several (each its own order id), a
 * refund rung up again answering from the journal, a lost refund answer resumed without a
 * second refund, and a refund beyond what is left refused, typed.
 */
import { RetryPolicy } from "@effect-mobilepay/core"
import { SaleFlow } from "@effect-mobilepay/epayment"
import { Fault } from "@effect-mobilepay/sandbox"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { anna } from "../support/Sandboxed.js"
import { dkk, sales, type Setting, shown } from "../support/Sales.js"

/** A payment of `value` rung up, approved and captured. */
const captured = (setting: Setting, orderId: string, value: number) =>
  Effect.gen(function* () {
    const flow = yield* Effect.fork(
      setting.run(
        SaleFlow.pushToPhone({ orderId, amount: dkk(value), phoneNumber: anna.phoneNumber }),
      ),
    )
    yield* shown(setting, orderId)
    yield* setting.customer.approve(orderId)
    return yield* Time.driveUntilDone(flow, "500 millis")
  })

const refunds = (setting: Setting, reference: string) =>
  Effect.map(setting.client.events(reference), (events) =>
    events.filter((event) => event.name === "REFUNDED").map((event) => event.amount.value),
  )

describe("SaleFlow.refund on the sale engine", () => {
  it.scoped(
    "partial refunds, several, each its own order; one rung up again refunds nothing more",
    () =>
      Effect.gen(function* () {
        const setting = yield* sales()
        yield* captured(setting, "refunded-sale1", 10000)
        const first = yield* setting.run(
          SaleFlow.refund({ orderId: "refund-1", reference: "refunded-sale1", amount: dkk(3000) }),
        )
        expect(first).toEqual({ orderId: "refund-1", reference: "refunded-sale1", amount: 3000 })
        const second = yield* setting.run(
          SaleFlow.refund({ orderId: "refund-2", reference: "refunded-sale1", amount: dkk(2000) }),
        )
        expect(second.amount).toBe(2000)
        const again = yield* setting.run(
          SaleFlow.refund({ orderId: "refund-1", reference: "refunded-sale1", amount: dkk(3000) }),
        )
        expect(again).toEqual(first)
        expect(yield* refunds(setting, "refunded-sale1")).toEqual([3000, 2000])
        const [entry] = yield* setting.journal.query({ kind: "Refund", orderId: "refund-1" })
        expect(Option.getOrUndefined(entry!.outcome)).toEqual({
          _tag: "Final",
          status: "REFUNDED",
          amount: 3000,
        })
        const tooMuch = yield* Effect.flip(
          setting.run(
            SaleFlow.refund({
              orderId: "refund-3",
              reference: "refunded-sale1",
              amount: dkk(5001),
            }),
          ),
        )
        expect(tooMuch._tag).toBe("RefundAmountTooHigh")
        const [refused] = yield* setting.journal.query({ kind: "Refund", orderId: "refund-3" })
        expect(Option.getOrUndefined(refused!.outcome)?._tag).toBe("NotCreated")
        expect(yield* refunds(setting, "refunded-sale1")).toEqual([3000, 2000])
      }),
  )

  it.scoped("a lost refund answer: rung up again, the same refund (its key), not a second", () =>
    Effect.gen(function* () {
      const setting = yield* sales({
        client: { retryPolicy: RetryPolicy.make({ retries: 0 }) },
        sandbox: {
          faults: [
            {
              route: "POST /epayment/v1/payments/{reference}/refund",
              fault: Fault.Fault.ConnectionReset(),
              times: 1,
            },
          ],
        },
      })
      yield* captured(setting, "refunded-sale2", 10000)
      const refund = SaleFlow.refund({
        orderId: "refund-lost-1",
        reference: "refunded-sale2",
        amount: dkk(2500),
      })
      const lost = yield* Effect.flip(setting.run(refund))
      expect(lost._tag).toBe("SaleUnresolved")
      expect(yield* refunds(setting, "refunded-sale2")).toEqual([2500])
      expect((yield* setting.run(refund)).amount).toBe(2500)
      expect(yield* refunds(setting, "refunded-sale2")).toEqual([2500])
      const posts = (yield* setting.modifications).filter((post) => post.path.endsWith("/refund"))
      expect(posts).toHaveLength(2)
      expect(posts[1]?.headers["idempotency-key"]).toBe(posts[0]?.headers["idempotency-key"])
    }),
  )
})
