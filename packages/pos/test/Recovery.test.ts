/**
 * The journaled flows when answers are lost, flows are cut off (a fiber interrupted as a crash
 * would stop it) and orders are rung up again, with `Recovery.recover` finishing what they
 * left; judged by the sandbox's own state. Time on TestClock.
 */
import { PaymentFlow, PaymentJournal, RefundFlow, Recovery } from "@effect-mobilepay/pos"
import { Fault } from "@effect-mobilepay/sandbox"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Option, TestClock } from "effect"
import { creditUser, merchant, pointOfSale, start } from "./support/Sandboxed.js"

const patient = { readTimeout: "1 hour", writeTimeout: "1 hour" } as const

const payment = (posId: string, orderId = "order-1", amount = 100) =>
  ({ posId, orderId, amount, currencyCode: "DKK", plannedCaptureDelay: "None" }) as const

const reset = (route: string, times: number) =>
  ({ route, fault: Fault.Fault.ConnectionReset(), times }) as const

type Started = Effect.Effect.Success<ReturnType<typeof start>>

/** The customer checks in and accepts what is issued to them at the point of sale. */
const customerAccepts = ({ client }: Started, pos: { readonly beaconId: string }) =>
  Effect.gen(function* () {
    yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
    yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
  })

/**
 * Starts a pay-and-capture flow for `order-1` on a fiber and waits until its payment exists at
 * the sandbox.
 */
const paying = (started: Started, posId: string) =>
  Effect.gen(function* () {
    const before = (yield* started.sandbox.payments).length
    const fiber = yield* Effect.fork(
      PaymentFlow.payAndCapture(payment(posId)).pipe(Effect.provide(started.context)),
    )
    yield* Time.waitUntil(Effect.map(started.sandbox.payments, (all) => all.length > before))
    return fiber
  })

/**
 * Starts a pay-and-capture flow for `order-1` whose create answers are all lost (three
 * connection resets), drives it until it ends SaleUnresolved, and returns that error.
 */
const unresolvedPayment = (started: Started, posId: string) =>
  Effect.gen(function* () {
    yield* started.sandbox.addFault(reset("POST /pos/v10/payments", 3))
    const fiber = yield* Effect.fork(
      PaymentFlow.payAndCapture(payment(posId)).pipe(Effect.flip, Effect.provide(started.context)),
    )
    const error = yield* Time.driveUntilDone(fiber)
    expect(error._tag).toBe("SaleUnresolved")
    return error
  })

const statuses = ({ sandbox }: Started) =>
  Effect.map(sandbox.payments, (all) => all.map((p) => p.status))

const createKeys = ({ sandbox }: Started, path: string) =>
  Effect.map(sandbox.requests, (all) => [
    ...new Set(
      all
        .filter((r) => r.method === "POST" && r.path === path)
        .map((r) => r.headers["x-mobilepay-idempotency-key"]),
    ),
  ])

