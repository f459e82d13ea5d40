/**
 * Crash tests with real processes: a till runs a flow against the sandbox on a SQLite journal
 * file and is killed with SIGKILL at each step (before the create leaves; after MobilePay
 * answered the create, a capture, a cancel, a refund or its capture, before the answer is
 * read; while it waits for the customer). Then a new process runs recovery on the same file.
 * Judged by the sandbox's own state: no duplicate payment or refund, nothing left active or
 * reserved, exactly the decided amount captured; and the journal has nothing left open.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { sqlite, sqliteFile } from "./support/Stores.js"
import {
  creditUser,
  forkTill,
  runTill,
  startSandbox,
  storeId,
  type Task,
  type TillExit,
} from "./support/Tills.js"

type Started = Effect.Effect.Success<ReturnType<typeof startSandbox>>

// Each case starts two or more processes (each loads TypeScript through tsx).
const timeout = 60_000

const waitFor = <E, R>(condition: Effect.Effect<boolean, E, R>) =>
  Effect.gen(function* () {
    for (let tries = 0; tries < 600; tries++) {
      if (yield* condition) return
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.dieMessage("gave up waiting")
  })

const pointOfSale = ({ client }: Started, merchantPosId: string) =>
  Effect.flatMap(
    client.createPos({ merchantPosId, storeId, name: merchantPosId, supportedBeaconTypes: ["QR"] }),
    ({ posId }) => client.getPos(posId),
  )

const customerAccepts = ({ client }: Started, beaconId: string) =>
  Effect.gen(function* () {
    yield* client.simulateCheckIn({ beaconId, phoneNumber: creditUser })
    yield* client.simulateAcceptPayment({ beaconId, phoneNumber: creditUser })
  })

const expectKilled = (exit: TillExit, killAt: string) => {
  expect(exit.signal, exit.output).toBe("SIGKILL")
  expect(exit.output).toContain(`KILLED at ${killAt}`)
  expect(exit.result).toBeUndefined()
}

// Recovery in a new process on the journal file; then nothing is left open in the journal.
const recoverInNewProcess = (started: Started, journal: string) =>
  Effect.gen(function* () {
    const exit = yield* runTill(started.sandbox, journal, { _tag: "Recover" })
    expect(exit.result, exit.output).toMatchObject({ ok: true, value: { failed: [] } })
    const unfinished = yield* Effect.flatMap(sqlite(journal), (j) => j.unfinished)
    expect(unfinished).toEqual([])
    return exit
  })

// Every payment of the order, and a check that none is active or reserved.
const paymentsOf = ({ sandbox }: Started, orderId: string) =>
  Effect.map(sandbox.payments, (all) => all.filter((p) => p.orderId === orderId))

const pay = (posId: string, orderId: string): Task => ({
  _tag: "Pay",
  posId,
  orderId,
  amount: 100,
  customerTimeout: 60_000,
})

describe("a till killed during a payment, then recovery in a new process", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly killAt: string
    /** Whether the customer accepts while the till runs (it must, to reach a capture). */
    readonly customer: boolean
    readonly customerTimeout?: number
    readonly expected: { readonly status: string; readonly capturedAmount?: number }
  }> = [
    {
      name: "before the create is sent",
      killAt: "request POST /payments",
      customer: false,
      expected: { status: "CancelledByClient" },
    },
    {
      name: "the create sent, its answer not read",
      killAt: "response POST /payments",
      customer: false,
      expected: { status: "CancelledByClient" },
    },
    {
      name: "the capture decided, not yet sent",
      killAt: "request POST /payments/*/capture",
      customer: true,
      expected: { status: "Captured", capturedAmount: 100 },
    },
    {
      name: "the capture sent, its answer not read",
      killAt: "response POST /payments/*/capture",
      customer: true,
      expected: { status: "Captured", capturedAmount: 100 },
    },
    {
      name: "the cancel decided (nobody came), not yet sent",
      killAt: "request POST /payments/*/cancel",
      customer: false,
      customerTimeout: 1_000,
      expected: { status: "CancelledByClient" },
    },
    {
      name: "the cancel sent, its answer not read",
      killAt: "response POST /payments/*/cancel",
      customer: false,
      customerTimeout: 1_000,
      expected: { status: "CancelledByClient" },
    },
  ]

  it.scopedLive(
    "killed at each step (and while waiting for a customer who accepts after the crash), then one recovery",
    () =>
      Effect.gen(function* () {
        const started = yield* startSandbox()
        const journal = yield* sqliteFile
        // One till process per step, one after the other, on one journal file.
        for (const [index, scenario] of cases.entries()) {
          const pos = yield* pointOfSale(started, `till-${index}`)
          const orderId = `order-${index}`
          const task = {
            ...pay(pos.posId, orderId),
            customerTimeout: scenario.customerTimeout ?? 60_000,
          }
          const till = yield* forkTill(started.sandbox, journal, task, scenario.killAt)
          if (scenario.customer) {
            yield* waitFor(Effect.map(paymentsOf(started, orderId), (p) => p.length === 1))
            yield* customerAccepts(started, pos.beaconId)
          }
          expectKilled(yield* Fiber.join(till), scenario.killAt)
        }
        // Waiting for the customer when it dies (killed from outside); the customer accepts.
        const pos = yield* pointOfSale(started, "till-waiting")
        const till = yield* forkTill(started.sandbox, journal, pay(pos.posId, "order-waiting"))
        yield* waitFor(Effect.map(paymentsOf(started, "order-waiting"), (p) => p.length === 1))
        yield* started.client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
        yield* Fiber.interrupt(till) // SIGKILL
        yield* started.client.simulateAcceptPayment({
          beaconId: pos.beaconId,
          phoneNumber: creditUser,
        })
        expect((yield* paymentsOf(started, "order-waiting"))[0]?.status).toBe("Reserved")

        const recovery = yield* recoverInNewProcess(started, journal)
        expect(recovery.result).toMatchObject({ value: { finished: cases.length + 1 } })
        for (const [index, scenario] of cases.entries()) {
          const payments = yield* paymentsOf(started, `order-${index}`)
          expect(payments, scenario.name).toHaveLength(1)
          expect(payments[0], scenario.name).toMatchObject(scenario.expected)
          if (scenario.expected.capturedAmount === undefined) {
            expect(payments[0]?.capturedAmount, scenario.name).toBeUndefined()
          }
        }
        // Reserved by a customer after the crash, never decided: released, not captured.
        const waiting = yield* paymentsOf(started, "order-waiting")
        expect(waiting.map((p) => [p.status, p.capturedAmount])).toEqual([
          ["CancelledByClient", undefined],
        ])
      }),
    timeout * 2,
  )

  it.scopedLive(
    "rung up again after the crash: held until recovery, then Captured, one payment",
    () =>
      Effect.gen(function* () {
        const started = yield* startSandbox()
        const journal = yield* sqliteFile
        const pos = yield* pointOfSale(started, "till-again")
        const killAt = "response POST /payments/*/capture"
        const order = pay(pos.posId, "order-again")
        const till = yield* forkTill(started.sandbox, journal, order, killAt)
        yield* waitFor(Effect.map(paymentsOf(started, "order-again"), (p) => p.length === 1))
        yield* customerAccepts(started, pos.beaconId)
        expectKilled(yield* Fiber.join(till), killAt)
        const requests = (yield* started.sandbox.requests).length
        // Rung up again at once: the dead till's lease still holds the sale; nothing is sent.
        const early = yield* runTill(started.sandbox, journal, order)
        expect(early.result, early.output).toEqual({ ok: false, error: "SaleInProgress" })
        const sent = (yield* started.sandbox.requests)
          .slice(requests)
          .filter((r) => !r.path.endsWith("/connect/token"))
        expect(sent).toEqual([])
        // Recovery at start-up (exclusive) takes the sale over; rung up again: Captured.
        yield* recoverInNewProcess(started, journal)
        const again = yield* runTill(started.sandbox, journal, order)
        expect(again.result, again.output).toMatchObject({
          ok: true,
          value: { _tag: "Captured", amount: 100 },
        })
        const payments = yield* paymentsOf(started, "order-again")
        expect(payments.map((p) => [p.status, p.capturedAmount])).toEqual([["Captured", 100]])
      }),
    timeout,
  )
})

