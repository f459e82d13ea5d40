/**
 * Crash tests of ePayment sales with real processes: a till runs SaleFlow sales (push to a
 * phone number) against the embedded sandbox's ePayment side on a SQLite journal file, and is
 * killed with SIGKILL at each step where money moves: before the create leaves and after it
 * was answered, after the customer approved, before and after a capture, a cancel and a
 * refund. Then a new process runs recovery on the same file. Judged by the platform: each
 * order charged at most once (exactly as decided), nothing left reserved, every journal
 * outcome what the platform's aggregate says; and the journal has nothing left open.
 */
import { type EPaymentClient, EPaymentSale } from "@effect-mobilepay/epayment"
import type { Entry } from "@effect-mobilepay/sale/PaymentJournal"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Option } from "effect"
import {
  customers,
  forkTill,
  runTill,
  startSandbox,
  type Task,
  type TillExit,
} from "./support/EPaymentTills.js"
import { sqlite, sqliteFile } from "./support/Stores.js"

type Started = Effect.Effect.Success<ReturnType<typeof startSandbox>>
type Client = EPaymentClient.EPaymentClient.Service

// Each step starts a till process (each loads TypeScript through tsx).
const timeout = 90_000
const phoneNumber = customers[0] ?? ""

const waitFor = <E, R>(condition: Effect.Effect<boolean, E, R>) =>
  Effect.gen(function* () {
    for (let tries = 0; tries < 600; tries++) {
      if (yield* condition) return
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.dieMessage("gave up waiting")
  })

/** The payment `reference` is in the state `state` on the platform. */
// The test watches the platform with its own GETs, every 50 ms while it waits: more than the
// sandbox's default 120 GETs a minute per payment once a loaded machine makes the wait long.
// A 429 then read as "not yet" (and failed the test's own check after recovery), so the
// sandboxes here allow the test its reads; the flows' own polling is not what they test.
const sandboxOptions = { rateLimits: { gets: 100_000 } }

const stateIs = (client: Client, reference: string, state: string) =>
  Effect.map(Effect.either(client.get(reference)), (payment) =>
    Either.isRight(payment) ? payment.right.state === state : false,
  )

const expectKilled = (exit: TillExit, killAt: string) => {
  expect(exit.signal, exit.output).toBe("SIGKILL")
  expect(exit.output).toContain(`KILLED at ${killAt}`)
  expect(exit.result).toBeUndefined()
}

const recoverInNewProcess = (started: Started, journal: string) =>
  Effect.gen(function* () {
    const exit = yield* runTill(started.sandbox, journal, { _tag: "Recover" })
    expect(exit.result, exit.output).toMatchObject({ ok: true, value: { failed: [] } })
    const unfinished = yield* Effect.flatMap(sqlite(journal), (j) => j.unfinished)
    expect(unfinished).toEqual([])
    return exit
  })

/** What the platform says of an order's payments, checked against the journal's entries. */
const judge = (started: Started, entries: ReadonlyArray<Entry>, name: string) =>
  Effect.gen(function* () {
    let captured = 0
    let payments = 0
    for (const entry of entries) {
      expect(entry.isFinished, name).toBe(true)
      const outcome = Option.getOrUndefined(entry.outcome)
      const found = yield* Effect.either(started.client.get(EPaymentSale.referenceOf(entry)))
      if (Either.isLeft(found)) {
        // Never created: the create never reached the platform.
        expect(found.left, name).toMatchObject({ status: 404 })
        expect(outcome?._tag, name).toBe("NotCreated")
        continue
      }
      payments += 1
      const payment = found.right
      const { authorizedAmount, capturedAmount, cancelledAmount } = payment.aggregate
      // Nothing left reserved.
      if (payment.state === "AUTHORIZED") {
        expect(authorizedAmount.value - capturedAmount.value - cancelledAmount.value, name).toBe(0)
      }
      // The journal says what the platform's aggregate says.
      const ended =
        payment.state === "AUTHORIZED"
          ? capturedAmount.value > 0
            ? "CAPTURED"
            : "CANCELLED"
          : payment.state
      expect(outcome, name).toMatchObject({ _tag: "Final", status: ended })
      if (capturedAmount.value > 0) {
        expect(outcome, name).toMatchObject({ amount: capturedAmount.value })
      }
      const events = yield* started.client.events(payment.reference)
      expect(
        events.filter((e) => e.name === "CREATED"),
        name,
      ).toHaveLength(1)
      expect(events.filter((e) => e.name === "CAPTURED").length, name).toBeLessThanOrEqual(1)
      captured += capturedAmount.value
    }
    return { captured, payments }
  })

const pay = (orderId: string, customerTimeout = 30_000): Extract<Task, { _tag: "Pay" }> => ({
  _tag: "Pay",
  orderId,
  amount: 1000,
  captureAmount: 800,
  phoneNumber,
  customerTimeout,
})

describe("an ePayment till killed during a sale, then recovery in a new process", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly killAt: string
    /** Whether the customer approves while the till runs (it must, to reach a capture). */
    readonly customer: boolean
    readonly customerTimeout?: number
    /** What the order is charged in the end (minor units), and whether a payment exists. */
    readonly expected: { readonly captured: number; readonly payments: number }
  }> = [
    {
      // Recovery looks for the payment at its reference rather than sending the create again
      // (which would push the payment to a customer whose till gave up): there is none.
      name: "before the create is sent",
      killAt: "request POST /payments",
      customer: false,
      expected: { captured: 0, payments: 0 },
    },
    {
      name: "the create sent, its answer not read",
      killAt: "response POST /payments",
      customer: false,
      expected: { captured: 0, payments: 1 },
    },
    {
      name: "the capture decided, not yet sent",
      killAt: "request POST /payments/*/capture",
      customer: true,
      expected: { captured: 800, payments: 1 },
    },
    {
      name: "the capture sent, its answer not read",
      killAt: "response POST /payments/*/capture",
      customer: true,
      expected: { captured: 800, payments: 1 },
    },
    {
      name: "the capture answered, the rest's release not yet sent",
      killAt: "request POST /payments/*/cancel",
      customer: true,
      expected: { captured: 800, payments: 1 },
    },
    {
      name: "the cancel decided (nobody came), not yet sent",
      killAt: "request POST /payments/*/cancel",
      customer: false,
      customerTimeout: 1_000,
      expected: { captured: 0, payments: 1 },
    },
    {
      name: "the cancel sent, its answer not read",
      killAt: "response POST /payments/*/cancel",
      customer: false,
      customerTimeout: 1_000,
      expected: { captured: 0, payments: 1 },
    },
  ]

  it.scopedLive(
    "killed at each step (and after the customer approved, unread), then one recovery",
    () =>
      Effect.gen(function* () {
        const started = yield* startSandbox(sandboxOptions)
        const { client, customer, sandbox } = started
        const journal = yield* sqliteFile
        // One till process per step, one after the other, on one journal file.
        for (const [index, scenario] of cases.entries()) {
          const orderId = `ep-crash-${index}`
          const task = pay(orderId, scenario.customerTimeout)
          const till = yield* forkTill(sandbox, journal, task, scenario.killAt)
          if (scenario.customer) {
            yield* waitFor(stateIs(client, orderId, "CREATED"))
            yield* customer.approve(orderId, phoneNumber)
          }
          expectKilled(yield* Fiber.join(till), scenario.killAt)
        }
        // Approved while the till waits for its first read; it dies before reading it.
        const approved = "ep-crash-approved"
        const till = yield* forkTill(sandbox, journal, { ...pay(approved), firstPoll: 60_000 })
        yield* waitFor(stateIs(client, approved, "CREATED"))
        yield* customer.approve(approved, phoneNumber)
        yield* waitFor(stateIs(client, approved, "AUTHORIZED"))
        yield* Fiber.interrupt(till) // SIGKILL

        const recovery = yield* recoverInNewProcess(started, journal)
        // Every order but the one whose create never left had an entry to finish.
        expect(recovery.result).toMatchObject({ value: { finished: cases.length + 1 } })
        const store = yield* sqlite(journal)
        for (const [index, scenario] of cases.entries()) {
          const entries = yield* store.query({ orderId: `ep-crash-${index}` })
          expect(entries, scenario.name).toHaveLength(1)
          const judged = yield* judge(started, entries, scenario.name)
          expect(judged, scenario.name).toEqual(scenario.expected)
        }
        // Approved, never decided: released by recovery, not captured.
        const entries = yield* store.query({ orderId: approved })
        expect(yield* judge(started, entries, approved)).toEqual({ captured: 0, payments: 1 })
        expect((yield* client.get(approved)).aggregate.cancelledAmount.value).toBe(1000)
      }),
    timeout * 2,
  )
})