describe("a lost InitiatePayment answer", () => {
  it.scoped("the flow is unresolved; recovery finds the payment by its key and cancels it", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, client, journal } = started
      const pos = yield* pointOfSale(client)
      const error = yield* unresolvedPayment(started, pos.posId)
      expect(error).toMatchObject({ _tag: "SaleUnresolved", kind: "Payment", orderId: "order-1" })
      // Nothing was decided: recovery will cancel whatever exists.
      expect(error._tag === "SaleUnresolved" ? error.decision : "not unresolved").toBeUndefined()
      // Three attempts, one payment: the same idempotency key on each.
      expect(yield* statuses(started)).toEqual(["Initiated"])
      expect(yield* journal.unfinished).toHaveLength(1)

      // Within the grace after the flow last touched it, the till may ring it up again: left.
      const early = yield* Recovery.recover().pipe(Effect.provide(context))
      expect(early.pending).toHaveLength(1)
      expect(yield* statuses(started)).toEqual(["Initiated"])
      yield* TestClock.adjust("2 minutes")
      const report = yield* Recovery.recover().pipe(Effect.provide(context))
      expect(report.finished).toHaveLength(1)
      expect(report.isComplete).toBe(true)
      expect(yield* statuses(started)).toEqual(["CancelledByClient"])
      expect(yield* createKeys(started, "/pos/v10/payments")).toHaveLength(1)
      expect(yield* journal.unfinished).toEqual([])
    }),
  )

  it.scoped("a reservation nobody decided on is released by recovery, never captured", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, client } = started
      const pos = yield* pointOfSale(client)
      yield* unresolvedPayment(started, pos.posId)
      yield* customerAccepts(started, pos)
      expect(yield* statuses(started)).toEqual(["Reserved"])
      yield* Recovery.recover({ undecidedGrace: 0 }).pipe(Effect.provide(context))
      expect(yield* statuses(started)).toEqual(["CancelledByClient"])
    }),
  )

  it.scoped(
    "approved while its till was down: rung up again within the grace, the reservation is taken over, not asked for twice",
    () =>
      Effect.gen(function* () {
        const started = yield* start(patient)
        const { context, client, journal } = started
        const pos = yield* pointOfSale(client)
        yield* unresolvedPayment(started, pos.posId)
        yield* customerAccepts(started, pos)
        // The till's recovery at start-up (on the default grace) leaves the reservation alone ...
        yield* TestClock.adjust("1 minute")
        const report = yield* Recovery.recover({ exclusive: true }).pipe(Effect.provide(context))
        expect(report.pending).toHaveLength(1)
        expect(yield* statuses(started)).toEqual(["Reserved"])
        // ... and the cashier's re-ring captures it: one payment, one approval.
        const again = yield* Effect.fork(
          PaymentFlow.payAndCapture(payment(pos.posId)).pipe(Effect.provide(context)),
        )
        expect(yield* Time.driveUntilDone(again)).toMatchObject({ _tag: "Captured", amount: 100 })
        expect(yield* statuses(started)).toEqual(["Captured"])
        const attempts = yield* journal.attempts("PosV10", "Payment", merchant.vat, "order-1")
        expect(attempts.map((a) => a.attempt)).toEqual([1])
      }),
  )

  it.scoped("ringing the order up again resumes the same payment, to Captured", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, client, journal } = started
      const pos = yield* pointOfSale(client)
      yield* unresolvedPayment(started, pos.posId)
      const again = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId)).pipe(Effect.provide(context)),
      )
      yield* customerAccepts(started, pos)
      const outcome = yield* Time.driveUntilDone(again)
      expect(outcome).toMatchObject({ _tag: "Captured", amount: 100 })
      expect(yield* statuses(started)).toEqual(["Captured"])
      const attempts = yield* journal.attempts("PosV10", "Payment", merchant.vat, "order-1")
      expect(attempts.map((a) => a.attempt)).toEqual([1])
    }),
  )
})

