/**
 * The flows against the sandbox in-process: normal and unhappy paths, with the customer played
 * through the user simulation and time (polling, timeouts, reservation expiry) on TestClock.
 */
import { IntentStore, PaymentFlow, PointOfSaleFlow, RefundFlow } from "@effect-mobilepay/pos"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { creditUser, partialCaptureUser, pointOfSale, start, storeId } from "./support/Sandboxed.js"

// Long timeouts per call: the clock is moved in steps while requests are in flight, and these
// tests are about the flows, not about timeouts (see PosClientPipeline.test.ts).
const patient = { readTimeout: "1 hour", writeTimeout: "1 hour" } as const

const payment = (posId: string, orderId = "order-1", amount = 100) =>
  ({ posId, orderId, amount, currencyCode: "DKK", plannedCaptureDelay: "None" }) as const

describe("PointOfSaleFlow.ensurePos", () => {
  it.scoped("creates the point of sale once, then finds it", () =>
    Effect.gen(function* () {
      const { context, sandbox } = yield* start()
      const request = {
        merchantPosId: "till-9",
        storeId,
        name: "Till 9",
        supportedBeaconTypes: ["QR"],
      } as const
      const first = yield* PointOfSaleFlow.ensurePos(request).pipe(Effect.provide(context))
      const second = yield* PointOfSaleFlow.ensurePos(request).pipe(Effect.provide(context))
      expect(second).toEqual(first)
      expect(first.beaconId.length).toBeGreaterThan(0)
      expect(yield* sandbox.pointsOfSale).toHaveLength(1)
    }),
  )
})

describe("PaymentFlow.payAndCapture", () => {
  it.scoped("the customer checks in and accepts: Captured", () =>
    Effect.gen(function* () {
      const { context, client, sandbox } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const fiber = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId)).pipe(Effect.provide(context)),
      )
      yield* Time.waitUntil(Effect.map(sandbox.payments, (all) => all.length === 1))
      yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
      const outcome = yield* Time.driveUntilDone(fiber)
      expect(outcome).toMatchObject({ _tag: "Captured", amount: 100 })
      expect((yield* sandbox.payments).map((p) => p.status)).toEqual(["Captured"])
    }),
  )

  it.scoped("the customer cancels: NotCompleted with CancelledByUser", () =>
    Effect.gen(function* () {
      const { context, client, sandbox } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const fiber = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId)).pipe(Effect.provide(context)),
      )
      yield* Time.waitUntil(Effect.map(sandbox.payments, (all) => all.length === 1))
      yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* client.simulateCancelPaymentByUser({ beaconId: pos.beaconId })
      const outcome = yield* Time.driveUntilDone(fiber)
      expect(outcome).toMatchObject({ _tag: "NotCompleted", status: "CancelledByUser" })
    }),
  )

  it.scoped("nobody comes: after the customer timeout the payment is cancelled", () =>
    Effect.gen(function* () {
      const { context, client, sandbox } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const fiber = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId), { customerTimeout: "30 seconds" }).pipe(
          Effect.provide(context),
        ),
      )
      const outcome = yield* Time.driveUntilDone(fiber, "500 millis")
      expect(outcome).toMatchObject({ _tag: "NotCompleted", status: "CancelledByClient" })
      expect((yield* sandbox.payments).map((p) => p.status)).toEqual(["CancelledByClient"])
      // Nothing left to settle: the cancel intent was carried out and removed.
      const intents = yield* Effect.flatMap(IntentStore.IntentStore, (store) => store.all).pipe(
        Effect.provide(context),
      )
      expect(intents).toEqual([])
    }),
  )

  it.scoped("a point of sale blocked by an active payment (1301) is recovered", () =>
    Effect.gen(function* () {
      const { context, client, sandbox } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const stale = yield* client.initiatePayment(payment(pos.posId, "crashed-order"))
      const fiber = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId, "order-2"), {
          recoverActivePayment: true,
        }).pipe(Effect.provide(context)),
      )
      yield* Time.waitUntil(Effect.map(sandbox.payments, (all) => all.length === 2))
      yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
      const outcome = yield* Time.driveUntilDone(fiber)
      expect(outcome._tag).toBe("Captured")
      const statuses = new Map((yield* sandbox.payments).map((p) => [p.paymentId, p.status]))
      expect(statuses.get(stale.paymentId)).toBe("CancelledByClient")
    }),
  )

  it.scoped("without recovery, 1301 reaches the caller typed", () =>
    Effect.gen(function* () {
      const { context, client } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      yield* client.initiatePayment(payment(pos.posId, "first"))
      const error = yield* Effect.flip(
        PaymentFlow.payAndCapture(payment(pos.posId, "second")).pipe(Effect.provide(context)),
      )
      expect(error).toMatchObject({ _tag: "PaymentAlreadyActive", code: "1301" })
    }),
  )

  for (const [user, expected] of [
    [creditUser, "PartialCaptureNotPossible"],
    [partialCaptureUser, "Captured"],
  ] as const) {
    it.scoped(`a partial capture for ${user} ends ${expected}`, () =>
      Effect.gen(function* () {
        const { context, client, sandbox } = yield* start(patient)
        const pos = yield* pointOfSale(client)
        const fiber = yield* Effect.fork(
          PaymentFlow.payAndCapture(payment(pos.posId), { captureAmount: 60 }).pipe(
            Effect.either,
            Effect.provide(context),
          ),
        )
        yield* Time.waitUntil(Effect.map(sandbox.payments, (all) => all.length === 1))
        yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: user })
        yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: user })
        const result = yield* Time.driveUntilDone(fiber)
        const tag = result._tag === "Right" ? result.right._tag : result.left._tag
        expect(tag).toBe(expected)
        if (expected === "Captured") expect(result).toMatchObject({ right: { amount: 60 } })
      }),
    )
  }
})