describe("a till killed during a refund, then recovery in a new process", () => {
  for (const killAt of ["response POST /refunds", "response POST /refunds/*/capture"]) {
    it.scopedLive(
      `killed at ${killAt}: exactly one refund, paid out`,
      () =>
        Effect.gen(function* () {
          const started = yield* startSandbox()
          const { client, sandbox } = started
          const journal = yield* sqliteFile
          const pos = yield* pointOfSale(started, "till-refund")
          const { paymentId } = yield* client.initiatePayment({
            posId: pos.posId,
            orderId: "sale-1",
            amount: 100,
            currencyCode: "DKK",
            plannedCaptureDelay: "None",
          })
          yield* customerAccepts(started, pos.beaconId)
          yield* client.capturePayment(paymentId, { amount: 100 })
          const task: Task = { _tag: "Refund", paymentId, refundOrderId: "refund-1", amount: 30 }

          expectKilled(yield* runTill(sandbox, journal, task, killAt), killAt)
          yield* recoverInNewProcess(started, journal)
          expect((yield* sandbox.refunds).map((r) => [r.status, r.amount])).toEqual([
            ["Captured", 30],
          ])
          // Running the refund again answers with the refund made, and makes none.
          const again = yield* runTill(sandbox, journal, task)
          expect(again.result, again.output).toMatchObject({
            ok: true,
            value: { _tag: "Refunded", amount: 30 },
          })
          expect(yield* sandbox.refunds).toHaveLength(1)
        }),
      timeout,
    )
  }
})