describe("a lost capture answer", () => {
  it.scoped("the flow reports Captured, as MobilePay has it, not a failure", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { client, sandbox } = started
      const pos = yield* pointOfSale(client)
      yield* sandbox.addFault(reset("POST /pos/v10/payments/{paymentId}/capture", 3))
      const fiber = yield* paying(started, pos.posId)
      yield* customerAccepts(started, pos)
      const outcome = yield* Time.driveUntilDone(fiber)
      expect(outcome).toMatchObject({ _tag: "Captured", amount: 100 })
      const [captured] = yield* sandbox.payments
      expect(captured).toMatchObject({ status: "Captured", capturedAmount: 100 })
    }),
  )

  // A sale whose capture is decided and sent, held at MobilePay (not carried out) while the
  // flow is cut off, as a crash would stop it.
  const cutOffAfterDeciding = (started: Started, amount: number) =>
    Effect.gen(function* () {
      const { context, client, journal, sandbox } = started
      const pos = yield* pointOfSale(client)
      yield* sandbox.addFault({
        route: "POST /pos/v10/payments/{paymentId}/capture",
        fault: Fault.Fault.Latency({ delay: Duration.days(30) }),
        times: 1,
      })
      const fiber = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId, "order-1", amount)).pipe(
          Effect.provide(context),
        ),
      )
      yield* Time.waitUntil(Effect.map(sandbox.payments, (all) => all.length === 1))
      yield* customerAccepts(started, pos)
      yield* Time.waitUntil(
        Effect.gen(function* () {
          yield* TestClock.adjust("100 millis")
          const [entry] = yield* journal.unfinished
          return entry !== undefined && Option.isSome(entry.decision)
        }),
      )
      yield* Time.waitUntil(
        Effect.map(sandbox.requests, (all) => all.some((r) => r.path.endsWith("/capture"))),
      )
      yield* Fiber.interrupt(fiber)
    })

  it.scoped("a flow cut off after deciding: recovery captures exactly the decided amount", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      yield* cutOffAfterDeciding(started, 80)
      expect(yield* statuses(started)).toEqual(["Reserved"])

      const report = yield* Recovery.recover().pipe(Effect.provide(started.context))
      expect(report.finished.map((e) => Option.getOrUndefined(e.outcome))).toEqual([
        { _tag: "Final", status: "Captured", amount: 80 },
      ])
      const [captured] = yield* started.sandbox.payments
      expect(captured).toMatchObject({ status: "Captured", capturedAmount: 80 })
    }),
  )

  it.scoped("a decided reservation left for 7 days is recorded as expired, never captured", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      yield* cutOffAfterDeciding(started, 100)
      yield* TestClock.adjust("7 days")
      yield* TestClock.adjust("1 second")
      yield* Recovery.recover().pipe(Effect.provide(started.context))
      expect(yield* statuses(started)).toEqual(["ExpiredAndCancelled"])
      const [entry] = yield* started.journal.attempts("PosV10", "Payment", merchant.vat, "order-1")
      expect(Option.getOrUndefined(entry?.outcome ?? Option.none())).toEqual({
        _tag: "Final",
        status: "ExpiredAndCancelled",
      })
    }),
  )
})

describe("PaymentReady's answer lost", () => {
  it.scoped(
    "the resend's 409 1303 is read against the payment's status: it goes on to Captured",
    () =>
      Effect.gen(function* () {
        const started = yield* start(patient)
        const { context, client, sandbox } = started
        const pos = yield* pointOfSale(client)
        yield* sandbox.addFault(reset("POST /pos/v10/payments/{paymentId}/ready", 1))
        const fiber = yield* Effect.fork(
          PaymentFlow.preparedPayment(payment(pos.posId)).pipe(Effect.provide(context)),
        )
        yield* Time.waitUntil(Effect.map(sandbox.payments, (all) => all.length === 1))
        yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
        yield* Time.waitUntil(
          Effect.map(sandbox.payments, (all) => all[0]?.status === "IssuedToUser"),
        ).pipe(Effect.race(Time.driveUntilDone(fiber).pipe(Effect.zipRight(Effect.never))))
        yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
        const outcome = yield* Time.driveUntilDone(fiber)
        expect(outcome).toMatchObject({ _tag: "Captured", amount: 100 })
        const readies = (yield* sandbox.requests).filter((r) => r.path.endsWith("/ready"))
        expect(readies.length).toBeGreaterThanOrEqual(2)
        expect(yield* statuses(started)).toEqual(["Captured"])
      }),
  )
})

