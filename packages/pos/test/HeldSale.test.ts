/**
 * A sale the till holds (`PaymentFlow.start`): answered as soon as the payment exists and is
 * journalled, with its states as they come, its outcome, a cancel from the till, and a lookup
 * of the order. Against the sandbox in-process, the customer played through the user
 * simulation, polling on TestClock.
 */
import { PaymentFlow } from "@effect-mobilepay/pos"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Stream } from "effect"
import { creditUser, merchant, pointOfSale, start } from "./support/Sandboxed.js"

const patient = { readTimeout: "1 hour", writeTimeout: "1 hour" } as const

const payment = (posId: string, orderId = "order-1", amount = 100) =>
  ({ posId, orderId, amount, currencyCode: "DKK", plannedCaptureDelay: "None" }) as const

describe("PaymentFlow.start", () => {
  it.scoped(
    "answers once the payment exists, before the customer acts; its states run to Finished",
    () =>
      Effect.gen(function* () {
        const { context, client, sandbox } = yield* start(patient)
        const pos = yield* pointOfSale(client)
        const held = yield* PaymentFlow.start(payment(pos.posId)).pipe(Effect.provide(context))
        // The payment exists at MobilePay and nobody has acted on it yet.
        const [created] = yield* sandbox.payments
        expect(created).toMatchObject({ paymentId: held.paymentId, status: "Initiated" })
        expect(held.orderId).toBe("order-1")

        const states = yield* Effect.fork(Stream.runCollect(held.states))
        const outcome = yield* Effect.fork(held.await)
        yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
        yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
        expect(yield* Time.driveUntilDone(outcome)).toEqual(
          PaymentFlow.PaymentOutcome.Captured({ paymentId: held.paymentId, amount: 100 }),
        )
        const seen = [...(yield* Time.driveUntilDone(states))]
        expect(seen.map((state) => state._tag)).toEqual([
          "Created",
          "Reserved",
          "Decided",
          "Finished",
        ])
        expect(seen[2]).toMatchObject({ decision: { _tag: "Capture", amount: 100 } })
        expect((yield* sandbox.payments).map((p) => p.status)).toEqual(["Captured"])
      }),
  )

  it.scoped(
    "cancel from the till before the customer acts: cancelled at MobilePay, nothing captured",
    () =>
      Effect.gen(function* () {
        const { context, client, journal, sandbox } = yield* start(patient)
        const pos = yield* pointOfSale(client)
        const held = yield* PaymentFlow.start(payment(pos.posId)).pipe(Effect.provide(context))
        const cancelled = yield* Effect.fork(held.cancel)
        expect(yield* Time.driveUntilDone(cancelled)).toEqual(
          PaymentFlow.PaymentOutcome.NotCompleted({
            paymentId: held.paymentId,
            status: "CancelledByClient",
          }),
        )
        expect((yield* sandbox.payments).map((p) => p.status)).toEqual(["CancelledByClient"])
        const [entry] = yield* journal.attempts("PosV10", "Payment", merchant.vat, "order-1")
        expect(Option.getOrUndefined(entry?.decision ?? Option.none())).toEqual({ _tag: "Cancel" })
        // Awaiting a cancelled sale answers the same outcome.
        expect((yield* held.await)._tag).toBe("NotCompleted")
      }),
  )

  it.scoped(
    "cancel after the customer accepted and the capture was decided: answers Captured",
    () =>
      Effect.gen(function* () {
        const { context, client, sandbox } = yield* start(patient)
        const pos = yield* pointOfSale(client)
        const held = yield* PaymentFlow.start(payment(pos.posId)).pipe(Effect.provide(context))
        const outcome = yield* Effect.fork(held.await)
        yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
        yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
        yield* Time.driveUntilDone(outcome)
        const cancelled = yield* held.cancel
        expect(cancelled._tag).toBe("Captured")
        expect((yield* sandbox.payments).map((p) => p.status)).toEqual(["Captured"])
      }),
  )

  it.scoped("an order already paid answers at once, finished, without a second payment", () =>
    Effect.gen(function* () {
      const { context, client, sandbox } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const first = yield* PaymentFlow.start(payment(pos.posId)).pipe(Effect.provide(context))
      const outcome = yield* Effect.fork(first.await)
      yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* Time.driveUntilDone(outcome)
      const again = yield* PaymentFlow.start(payment(pos.posId)).pipe(Effect.provide(context))
      expect(again.paymentId).toBe(first.paymentId)
      expect((yield* again.await)._tag).toBe("Captured")
      expect(yield* sandbox.payments).toHaveLength(1)
    }),
  )
})

describe("PaymentFlow.lookup", () => {
  it.scoped(
    "an order: none before, MobilePay's status while the customer decides, the outcome after",
    () =>
      Effect.gen(function* () {
        const { context, client } = yield* start(patient)
        const pos = yield* pointOfSale(client)
        const lookup = PaymentFlow.lookup("order-1").pipe(Effect.provide(context))
        expect(yield* lookup).toEqual(Option.none())

        const held = yield* PaymentFlow.start(payment(pos.posId)).pipe(Effect.provide(context))
        const during = Option.getOrThrow(yield* lookup)
        expect(Option.getOrUndefined(during.entry.resourceId)).toBe(held.paymentId)
        expect(Option.getOrUndefined(during.view)).toMatchObject({
          stage: "Open",
          status: "Initiated",
        })

        const outcome = yield* Effect.fork(held.await)
        yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
        yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
        yield* Time.driveUntilDone(outcome)
        const after = Option.getOrThrow(yield* lookup)
        expect(Option.getOrUndefined(after.entry.outcome)).toEqual({
          _tag: "Final",
          status: "Captured",
          amount: 100,
        })
        expect(after.view).toEqual(Option.none())
      }),
  )
})