describe("an ePayment till killed after the customer approved, then the order rung up again", () => {
  it.scopedLive(
    "held while the dead till's lease lasts; after recovery (within its grace) taken over: one payment, one approval, captured",
    () =>
      Effect.gen(function* () {
        const started = yield* startSandbox(sandboxOptions)
        const { client, customer, sandbox } = started
        const journal = yield* sqliteFile
        const orderId = "ep-crash-again"
        // The till reads late: it dies before it learns of the approval.
        const till = yield* forkTill(sandbox, journal, { ...pay(orderId), firstPoll: 60_000 })
        const order = pay(orderId)
        yield* waitFor(stateIs(client, orderId, "CREATED"))
        yield* customer.approve(orderId, phoneNumber)
        yield* waitFor(stateIs(client, orderId, "AUTHORIZED"))
        yield* Fiber.interrupt(till) // SIGKILL
        // Rung up again at once: the dead till's lease still holds the sale.
        const early = yield* runTill(sandbox, journal, order)
        expect(early.result, early.output).toEqual({ ok: false, error: "SaleInProgress" })
        // Recovery at start-up (exclusive) frees it, and leaves the undecided sale alone
        // within its grace, for the till to take over.
        const recovery = yield* runTill(sandbox, journal, {
          _tag: "Recover",
          undecidedGrace: 120_000,
        })
        expect(recovery.result, recovery.output).toMatchObject({ ok: true, value: { failed: [] } })
        expect((yield* client.get(orderId)).state).toBe("AUTHORIZED")
        const again = yield* runTill(sandbox, journal, order)
        expect(again.result, again.output).toMatchObject({
          ok: true,
          value: { _tag: "Captured", reference: orderId, amount: 800 },
        })
        const entries = yield* Effect.flatMap(sqlite(journal), (store) => store.query({ orderId }))
        expect(yield* judge(started, entries, orderId)).toEqual({ captured: 800, payments: 1 })
        const events = yield* client.events(orderId)
        expect(events.filter((e) => e.name === "AUTHORIZED")).toHaveLength(1)
      }),
    timeout,
  )
})