describe("ringing an order up again", () => {
  it.scoped("a captured order answers Captured again, without a second payment", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, client, sandbox } = started
      const pos = yield* pointOfSale(client)
      const first = yield* paying(started, pos.posId)
      yield* customerAccepts(started, pos)
      const outcome = yield* Time.driveUntilDone(first)
      const before = (yield* sandbox.requests).length
      const again = yield* PaymentFlow.payAndCapture(payment(pos.posId)).pipe(
        Effect.provide(context),
      )
      expect(again).toEqual(outcome)
      expect((yield* sandbox.requests).length).toBe(before)
      expect(yield* statuses(started)).toEqual(["Captured"])
    }),
  )

  it.scoped("an order that ended without money starts a new payment, as attempt 2", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { client, journal } = started
      const pos = yield* pointOfSale(client)
      const first = yield* paying(started, pos.posId)
      yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* client.simulateCancelPaymentByUser({ beaconId: pos.beaconId })
      expect(yield* Time.driveUntilDone(first)).toMatchObject({ status: "CancelledByUser" })

      const second = yield* paying(started, pos.posId)
      yield* customerAccepts(started, pos)
      expect(yield* Time.driveUntilDone(second)).toMatchObject({ _tag: "Captured" })
      expect(yield* statuses(started)).toEqual(["CancelledByUser", "Captured"])
      const attempts = yield* journal.attempts("PosV10", "Payment", merchant.vat, "order-1")
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2])
      expect(new Set(attempts.map((a) => a.key)).size).toBe(2)
    }),
  )

  it.scoped("other terms for an unfinished order fail OrderIdReused, with nothing sent", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, client, sandbox } = started
      const pos = yield* pointOfSale(client)
      yield* unresolvedPayment(started, pos.posId)
      const before = (yield* sandbox.requests).length
      const error = yield* Effect.flip(
        PaymentFlow.payAndCapture(payment(pos.posId, "order-1", 120)).pipe(Effect.provide(context)),
      )
      expect(error).toMatchObject({
        _tag: "OrderIdReused",
        orderId: "order-1",
        differences: [
          { term: "amount", recorded: "100", requested: "120" },
          { term: "captureAmount", recorded: "100", requested: "120" },
        ],
      })
      expect(error.message).toContain("amount 100 there, 120 here")
      expect((yield* sandbox.requests).length).toBe(before)
    }),
  )

  it.scoped("the same order twice at once: the second fails SaleInProgress", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, client } = started
      const pos = yield* pointOfSale(client)
      const first = yield* paying(started, pos.posId)
      const error = yield* Effect.flip(
        PaymentFlow.payAndCapture(payment(pos.posId)).pipe(Effect.provide(context)),
      )
      expect(error).toMatchObject({ _tag: "SaleInProgress", orderId: "order-1" })
      yield* customerAccepts(started, pos)
      expect(yield* Time.driveUntilDone(first)).toMatchObject({ _tag: "Captured" })
      expect(yield* statuses(started)).toEqual(["Captured"])
    }),
  )

  it.scoped("a new order on a till busy with another fails SaleInProgress naming both", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, client } = started
      const pos = yield* pointOfSale(client)
      const first = yield* paying(started, pos.posId)
      const error = yield* Effect.flip(
        PaymentFlow.payAndCapture(payment(pos.posId, "kvittering #42 æøå"), {
          recoverActivePayment: true,
        }).pipe(Effect.provide(context)),
      )
      expect(error).toMatchObject({
        _tag: "SaleInProgress",
        orderId: "order-1",
        requestedOrderId: "kvittering #42 æøå",
        posId: pos.posId,
      })
      expect(error.message).toContain(`Till ${pos.posId} is busy with order order-1`)
      expect(error.message).toContain("nothing was started for order kvittering #42 æøå")
      yield* customerAccepts(started, pos)
      expect(yield* Time.driveUntilDone(first)).toMatchObject({ _tag: "Captured" })
      expect(yield* statuses(started)).toEqual(["Captured"])
    }),
  )
})

