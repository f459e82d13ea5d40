/**
 * A sale the till holds: `SaleFlow.start` returns once the payment exists and is journaled,
 * with its reference and QR, its states, `await` and `cancel`; `SaleFlow.lookup` finds a sale
 * by order id in the journal and reads it once.
 */
import { SaleFlow } from "@effect-mobilepay/epayment"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Option, Stream } from "effect"
import { anna } from "../support/Sandboxed.js"
import { dkk, sales } from "../support/Sales.js"

describe("SaleFlow.start: a sale the till holds", () => {
  it.scoped(
    "returns once the payment exists; its states, then its outcome",
    () =>
      Effect.gen(function* () {
        const setting = yield* sales()
        const sale = yield* setting.run(
          SaleFlow.start({
            orderId: "held-order-01",
            amount: dkk(2500),
            userFlow: "PUSH_MESSAGE",
            customer: { phoneNumber: anna.phoneNumber },
          }),
        )
        expect([sale.orderId, sale.reference]).toEqual(["held-order-01", "held-order-01"])
        // Journaled and created, the customer not asked to act yet.
        const [entry] = yield* setting.journal.query({ orderId: "held-order-01" })
        expect(Option.getOrUndefined(entry!.resourceId)).toBe("held-order-01")
        const states = yield* Effect.fork(Stream.runCollect(sale.states))
        const stages = yield* Effect.fork(Stream.runCollect(sale.stages))
        yield* Time.waitUntil(
          Effect.map(setting.customer.requests(anna.phoneNumber), (answer) =>
            JSON.stringify(answer.body).includes('"held-order-01"'),
          ),
        )
        yield* setting.customer.approve("held-order-01")
        const outcome = yield* Time.driveUntilDone(yield* Effect.fork(sale.await), "500 millis")
        expect(outcome).toMatchObject({ _tag: "Captured", amount: 2500 })
        const seen = Chunk.toReadonlyArray(yield* Fiber.join(states)).map(
          (view) => `${view.stage} ${view.status}`,
        )
        expect(seen[0]).toBe("Open CREATED")
        expect(seen).toContain("Reserved AUTHORIZED")
        // The engine's stages, as V10's held payment gives them.
        expect(Chunk.toReadonlyArray(yield* Fiber.join(stages)).map((stage) => stage._tag)).toEqual(
          ["Created", "Reserved", "Decided", "Finished"],
        )
        // The lookup of support and reconciliation.
        const found = yield* setting.run(SaleFlow.lookup("held-order-01"))
        expect(Option.map(found, (sale) => [sale.reference, sale.entry.isFinished])).toEqual(
          Option.some(["held-order-01", true]),
        )
        expect(Option.flatMap(found, (sale) => sale.view)).toEqual(
          Option.some({ stage: "Ended", status: "CAPTURED", moneyMoved: true, amount: 2500 }),
        )
        expect(yield* setting.run(SaleFlow.lookup("no-such-order"))).toEqual(Option.none())
      }),
    // 3 to 4 s alone; past the default 5 s on a machine shared by many test runs.
    20_000,
  )

  it.scoped("a dynamic QR held: its image at once, and the till's cancel", () =>
    Effect.gen(function* () {
      const setting = yield* sales()
      const sale = yield* setting.run(
        SaleFlow.start({
          orderId: "held-order-02",
          amount: dkk(4500),
          userFlow: "QR",
          qrFormat: { format: "TEXT/TARGETURL" },
        }),
      )
      expect(sale.redirectUrl).toMatch(/^http/)
      expect(yield* sale.cancel).toMatchObject({ _tag: "NotCompleted", status: "TERMINATED" })
      const posts = (yield* setting.modifications).map((post) => [post.path, post.body])
      expect(posts[1]).toEqual([
        "/epayment/v1/payments/held-order-02/cancel",
        '{"cancelTransactionOnly":true}',
      ])
    }),
  )

  it.scoped("an order already captured answers at once, from the journal", () =>
    Effect.gen(function* () {
      const setting = yield* sales()
      const request = {
        orderId: "held-order-03",
        amount: dkk(1500),
        userFlow: "PUSH_MESSAGE" as const,
        customer: { phoneNumber: anna.phoneNumber },
      }
      const first = yield* setting.run(SaleFlow.start(request))
      yield* Time.waitUntil(
        Effect.map(setting.customer.requests(anna.phoneNumber), (answer) =>
          JSON.stringify(answer.body).includes('"held-order-03"'),
        ),
      )
      yield* setting.customer.approve("held-order-03")
      yield* Time.driveUntilDone(yield* Effect.fork(first.await), "500 millis")
      const again = yield* setting.run(SaleFlow.start(request))
      expect(yield* again.await).toMatchObject({ _tag: "Captured", amount: 1500 })
      expect(yield* setting.modifications).toHaveLength(2)
    }),
  )
})