describe("an ePayment till killed during a refund, then recovery in a new process", () => {
  it.scopedLive(
    "killed before and after each refund is sent: each refunded exactly once",
    () =>
      Effect.gen(function* () {
        const started = yield* startSandbox(sandboxOptions)
        const { client, customer, sandbox } = started
        const journal = yield* sqliteFile
        // A sale captured in full to refund from (ePayment allows 5 modifications of a payment
        // a minute: create, capture, two refunds and a refund sent again fit).
        const reference = "ep-crash-refunded"
        const sale = yield* forkTill(sandbox, journal, { ...pay(reference), captureAmount: 1000 })
        yield* waitFor(stateIs(client, reference, "CREATED"))
        yield* customer.approve(reference, phoneNumber)
        const sold = yield* Fiber.join(sale)
        expect(sold.result, sold.output).toMatchObject({
          ok: true,
          value: { _tag: "Captured", amount: 1000 },
        })
        const refunds = [
          { orderId: "ep-refund-1", killAt: "request POST /payments/*/refund", amount: 100 },
          { orderId: "ep-refund-2", killAt: "response POST /payments/*/refund", amount: 200 },
        ]
        for (const { orderId, killAt, amount } of refunds) {
          const task: Task = { _tag: "Refund", orderId, reference, amount }
          expectKilled(yield* runTill(sandbox, journal, task, killAt), killAt)
        }
        yield* recoverInNewProcess(started, journal)
        const payment = yield* client.get(reference)
        expect(payment.aggregate.refundedAmount.value).toBe(300)
        const events = yield* client.events(reference)
        // One refund event each, in whichever order they reached the platform.
        const refunded = events.filter((e) => e.name === "REFUNDED").map((e) => e.amount.value)
        expect([...refunded].sort((a, b) => a - b)).toEqual([100, 200])
        // Each refund's entry records what was refunded.
        const store = yield* sqlite(journal)
        for (const { orderId, amount } of refunds) {
          const entries = yield* store.query({ orderId })
          expect(entries.map((e) => [e.isFinished, Option.getOrUndefined(e.outcome)])).toEqual([
            [true, { _tag: "Final", status: "REFUNDED", amount }],
          ])
        }
        // Rung up again, a refund answers with the refund made, and makes none.
        const again = yield* runTill(sandbox, journal, {
          _tag: "Refund",
          orderId: "ep-refund-2",
          reference,
          amount: 200,
        })
        expect(again.result, again.output).toMatchObject({ ok: true, value: { amount: 200 } })
        expect((yield* client.get(reference)).aggregate.refundedAmount.value).toBe(300)
      }),
    timeout,
  )
})