describe("recovery and live flows", () => {
  it.scoped("a flow waiting for its customer is left alone (busy), then captures", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, client } = started
      const pos = yield* pointOfSale(client)
      const fiber = yield* paying(started, pos.posId)
      const report = yield* Recovery.recover().pipe(Effect.provide(context))
      expect(report.busy).toHaveLength(1)
      expect(yield* statuses(started)).toEqual(["Initiated"])
      yield* customerAccepts(started, pos)
      expect(yield* Time.driveUntilDone(fiber)).toMatchObject({ _tag: "Captured" })
    }),
  )

  it.scoped("a flow's lease is renewed while it waits, so recovery never takes it over", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, client, sandbox } = started
      const pos = yield* pointOfSale(client)
      const fiber = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId), {
          lease: "3 seconds",
          customerTimeout: "1 minute",
        }).pipe(Effect.provide(context)),
      )
      yield* Time.waitUntil(Effect.map(sandbox.payments, (all) => all.length === 1))
      for (let second = 0; second < 20; second++) {
        for (let turn = 0; turn < 5; turn++) yield* Time.eventLoopTurn
        yield* TestClock.adjust("1 second")
      }
      const report = yield* Recovery.recover().pipe(Effect.provide(context))
      expect(report.busy).toHaveLength(1)
      yield* customerAccepts(started, pos)
      expect(yield* Time.driveUntilDone(fiber)).toMatchObject({ _tag: "Captured" })
    }),
  )
})

describe("past MobilePay's 24-hour idempotency window", () => {
  it.scoped("a lost payment id is searched for by order id, not created again", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, client, journal, sandbox } = started
      const pos = yield* pointOfSale(client)
      yield* unresolvedPayment(started, pos.posId)
      yield* customerAccepts(started, pos)
      yield* TestClock.adjust("25 hours")
      const before = (yield* sandbox.requests).filter((r) => r.method === "POST").length
      yield* Recovery.recover().pipe(Effect.provide(context))
      const creates = (yield* sandbox.requests)
        .slice(before)
        .filter((r) => r.method === "POST" && r.path === "/pos/v10/payments")
      expect(creates).toEqual([])
      expect(yield* statuses(started)).toEqual(["CancelledByClient"])
      const [entry] = yield* journal.attempts("PosV10", "Payment", merchant.vat, "order-1")
      expect(Option.isSome(entry?.resourceId ?? Option.none())).toBe(true)
    }),
  )

  it.scoped("a create that never arrived is recorded as never created; the order can go on", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, client, journal, sandbox } = started
      const pos = yield* pointOfSale(client)
      yield* sandbox.addFault({
        route: "POST /pos/v10/payments",
        fault: Fault.Fault.Unavailable(),
        times: 3,
      })
      const fiber = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId)).pipe(Effect.flip, Effect.provide(context)),
      )
      expect((yield* Time.driveUntilDone(fiber))._tag).toBe("SaleUnresolved")
      yield* TestClock.adjust("25 hours")
      const report = yield* Recovery.recover().pipe(Effect.provide(context))
      expect(report.finished.map((e) => Option.getOrUndefined(e.outcome)?._tag)).toEqual([
        "NotCreated",
      ])
      expect(yield* sandbox.payments).toEqual([])
      const again = yield* paying(started, pos.posId)
      yield* customerAccepts(started, pos)
      expect(yield* Time.driveUntilDone(again)).toMatchObject({ _tag: "Captured" })
      const attempts = yield* journal.attempts("PosV10", "Payment", merchant.vat, "order-1")
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2])
    }),
  )
})

