/**
 * The contract every payment journal keeps, as one suite run against each implementation:
 * entries round-trip, attempts are unique per backend, decisions and outcomes are written once,
 * queries select what `PaymentJournal.matches` says, leases are exclusive and are taken from a
 * holder only when watched unrenewed for their duration (never by comparing clocks), and (for
 * stores two instances can share) two journals racing on one entry see exactly one winner.
 */
import { PaymentJournal } from "@effect-mobilepay/sale"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, Schema, type Scope, TestClock } from "effect"
import { SkewedClock } from "./Clocks.js"

type Service = PaymentJournal.PaymentJournal.Service

export interface Store {
  /** A fresh, empty journal. */
  readonly make: Effect.Effect<Service, unknown, Scope.Scope>
  /** Two journal instances on one fresh, empty store, when the store can be shared. */
  readonly shared?: Effect.Effect<readonly [Service, Service], unknown, Scope.Scope>
  /**
   * A lease owner of a journal instance whose process is gone, where the store can prove it
   * (not PostgreSQL: its instances run on any machine).
   */
  readonly goneOwner?: string | undefined
}

const posId = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
const paymentId = "6f1f2d1e-8a7b-4c3d-9e0f-112233445566"
const merchant = "DK90000028"
const seconds = Duration.seconds

const decision = Schema.decodeSync(PaymentJournal.Decision)
const outcome = Schema.decodeSync(PaymentJournal.Outcome)

// Plans as their backends encode them: the journal keeps them as JSON, whatever they are.
const initiate = (orderId: string, amount = 125.5) => ({
  _tag: "InitiatePayment",
  request: {
    posId,
    orderId,
    amount,
    currencyCode: "DKK",
    plannedCaptureDelay: "None",
    restrictions: { debitCardDisallowed: true },
    merchantPaymentLabel: "Kiosk æøå",
  },
  captureAmount: amount,
})

const plans: ReadonlyArray<
  readonly [backend: string, kind: PaymentJournal.EntryKind, plan: unknown]
> = [
  ["PosV10", "Payment", initiate("order-0")],
  [
    "PosV10",
    "Payment",
    {
      _tag: "PreparePayment",
      request: {
        posId,
        orderId: "order-1",
        amount: 0.01,
        currencyCode: "EUR",
        plannedCaptureDelay: "LessThan24Hours",
      },
      captureAmount: 0.01,
    },
  ],
  [
    "PosV10",
    "Refund",
    {
      _tag: "CreateRefund",
      request: { paymentId, refundOrderId: "order-2", amount: 49.5, currencyCode: "DKK" },
    },
  ],
  [
    "EPayment",
    "Payment",
    {
      amount: { currency: "NOK", value: 12_550 },
      paymentMethod: { type: "WALLET" },
      customer: { phoneNumber: "4791234567" },
      reference: "order-3",
      userFlow: "PUSH_MESSAGE",
      paymentDescription: null,
      lines: [1, 2.5, true],
    },
  ],
]

const entry = (fields: Partial<ConstructorParameters<typeof PaymentJournal.Entry>[0]> = {}) =>
  new PaymentJournal.Entry({
    key: crypto.randomUUID(),
    backend: "PosV10",
    kind: "Payment",
    merchant,
    orderId: "order-0",
    attempt: 1,
    plan: initiate("order-0"),
    resourceId: Option.none(),
    decision: Option.none(),
    outcome: Option.none(),
    leaseOwner: Option.none(),
    leaseUntil: Option.none(),
    createdAt: 1_000,
    updatedAt: 1_000,
    ...fields,
  })

const opened = (journal: Service, fields: Parameters<typeof entry>[0] = {}) =>
  Effect.gen(function* () {
    const e = entry(fields)
    expect(yield* journal.open(e)).toBe(true)
    return e
  })

const keys = (entries: ReadonlyArray<PaymentJournal.Entry>) => entries.map((e) => e.key)

