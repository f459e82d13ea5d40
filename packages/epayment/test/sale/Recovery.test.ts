/**
 * What the engine does for ePayment when answers are lost or a flow dies, against the sandbox's
 * faults on the TestClock: a lost create answer is resumed without a second payment, a lost
 * capture answer is read back, a capture that failed after its decision is finished by
 * Recovery, a flow that died before the customer decided is cancelled by Recovery, and one
 * open payment per till.
 */
import { RetryPolicy } from "@effect-mobilepay/core"
import { Recovery, SaleFlow } from "@effect-mobilepay/epayment"
import { Fault } from "@effect-mobilepay/sandbox"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, TestClock } from "effect"
import { anna, bent } from "../support/Sandboxed.js"
import { dkk, eventsOf, sales, shown } from "../support/Sales.js"

// The client gives up at once, so what the engine does after a lost answer is what is seen.
const noRetries = { retryPolicy: RetryPolicy.make({ retries: 0 }) }

const push = (
  orderId: string,
  options: SaleFlow.CaptureOptions = {},
  phoneNumber = anna.phoneNumber,
) => SaleFlow.pushToPhone({ orderId, amount: dkk(5000), phoneNumber }, options)

describe("SaleFlow and Recovery when answers are lost or a flow dies", () => {
  it.scoped("a lost create answer: ringing the order up again resumes it, one payment", () =>
    Effect.gen(function* () {
      const setting = yield* sales({
        client: noRetries,
        sandbox: {
          faults: [
            { route: "POST /epayment/v1/payments", fault: Fault.Fault.ConnectionReset(), times: 1 },
          ],
        },
      })
      const lost = yield* Effect.flip(setting.run(push("lost-create-01")))
      expect(lost._tag === "SaleUnresolved" && [lost.orderId, lost.resourceId]).toEqual([
        "lost-create-01",
        undefined,
      ])
      const again = yield* Effect.fork(setting.run(push("lost-create-01")))
      yield* shown(setting, "lost-create-01")
      yield* setting.customer.approve("lost-create-01")
      expect(yield* Time.driveUntilDone(again, "500 millis")).toMatchObject({
        _tag: "Captured",
        reference: "lost-create-01",
      })
      const creates = (yield* setting.modifications).filter(
        (post) => post.path === "/epayment/v1/payments",
      )
      expect(creates).toHaveLength(2)
      expect(creates[1]?.headers["idempotency-key"]).toBe(creates[0]?.headers["idempotency-key"])
      expect(creates[1]?.body).toBe(creates[0]?.body)
      expect((yield* setting.customer.requests(anna.phoneNumber)).body).toEqual([])
      expect(yield* eventsOf(setting, "lost-create-01")).toEqual([
        "CREATED 5000",
        "AUTHORIZED 5000",
        "CAPTURED 5000",
      ])
    }),
  )

  it.scoped("a lost capture answer: read back as captured, never captured twice", () =>
    Effect.gen(function* () {
      const setting = yield* sales({
        client: noRetries,
        sandbox: {
          faults: [
            {
              route: "POST /epayment/v1/payments/{reference}/capture",
              fault: Fault.Fault.ConnectionReset(),
              times: 1,
            },
          ],
        },
      })
      const flow = yield* Effect.fork(setting.run(push("lost-capture-1")))
      yield* shown(setting, "lost-capture-1")
      yield* setting.customer.approve("lost-capture-1")
      expect(yield* Time.driveUntilDone(flow, "500 millis")).toMatchObject({
        _tag: "Captured",
        amount: 5000,
      })
      expect(yield* eventsOf(setting, "lost-capture-1")).toEqual([
        "CREATED 5000",
        "AUTHORIZED 5000",
        "CAPTURED 5000",
      ])
    }),
  )

  it.scoped("a capture that failed after it was decided is finished by Recovery as decided", () =>
    Effect.gen(function* () {
      const setting = yield* sales({
        client: noRetries,
        sandbox: {
          faults: [
            {
              route: "POST /epayment/v1/payments/{reference}/capture",
              fault: Fault.Fault.Unavailable(),
              times: 1,
            },
          ],
        },
      })
      const flow = yield* Effect.fork(setting.run(push("decided-order1", { captureAmount: 3000 })))
      yield* shown(setting, "decided-order1")
      yield* setting.customer.approve("decided-order1")
      const failed = yield* Effect.flip(Time.driveUntilDone(flow, "500 millis"))
      expect(failed).toMatchObject({
        _tag: "SaleUnresolved",
        resourceId: "decided-order1",
        decision: { _tag: "Capture", amount: 3000 },
      })
      const report = yield* setting.run(Recovery.recover())
      expect(report.finished.map((entry) => entry.orderId)).toEqual(["decided-order1"])
      expect(report.isComplete).toBe(true)
      expect(yield* eventsOf(setting, "decided-order1")).toEqual([
        "CREATED 5000",
        "AUTHORIZED 5000",
        "CAPTURED 3000",
        "CANCELLED 2000",
      ])
      // The order answers from the journal now.
      expect(yield* setting.run(push("decided-order1", { captureAmount: 3000 }))).toMatchObject({
        _tag: "Captured",
        amount: 3000,
      })
    }),
  )

  it.scoped(
    "a flow that died before the customer decided: Recovery cancels it after the grace, even an approval",
    () =>
      Effect.gen(function* () {
        const setting = yield* sales()
        const flow = yield* Effect.fork(setting.run(push("died-order-01")))
        yield* shown(setting, "died-order-01")
        yield* Fiber.interrupt(flow)
        // The customer approves after the till's program died; nothing was decided.
        yield* setting.customer.approve("died-order-01")
        // Within the grace (the till may ring the order up again and take the approval over) it
        // is left; after it, cancelled.
        const early = yield* setting.run(Recovery.recover())
        expect(early.pending.map((entry) => entry.orderId)).toEqual(["died-order-01"])
        yield* TestClock.adjust("2 minutes")
        const report = yield* setting.run(Recovery.recover())
        expect(report.finished.map((entry) => Option.getOrUndefined(entry.outcome))).toEqual([
          { _tag: "Final", status: "CANCELLED" },
        ])
        expect(yield* eventsOf(setting, "died-order-01")).toEqual([
          "CREATED 5000",
          "AUTHORIZED 5000",
          "CANCELLED 5000",
        ])
      }),
  )

  it.scoped.each([
    {
      name: "created, its answer lost",
      fault: Fault.Fault.ConnectionReset(),
      outcome: { _tag: "Final", status: "TERMINATED" },
      events: ["CREATED 5000", "TERMINATED 5000"],
    },
    {
      name: "never reached the platform",
      fault: Fault.Fault.Unavailable(),
      outcome: { _tag: "NotCreated" },
      events: [],
    },
  ])(
    "a create with no answer ($name): Recovery does not send it again, it looks once no create can still arrive",
    ({ fault, outcome, events }) =>
      Effect.gen(function* () {
        const setting = yield* sales({
          client: noRetries,
          sandbox: { faults: [{ route: "POST /epayment/v1/payments", fault, times: 1 }] },
        })
        const orderId = "no-answer-01"
        const lost = yield* Effect.flip(setting.run(push(orderId)))
        expect(lost._tag === "SaleUnresolved" && lost.resourceId).toBeUndefined()
        const creates = Effect.map(setting.modifications, (posts) =>
          posts.filter((post) => post.path === "/epayment/v1/payments"),
        )
        // No grace for the undecided sale: what holds recovery back is the create in flight.
        const early = yield* setting.run(Recovery.recover({ undecidedGrace: 0 }))
        expect(early.pending.map((entry) => entry.orderId)).toEqual([orderId])
        expect(yield* creates).toHaveLength(1)
        yield* TestClock.adjust("5 minutes")
        const report = yield* setting.run(Recovery.recover({ undecidedGrace: 0 }))
        expect(report.finished.map((entry) => Option.getOrUndefined(entry.outcome)?._tag)).toEqual([
          outcome._tag,
        ])
        expect(Option.getOrUndefined(report.finished[0]!.outcome)).toMatchObject(outcome)
        // One create, ever: the customer was never asked again.
        expect(yield* creates).toHaveLength(1)
        const payment = yield* Effect.either(setting.client.get(orderId))
        expect(payment._tag === "Left" ? payment.left._tag : "found").toBe(
          events.length === 0 ? "PaymentNotFound" : "found",
        )
        if (events.length > 0) expect(yield* eventsOf(setting, orderId)).toEqual(events)
      }),
  )

  it.scoped("one open payment per till: a live sale blocks the next, typed; nothing is sent", () =>
    Effect.gen(function* () {
      const setting = yield* sales()
      const first = yield* Effect.fork(setting.run(push("till-order-01", { till: "till-1" })))
      yield* shown(setting, "till-order-01")
      const busy = yield* Effect.flip(
        setting.run(push("till-order-02", { till: "till-1" }, bent.phoneNumber)),
      )
      expect(busy).toMatchObject({
        _tag: "SaleInProgress",
        orderId: "till-order-01",
        posId: "till-1",
        requestedOrderId: "till-order-02",
      })
      expect((yield* setting.customer.requests(bent.phoneNumber)).body).toEqual([])
      // Another till is free.
      const elsewhere = yield* Effect.fork(
        setting.run(push("till-order-03", { till: "till-2" }, bent.phoneNumber)),
      )
      yield* shown(setting, "till-order-03", bent.phoneNumber)
      yield* Fiber.interrupt(elsewhere)
      yield* Fiber.interrupt(first)
    }),
  )

  it.scoped("one open payment per till: a dead sale at the till is cancelled before the next", () =>
    Effect.gen(function* () {
      const setting = yield* sales()
      const first = yield* Effect.fork(setting.run(push("till-order-11", { till: "till-1" })))
      yield* shown(setting, "till-order-11")
      yield* Fiber.interrupt(first)
      const next = yield* Effect.fork(
        setting.run(push("till-order-12", { till: "till-1" }, bent.phoneNumber)),
      )
      yield* shown(setting, "till-order-12", bent.phoneNumber)
      expect((yield* setting.client.get("till-order-11")).state).toBe("TERMINATED")
      expect((yield* setting.modifications).map((post) => post.path)).toEqual([
        "/epayment/v1/payments",
        "/epayment/v1/payments/till-order-11/cancel",
        "/epayment/v1/payments",
      ])
      yield* setting.customer.approve("till-order-12", bent.phoneNumber)
      expect(yield* Time.driveUntilDone(next, "500 millis")).toMatchObject({ _tag: "Captured" })
      const [previous] = yield* setting.journal.query({ orderId: "till-order-11" })
      expect(Option.getOrUndefined(previous!.outcome)).toEqual({
        _tag: "Final",
        status: "TERMINATED",
      })
    }),
  )
})