describe("PaymentFlow.preparedPayment", () => {
  it.scoped("prepare, the customer pairs, ready, accept, capture", () =>
    Effect.gen(function* () {
      const { context, client, sandbox } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const fiber = yield* Effect.fork(
        PaymentFlow.preparedPayment({ ...payment(pos.posId), amount: 55.25 }).pipe(
          Effect.provide(context),
        ),
      )
      yield* Time.waitUntil(Effect.map(sandbox.payments, (all) => all.length === 1))
      yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* Time.waitUntil(
        Effect.map(sandbox.payments, (all) => all[0]?.status === "IssuedToUser"),
      ).pipe(Effect.race(Time.driveUntilDone(fiber).pipe(Effect.flatMap(() => Effect.never))))
      yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
      const outcome = yield* Time.driveUntilDone(fiber)
      expect(outcome).toMatchObject({ _tag: "Captured", amount: 55.25 })
    }),
  )
})

describe("RefundFlow.refund", () => {
  it.scoped("refunds part of a captured payment; more than captured is refused typed", () =>
    Effect.gen(function* () {
      const { context, client } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const { paymentId } = yield* client.initiatePayment(payment(pos.posId))
      yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* client.capturePayment(paymentId, { amount: 100 })
      const fiber = yield* Effect.fork(
        RefundFlow.refund({
          paymentId,
          refundOrderId: "r-1",
          amount: 40,
          currencyCode: "DKK",
        }).pipe(Effect.provide(context)),
      )
      const outcome = yield* Time.driveUntilDone(fiber)
      expect(outcome).toMatchObject({ _tag: "Refunded", amount: 40 })
      const error = yield* Effect.flip(
        RefundFlow.refund({
          paymentId,
          refundOrderId: "r-2",
          amount: 70,
          currencyCode: "DKK",
        }).pipe(Effect.provide(context)),
      )
      expect(error).toMatchObject({ _tag: "RefundExceedsCapturedAmount", code: "1367" })
    }),
  )
})

describe("IntentStore.settle", () => {
  it.scoped("captures exactly the reservations meant to be captured, cancels the others", () =>
    Effect.gen(function* () {
      const { context, client, sandbox } = yield* start(patient)
      const reserve = (merchantPosId: string, orderId: string) =>
        Effect.gen(function* () {
          const pos = yield* pointOfSale(client, merchantPosId)
          const { paymentId } = yield* client.initiatePayment(payment(pos.posId, orderId, 25))
          yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
          yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
          return paymentId
        })
      const keep = yield* reserve("till-a", "keep")
      const drop = yield* reserve("till-b", "drop")
      const unknown = yield* reserve("till-c", "no-intent")
      const store = yield* Effect.provide(IntentStore.IntentStore, context)
      yield* store.record(keep, { _tag: "Capture", amount: 25 })
      yield* store.record(drop, { _tag: "Cancel" })

      const report = yield* IntentStore.settle.pipe(Effect.provide(context))
      expect(report).toMatchObject({ captured: [keep], cancelled: [drop], failed: [] })
      const statuses = new Map((yield* sandbox.payments).map((p) => [p.paymentId, p.status]))
      expect([statuses.get(keep), statuses.get(drop), statuses.get(unknown)]).toEqual([
        "Captured",
        "CancelledByClient",
        "Reserved",
      ])
      expect(yield* store.all).toEqual([])
    }),
  )

  it.scoped("a reservation left for 7 days expires, and settling just forgets it", () =>
    Effect.gen(function* () {
      const { context, client, sandbox } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const { paymentId } = yield* client.initiatePayment(payment(pos.posId))
      yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
      const store = yield* Effect.provide(IntentStore.IntentStore, context)
      yield* store.record(paymentId, { _tag: "Capture", amount: 100 })
      yield* TestClock.adjust("7 days")
      yield* TestClock.adjust("1 second")
      const report = yield* IntentStore.settle.pipe(Effect.provide(context))
      expect(report).toMatchObject({ alreadyFinal: [paymentId], captured: [] })
      expect((yield* sandbox.payments).map((p) => p.status)).toEqual(["ExpiredAndCancelled"])
    }),
  )
})