describe("refunds", () => {
  const capturedPayment = (started: Started) =>
    Effect.gen(function* () {
      const { client } = started
      const pos = yield* pointOfSale(client)
      const { paymentId } = yield* client.initiatePayment(payment(pos.posId))
      yield* customerAccepts(started, pos)
      yield* client.capturePayment(paymentId, { amount: 100 })
      return paymentId
    })

  const refund = (paymentId: string, amount = 40) =>
    ({ paymentId, refundOrderId: "refund-1", amount, currencyCode: "DKK" }) as const

  it.scoped("a lost CreateRefund answer: recovery pays exactly one refund out", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, sandbox } = started
      const paymentId = yield* capturedPayment(started)
      yield* sandbox.addFault(reset("POST /pos/v10/refunds", 3))
      const fiber = yield* Effect.fork(
        RefundFlow.refund(refund(paymentId)).pipe(Effect.flip, Effect.provide(context)),
      )
      const error = yield* Time.driveUntilDone(fiber)
      expect(error).toMatchObject({
        _tag: "SaleUnresolved",
        kind: "Refund",
        decision: { _tag: "Capture", amount: 40 },
      })
      yield* Recovery.recover().pipe(Effect.provide(context))
      expect((yield* sandbox.refunds).map((r) => [r.status, r.amount])).toEqual([["Captured", 40]])
      // Running the refund again answers with the refund made, and makes none.
      const again = yield* RefundFlow.refund(refund(paymentId)).pipe(Effect.provide(context))
      expect(again).toMatchObject({ _tag: "Refunded", amount: 40 })
      expect(yield* sandbox.refunds).toHaveLength(1)
    }),
  )

  it.scoped("a lost CaptureRefund answer: the flow reports Refunded", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      const { context, sandbox } = started
      const paymentId = yield* capturedPayment(started)
      yield* sandbox.addFault(reset("POST /pos/v10/refunds/{refundId}/capture", 3))
      const fiber = yield* Effect.fork(
        RefundFlow.refund(refund(paymentId)).pipe(Effect.provide(context)),
      )
      expect(yield* Time.driveUntilDone(fiber)).toMatchObject({ _tag: "Refunded", amount: 40 })
      expect((yield* sandbox.refunds).map((r) => r.status)).toEqual(["Captured"])
    }),
  )
})

describe("a flow that could not give its lease up", () => {
  // A journal whose release always fails: the lease of a flow that ended stays written.
  const stuckLeases = Layer.effect(
    PaymentJournal.PaymentJournal,
    Effect.map(PaymentJournal.makeMemory, (journal) => ({
      ...journal,
      release: () =>
        Effect.fail(
          new PaymentJournal.PaymentJournalError({ operation: "release a lease", cause: "disk" }),
        ),
    })),
  )

  it.scoped(
    "ringing the order up again in the same process takes it over at once, not SaleInProgress",
    () =>
      Effect.gen(function* () {
        const started = yield* start({ ...patient, journal: stuckLeases })
        const { context, client } = started
        const pos = yield* pointOfSale(client)
        yield* unresolvedPayment(started, pos.posId)
        // Its lease is still written (every release failed), but its flow has ended here.
        const again = yield* Effect.fork(
          PaymentFlow.payAndCapture(payment(pos.posId)).pipe(Effect.provide(context)),
        )
        yield* customerAccepts(started, pos)
        expect(yield* Time.driveUntilDone(again)).toMatchObject({ _tag: "Captured", amount: 100 })
        expect(yield* statuses(started)).toEqual(["Captured"])
      }),
  )

  it.scoped("a flow still running keeps its lease: the same order twice fails SaleInProgress", () =>
    Effect.gen(function* () {
      const started = yield* start({ ...patient, journal: stuckLeases })
      const { context, client } = started
      const pos = yield* pointOfSale(client)
      const first = yield* paying(started, pos.posId)
      const second = yield* PaymentFlow.payAndCapture(payment(pos.posId)).pipe(
        Effect.flip,
        Effect.provide(context),
      )
      expect(second._tag).toBe("SaleInProgress")
      // Interrupted, it tries to give the lease up, with pauses between the tries.
      yield* Time.driveUntilDone(yield* Effect.fork(Fiber.interrupt(first)))
    }),
  )
})
