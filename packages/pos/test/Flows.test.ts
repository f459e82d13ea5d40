/**
 * The flows against the sandbox in-process: normal and unhappy paths, with the customer played
 * through the user simulation and time (polling, timeouts, reservation expiry) on TestClock.
 */
import { PaymentFlow, PointOfSaleFlow, RefundFlow } from "@effect-mobilepay/pos"
import { Fault } from "@effect-mobilepay/sandbox"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, Option } from "effect"
import {
  creditUser,
  merchant,
  partialCaptureUser,
  pointOfSale,
  start,
  storeId,
} from "./support/Sandboxed.js"

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
      const { context, client, journal, sandbox } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const fiber = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId), { customerTimeout: "30 seconds" }).pipe(
          Effect.provide(context),
        ),
      )
      const outcome = yield* Time.driveUntilDone(fiber, "500 millis")
      expect(outcome).toMatchObject({ _tag: "NotCompleted", status: "CancelledByClient" })
      expect((yield* sandbox.payments).map((p) => p.status)).toEqual(["CancelledByClient"])
      // The journal has the decision and the outcome, and nothing left to recover.
      const [entry] = yield* journal.attempts("PosV10", "Payment", merchant.vat, "order-1")
      expect(Option.getOrUndefined(entry?.decision ?? Option.none())).toEqual({ _tag: "Cancel" })
      expect(Option.getOrUndefined(entry?.outcome ?? Option.none())).toEqual({
        _tag: "Final",
        status: "CancelledByClient",
      })
      expect(yield* journal.unfinished).toEqual([])
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

  it.scoped("a point of sale that cannot be cleared fails PointOfSaleNotCleared, typed", () =>
    Effect.gen(function* () {
      const { context, client, sandbox } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const stale = yield* client.initiatePayment(payment(pos.posId, "crashed-order"))
      // Clearing looks the active payments up, is told its token is no longer good, and finds
      // the token endpoint gone.
      yield* sandbox.addFault({ route: "GET /pos/v10/payments", fault: Fault.Fault.Unauthorized() })
      yield* sandbox.addFault({
        route: "POST /integrator-authentication/connect/token",
        fault: Fault.Fault.ConnectionReset(),
      })
      const fiber = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId, "order-2"), {
          recoverActivePayment: true,
        }).pipe(Effect.flip, Effect.provide(context)),
      )
      const error = yield* Time.driveUntilDone(fiber)
      expect(error).toMatchObject({
        _tag: "PointOfSaleNotCleared",
        posId: pos.posId,
        requestedOrderId: "order-2",
        cleared: [],
        cause: { _tag: "TokenEndpointUnreachable" },
      })
      expect(error.message).toContain(
        `Till ${pos.posId} is busy with another payment and could not be cleared`,
      )
      expect(error.message).toContain("nothing was started for order order-2")
      expect((yield* sandbox.payments).map((p) => [p.paymentId, p.status])).toEqual([
        [stale.paymentId, "Initiated"],
      ])
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
    [creditUser, "PartialCaptureUnavailable"],
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

describe("options and input are checked before anything is written or sent", () => {
  it.scoped("bad flow options and requests fail InvalidInput; no request, no journal entry", () =>
    Effect.gen(function* () {
      const { context, client, journal, posRequests } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const before = (yield* posRequests).length
      const good = payment(pos.posId)
      const attempts: ReadonlyArray<
        readonly [string, Effect.Effect<unknown, { _tag: string }, never>]
      > = [
        [
          "captureAmount",
          PaymentFlow.payAndCapture(good, { captureAmount: 9.999 }).pipe(Effect.provide(context)),
        ],
        [
          "captureAmount",
          PaymentFlow.payAndCapture(good, { captureAmount: Number.NaN }).pipe(
            Effect.provide(context),
          ),
        ],
        [
          "captureAmount",
          PaymentFlow.payAndCapture(good, { captureAmount: 100.01 }).pipe(Effect.provide(context)),
        ],
        [
          "customerTimeout",
          PaymentFlow.payAndCapture(good, { customerTimeout: Number.NaN }).pipe(
            Effect.provide(context),
          ),
        ],
        [
          "customerTimeout",
          PaymentFlow.payAndCapture(good, { customerTimeout: -1 }).pipe(Effect.provide(context)),
        ],
        [
          "customerTimeout",
          PaymentFlow.payAndCapture(good, {
            customerTimeout: "soon" as Duration.DurationInput,
          }).pipe(Effect.provide(context)),
        ],
        ["timeout", PaymentFlow.payAndCapture(good, { timeout: 0 }).pipe(Effect.provide(context))],
        ["lease", PaymentFlow.payAndCapture(good, { lease: 0 }).pipe(Effect.provide(context))],
        [
          "merchantVat",
          PaymentFlow.payAndCapture(good, { merchantVat: "SE12345678" }).pipe(
            Effect.provide(context),
          ),
        ],
        [
          "amount",
          PaymentFlow.payAndCapture({ ...good, amount: -5 }).pipe(Effect.provide(context)),
        ],
        [
          "orderId",
          PaymentFlow.payAndCapture({ ...good, orderId: "x".repeat(37) }).pipe(
            Effect.provide(context),
          ),
        ],
        [
          "amount",
          PaymentFlow.preparedPayment({ ...good, amount: 0 }).pipe(Effect.provide(context)),
        ],
        [
          "currencyCode",
          PaymentFlow.preparedPayment({ ...good, currencyCode: "SEK" as "DKK" }).pipe(
            Effect.provide(context),
          ),
        ],
        [
          "reservationTimeout",
          RefundFlow.refund(
            { paymentId: pos.posId, refundOrderId: "r", amount: 1, currencyCode: "DKK" },
            { reservationTimeout: -1 },
          ).pipe(Effect.provide(context)),
        ],
        [
          "refundOrderId",
          RefundFlow.refund({
            paymentId: pos.posId,
            refundOrderId: "r\u0000",
            amount: 1,
            currencyCode: "DKK",
          }).pipe(Effect.provide(context)),
        ],
        [
          "storeId",
          PointOfSaleFlow.ensurePos({
            merchantPosId: "till-x",
            storeId: "not-a-guid",
            name: "Till",
            supportedBeaconTypes: ["QR"],
          }).pipe(Effect.provide(context)),
        ],
      ]
      for (const [field, attempt] of attempts) {
        const error = yield* Effect.flip(attempt)
        expect(error, field).toMatchObject({ _tag: "InvalidInput" })
        expect(error, field).toHaveProperty("field", expect.stringContaining(field))
      }
      expect((yield* posRequests).length).toBe(before)
      expect(yield* journal.unfinished).toEqual([])
    }),
  )
})