export const contract = (name: string, store: Store) =>
  describe(`the payment journal contract: ${name}`, () => {
    it.scoped("entries round-trip with every kind of plan; attempts come oldest first", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        for (const [index, [backend, kind, plan]] of plans.entries()) {
          const e = yield* opened(journal, { backend, kind, orderId: `order-${index}`, plan })
          expect(yield* journal.attempts(backend, kind, merchant, e.orderId)).toEqual([e])
        }
        const second = yield* opened(journal, { attempt: 2, createdAt: 2_000 })
        const attempts = yield* journal.attempts("PosV10", "Payment", merchant, "order-0")
        expect(attempts.map((a) => a.attempt)).toEqual([1, 2])
        expect(attempts[1]).toEqual(second)
        expect(yield* journal.attempts("PosV10", "Refund", merchant, "order-0")).toEqual([])
        expect(yield* journal.attempts("EPayment", "Payment", merchant, "order-0")).toEqual([])
        expect(yield* journal.attempts("PosV10", "Payment", "FI90000040", "order-0")).toEqual([])
      }),
    )

    it.scoped("an attempt of an order, or a key, is opened once", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const first = yield* opened(journal)
        expect(yield* journal.open(entry())).toBe(false)
        expect(yield* journal.open(entry({ key: first.key, orderId: "other" }))).toBe(false)
        expect(yield* journal.open(entry({ attempt: 2 }))).toBe(true)
        expect(yield* journal.open(entry({ kind: "Refund" }))).toBe(true)
        // The same order on the other backend is another sale.
        expect(yield* journal.open(entry({ backend: "EPayment" }))).toBe(true)
        expect(yield* journal.open(entry({ backend: "EPayment" }))).toBe(false)
      }),
    )

    it.scoped("the resource id, the decision and the outcome are written once", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const { key } = yield* opened(journal)
        yield* journal.recordResource(key, paymentId)
        const again = yield* journal.recordResource(key, "7f1f2d1e-8a7b-4c3d-9e0f-112233445566")
        expect(Option.getOrUndefined(again.resourceId)).toBe(paymentId)

        const capture = decision({ _tag: "Capture", amount: 99.99 })
        expect(Option.getOrUndefined((yield* journal.decide(key, capture)).decision)).toEqual(
          capture,
        )
        const after = yield* journal.decide(key, decision({ _tag: "Cancel" }))
        expect(Option.getOrUndefined(after.decision)).toEqual(capture)

        const captured = outcome({ _tag: "Final", status: "Captured", amount: 99.99 })
        yield* journal.complete(key, captured)
        const later = yield* journal.complete(key, outcome({ _tag: "NotCreated", reason: "x" }))
        expect(Option.getOrUndefined(later.outcome)).toEqual(captured)
        expect(later.isFinished).toBe(true)
        const found = yield* journal.byResource("PosV10", "Payment", paymentId)
        expect(Option.map(found, (e) => e.key)).toEqual(Option.some(key))
        expect(yield* journal.byResource("PosV10", "Refund", paymentId)).toEqual(Option.none())
        expect(yield* journal.byResource("EPayment", "Payment", paymentId)).toEqual(Option.none())
      }),
    )

    it.scoped("unfinished lists entries without an outcome, oldest first", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const late = yield* opened(journal, { orderId: "late", createdAt: 3_000 })
        const early = yield* opened(journal, { orderId: "early", createdAt: 2_000 })
        const done = yield* opened(journal, { orderId: "done", createdAt: 1_000 })
        yield* journal.complete(done.key, outcome({ _tag: "NotCreated", reason: "refused" }))
        expect((yield* journal.unfinished).map((e) => e.key)).toEqual([early.key, late.key])
      }),
    )

    it.scoped("query selects what matches says, oldest first, at most limit", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const all = [
          yield* opened(journal, { orderId: "a", createdAt: 1_000 }),
          yield* opened(journal, { orderId: "b", createdAt: 2_000, kind: "Refund" }),
          yield* opened(journal, { orderId: "c", createdAt: 3_000, backend: "EPayment" }),
          yield* opened(journal, { orderId: "d", createdAt: 4_000, merchant: "FI90000040" }),
          yield* opened(journal, { orderId: "a", createdAt: 5_000, attempt: 2 }),
        ]
        yield* journal.complete(all[0]?.key ?? "", outcome({ _tag: "NotCreated", reason: "no" }))
        const stored = yield* journal.query({})
        expect(keys(stored)).toEqual(keys(all))
        const filters: ReadonlyArray<PaymentJournal.EntryFilter> = [
          { backend: "PosV10" },
          { backend: "EPayment", kind: "Payment" },
          { kind: "Refund" },
          { merchant },
          { orderId: "a" },
          { finished: true },
          { finished: false, createdFrom: 2_000 },
          { createdFrom: 2_000, createdBefore: 4_000 },
          { createdBefore: 1_000 },
          { backend: "PosV10", finished: false, limit: 2 },
          { limit: 0 },
        ]
        for (const filter of filters) {
          const expected = stored.filter((e) => PaymentJournal.matches(e, filter))
          const limited = filter.limit === undefined ? expected : expected.slice(0, filter.limit)
          expect(keys(yield* journal.query(filter)), JSON.stringify(filter)).toEqual(keys(limited))
        }
        expect(keys(yield* journal.query({ finished: false, limit: 2 }))).toEqual(
          keys(all.slice(1, 3)),
        )
      }),
    )

    it.scoped("a lease is exclusive, renewable by its owner, and freed", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const { key } = yield* opened(journal)
        const a = `${journal.instanceId}/a`
        const b = `${journal.instanceId}/b`
        const claimed = yield* journal.claim(key, a, { duration: seconds(5) })
        expect(Option.flatMap(claimed, (e) => e.leaseOwner)).toEqual(Option.some(a))
        expect(yield* journal.claim(key, b, { duration: seconds(5) })).toEqual(Option.none())
        // `b` is of this very instance: not taken over as another's.
        const same = yield* journal.claim(key, b, { duration: seconds(5), takeOverForeign: true })
        expect(same).toEqual(Option.none())
        expect(Option.isSome(yield* journal.claim(key, a, { duration: seconds(5) }))).toBe(true)
        expect(yield* journal.renew(key, b, seconds(5))).toBe(false)
        expect(yield* journal.renew(key, a, seconds(5))).toBe(true)
        yield* journal.release(key, b) // not b's: nothing happens
        expect(yield* journal.claim(key, b, { duration: seconds(5) })).toEqual(Option.none())
        yield* journal.release(key, a)
        const free = yield* journal.claim(key, b, { duration: seconds(5) })
        expect(Option.flatMap(free, (e) => e.leaseOwner)).toEqual(Option.some(b))
        expect(yield* journal.renew(key, a, seconds(5))).toBe(false)
      }),
    )

    it.scoped("a lease is taken once watched unrenewed for its whole duration", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const { key } = yield* opened(journal)
        const a = `${journal.instanceId}/a`
        const b = `${journal.instanceId}/b`
        yield* journal.claim(key, a, { duration: seconds(5) })
        expect(yield* journal.claim(key, b, { duration: seconds(9) })).toEqual(Option.none())
        yield* TestClock.adjust("4999 millis")
        expect(yield* journal.claim(key, b, { duration: seconds(9) })).toEqual(Option.none())
        // Renewed: watched afresh from the renewal on.
        expect(yield* journal.renew(key, a, seconds(5))).toBe(true)
        yield* TestClock.adjust("4999 millis")
        expect(yield* journal.claim(key, b, { duration: seconds(9) })).toEqual(Option.none())
        yield* TestClock.adjust("1 millis")
        expect(yield* journal.claim(key, b, { duration: seconds(9) })).toEqual(Option.none())
        yield* TestClock.adjust("5 seconds")
        const taken = yield* journal.claim(key, b, { duration: seconds(9) })
        expect(Option.flatMap(taken, (e) => e.leaseOwner)).toEqual(Option.some(b))
        expect(yield* journal.renew(key, a, seconds(5))).toBe(false)
        // b's lease lasts its own duration, 9 s, for whoever watches it.
        expect(yield* journal.claim(key, a, { duration: seconds(5) })).toEqual(Option.none())
        yield* TestClock.adjust("8999 millis")
        expect(yield* journal.claim(key, a, { duration: seconds(5) })).toEqual(Option.none())
        yield* TestClock.adjust("1 millis")
        expect(Option.isSome(yield* journal.claim(key, a, { duration: seconds(5) }))).toBe(true)
      }),
    )

    it.scoped("a lease not looked at for a day is watched afresh", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const { key } = yield* opened(journal)
        const b = `${journal.instanceId}/b`
        yield* journal.claim(key, `${journal.instanceId}/a`, { duration: seconds(5) })
        expect(yield* journal.claim(key, b, { duration: seconds(5) })).toEqual(Option.none())
        yield* TestClock.adjust("25 hours")
        expect(yield* journal.claim(key, b, { duration: seconds(5) })).toEqual(Option.none())
        yield* TestClock.adjust("5 seconds")
        expect(Option.isSome(yield* journal.claim(key, b, { duration: seconds(5) }))).toBe(true)
      }),
    )

    it.scoped("no wall clock decides: a clock ahead or stepped forward takes no lease", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const { key } = yield* opened(journal)
        const a = `${journal.instanceId}/a`
        const b = `${journal.instanceId}/b`
        yield* journal.claim(key, a, { duration: seconds(5) })
        // b's wall clock a day ahead, and stepped another day forward between its claims.
        const ahead = yield* SkewedClock.make(Duration.days(1))
        const claimB = Effect.withClock(journal.claim(key, b, { duration: seconds(5) }), ahead)
        expect(yield* claimB).toEqual(Option.none())
        yield* ahead.step(Duration.days(1))
        expect(yield* claimB).toEqual(Option.none())
        yield* TestClock.adjust("4 seconds")
        expect(yield* Effect.withClock(journal.renew(key, a, seconds(5)), ahead)).toBe(true)
        yield* TestClock.adjust("4 seconds")
        expect(yield* claimB).toEqual(Option.none())
        const held = yield* journal.query({})
        expect(held.map((e) => e.leaseOwner)).toEqual([Option.some(a)])
      }),
    )

    const goneOwner = store.goneOwner
    if (goneOwner !== undefined) {
      it.scoped("a lease of a journal instance that is gone is taken over at once", () =>
        Effect.gen(function* () {
          const journal = yield* store.make
          const { key } = yield* opened(journal, {
            leaseOwner: Option.some(goneOwner),
            leaseUntil: Option.some(61_000),
          })
          const mine = `${journal.instanceId}/a`
          expect(yield* journal.claim(key, mine, { duration: seconds(5) })).toEqual(Option.none())
          const taken = yield* journal.claim(key, mine, {
            duration: seconds(5),
            takeOverForeign: true,
          })
          expect(Option.flatMap(taken, (e) => e.leaseOwner)).toEqual(Option.some(mine))
        }),
      )
    } else {
      it.scoped("a lease of another instance is never taken over before it runs out", () =>
        Effect.gen(function* () {
          const journal = yield* store.make
          const other = `${crypto.randomUUID()}/a`
          const { key } = yield* opened(journal, {
            leaseOwner: Option.some(other),
            leaseUntil: Option.some(61_000),
          })
          const claim = journal.claim(key, `${journal.instanceId}/a`, {
            duration: seconds(5),
            takeOverForeign: true,
          })
          expect(yield* claim).toEqual(Option.none())
          yield* TestClock.adjust("59999 millis")
          expect(yield* claim).toEqual(Option.none())
          yield* TestClock.adjust("1 millis")
          expect(Option.isSome(yield* claim)).toBe(true)
        }),
      )
    }

    it.scoped("an entry opened with a lease is held for leaseUntil - createdAt", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const a = `${journal.instanceId}/a`
        const b = `${journal.instanceId}/b`
        const { key } = yield* opened(journal, {
          leaseOwner: Option.some(a),
          leaseUntil: Option.some(8_000),
          createdAt: 1_000,
        })
        expect(yield* journal.claim(key, b, { duration: seconds(5) })).toEqual(Option.none())
        yield* TestClock.adjust("6999 millis")
        expect(yield* journal.claim(key, b, { duration: seconds(5) })).toEqual(Option.none())
        yield* TestClock.adjust("1 millis")
        expect(Option.isSome(yield* journal.claim(key, b, { duration: seconds(5) }))).toBe(true)
      }),
    )

    it.scoped("a finished entry cannot be claimed; completing it frees its lease", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const { key } = yield* opened(journal, {
          leaseOwner: Option.some(`${journal.instanceId}/a`),
          leaseUntil: Option.some(5_000),
        })
        const done = yield* journal.complete(key, outcome({ _tag: "NotCreated", reason: "no" }))
        expect([done.leaseOwner, done.leaseUntil]).toEqual([Option.none(), Option.none()])
        expect(yield* journal.claim(key, "x/y", { duration: seconds(1) })).toEqual(Option.none())
        expect(yield* journal.renew(key, `${journal.instanceId}/a`, seconds(9))).toBe(false)
      }),
    )

    it.scoped("claims racing on one entry: exactly one wins", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const { key } = yield* opened(journal)
        const wins = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, i) => `${journal.instanceId}/${i}`),
          (owner) => journal.claim(key, owner, { duration: seconds(10) }),
          { concurrency: "unbounded" },
        )
        expect(wins.filter(Option.isSome)).toHaveLength(1)
      }),
    )

    if (store.shared !== undefined) {
      const shared = store.shared
      it.scoped("two journals on one store: one sees the other's entries and leases", () =>
        Effect.gen(function* () {
          const [one, two] = yield* shared
          expect(one.instanceId).not.toBe(two.instanceId)
          const { key } = yield* opened(one)
          expect(yield* two.open(entry({ orderId: "order-0" }))).toBe(false)
          const mine = `${one.instanceId}/a`
          const claimed = yield* one.claim(key, mine, { duration: seconds(5) })
          expect(Option.isSome(claimed)).toBe(true)
          const theirs = `${two.instanceId}/a`
          expect(yield* two.claim(key, theirs, { duration: seconds(5) })).toEqual(Option.none())
          // The other instance is alive (in this very process): not taken over.
          expect(
            yield* two.claim(key, theirs, { duration: seconds(5), takeOverForeign: true }),
          ).toEqual(Option.none())
          // Renewed by one: two watches it afresh, and never takes it while it is renewed.
          for (let turn = 0; turn < 4; turn++) {
            yield* TestClock.adjust("4 seconds")
            expect(yield* one.renew(key, mine, seconds(5))).toBe(true)
            expect(yield* two.claim(key, theirs, { duration: seconds(5) })).toEqual(Option.none())
          }
          yield* TestClock.adjust("5 seconds")
          const taken = yield* two.claim(key, theirs, { duration: seconds(5) })
          expect(Option.flatMap(taken, (e) => e.leaseOwner)).toEqual(Option.some(theirs))
          expect(yield* one.renew(key, mine, seconds(5))).toBe(false)
          yield* one.decide(key, decision({ _tag: "Cancel" }))
          const decided = yield* two.decide(key, decision({ _tag: "Capture", amount: 1 }))
          expect(Option.getOrUndefined(decided.decision)).toEqual({ _tag: "Cancel" })
        }),
      )

      it.scoped("two journals racing: every attempt opened once, every claim won once", () =>
        Effect.gen(function* () {
          const [one, two] = yield* shared
          const opens = yield* Effect.forEach(
            Array.from({ length: 10 }, (_, i) => i),
            (i) =>
              Effect.all(
                [one.open(entry({ attempt: i + 1 })), two.open(entry({ attempt: i + 1 }))],
                {
                  concurrency: 2,
                },
              ),
            { concurrency: "unbounded" },
          )
          expect(opens.map(([a, b]) => Number(a) + Number(b))).toEqual(Array(10).fill(1))
          const attempts = yield* one.attempts("PosV10", "Payment", merchant, "order-0")
          const claims = yield* Effect.forEach(
            attempts,
            (e) =>
              Effect.all(
                [
                  one.claim(e.key, `${one.instanceId}/r`, { duration: seconds(10) }),
                  two.claim(e.key, `${two.instanceId}/r`, { duration: seconds(10) }),
                ],
                { concurrency: 2 },
              ),
            { concurrency: "unbounded" },
          )
          expect(claims.map((pair) => pair.filter(Option.isSome).length)).toEqual(Array(10).fill(1))
        }),
      )
    }
  })
