/**
 * The contract every payment journal keeps, as one suite run against each implementation:
 * entries round-trip, attempts are unique, decisions and outcomes are written once, leases are
 * exclusive and expire, and (for stores two instances can share) two journals racing on one
 * entry see exactly one winner.
 */
import { PaymentJournal } from "@effect-mobilepay/pos"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema, type Scope } from "effect"

type Service = PaymentJournal.PaymentJournal.Service

export interface Store {
  /** A fresh, empty journal. */
  readonly make: Effect.Effect<Service, unknown, Scope.Scope>
  /** Two journal instances on one fresh, empty store, when the store can be shared. */
  readonly shared?: Effect.Effect<readonly [Service, Service], unknown, Scope.Scope>
}

const posId = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
const paymentId = "6f1f2d1e-8a7b-4c3d-9e0f-112233445566"
const merchantVat = "DK90000028"

// A V10 plan as the journal keeps it: encoded by its backend (checked by decoding it first).
const plan = (input: typeof PaymentJournal.Plan.Encoded) =>
  Schema.encodeSync(PaymentJournal.Plan)(Schema.decodeSync(PaymentJournal.Plan)(input))
const decision = Schema.decodeSync(PaymentJournal.Decision)
const outcome = Schema.decodeSync(PaymentJournal.Outcome)

const initiate = (orderId: string, amount = 125.5) =>
  plan({
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

const plans = [
  initiate("order-0"),
  plan({
    _tag: "PreparePayment",
    request: {
      posId,
      orderId: "order-1",
      amount: 0.01,
      currencyCode: "EUR",
      plannedCaptureDelay: "LessThan24Hours",
    },
    captureAmount: 0.01,
  }),
  plan({
    _tag: "CreateRefund",
    request: { paymentId, refundOrderId: "order-2", amount: 49.5, currencyCode: "DKK" },
  }),
]

const entry = (fields: Partial<ConstructorParameters<typeof PaymentJournal.Entry>[0]> = {}) =>
  new PaymentJournal.Entry({
    key: crypto.randomUUID(),
    kind: "Payment",
    backend: "PosV10",
    merchant: merchantVat,
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

export const contract = (name: string, store: Store) =>
  describe(`the payment journal contract: ${name}`, () => {
    it.scoped("entries round-trip with every kind of plan; attempts come oldest first", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        for (const [index, p] of plans.entries()) {
          const e = yield* opened(journal, {
            kind: p._tag === "CreateRefund" ? "Refund" : "Payment",
            orderId: `order-${index}`,
            plan: p,
          })
          expect(yield* journal.attempts("PosV10", e.kind, merchantVat, e.orderId)).toEqual([e])
        }
        const second = yield* opened(journal, { attempt: 2, createdAt: 2_000 })
        const attempts = yield* journal.attempts("PosV10", "Payment", merchantVat, "order-0")
        expect(attempts.map((a) => a.attempt)).toEqual([1, 2])
        expect(attempts[1]).toEqual(second)
        expect(yield* journal.attempts("PosV10", "Refund", merchantVat, "order-0")).toEqual([])
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

    it.scoped("a lease is exclusive until it runs out, renewable by its owner, and freed", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const { key } = yield* opened(journal)
        const a = `${journal.instanceId}/a`
        const b = `${journal.instanceId}/b`
        const claimed = yield* journal.claim(key, a, { now: 1_000, until: 5_000 })
        expect(Option.flatMap(claimed, (e) => e.leaseOwner)).toEqual(Option.some(a))
        expect(yield* journal.claim(key, b, { now: 4_999, until: 9_000 })).toEqual(Option.none())
        // Held by another instance of this journal? No: `b` is this instance, not taken over.
        const same = yield* journal.claim(key, b, {
          now: 2_000,
          until: 9_000,
          takeOverForeign: true,
        })
        expect(same).toEqual(Option.none())
        expect(Option.isSome(yield* journal.claim(key, a, { now: 2_000, until: 6_000 }))).toBe(true)
        expect(yield* journal.renew(key, b, 8_000)).toBe(false)
        expect(yield* journal.renew(key, a, 8_000)).toBe(true)
        expect(yield* journal.claim(key, b, { now: 7_999, until: 9_000 })).toEqual(Option.none())
        const expired = yield* journal.claim(key, b, { now: 8_000, until: 12_000 })
        expect(Option.flatMap(expired, (e) => e.leaseUntil)).toEqual(Option.some(12_000))
        yield* journal.release(key, a) // not a's any more: nothing happens
        expect(yield* journal.claim(key, a, { now: 9_000, until: 13_000 })).toEqual(Option.none())
        yield* journal.release(key, b)
        expect(Option.isSome(yield* journal.claim(key, a, { now: 9_000, until: 13_000 }))).toBe(
          true,
        )
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
        expect(yield* journal.claim(key, "x/y", { now: 0, until: 1 })).toEqual(Option.none())
        expect(yield* journal.renew(key, `${journal.instanceId}/a`, 9_000)).toBe(false)
      }),
    )

    it.scoped("claims racing on one entry: exactly one wins", () =>
      Effect.gen(function* () {
        const journal = yield* store.make
        const { key } = yield* opened(journal)
        const wins = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, i) => `${journal.instanceId}/${i}`),
          (owner) => journal.claim(key, owner, { now: 1_000, until: 10_000 }),
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
          const claimed = yield* one.claim(key, `${one.instanceId}/a`, { now: 1_000, until: 5_000 })
          expect(Option.isSome(claimed)).toBe(true)
          expect(
            yield* two.claim(key, `${two.instanceId}/a`, { now: 2_000, until: 9_000 }),
          ).toEqual(Option.none())
          // Taking over leases of other instances at once (the other process died).
          const taken = yield* two.claim(key, `${two.instanceId}/a`, {
            now: 2_000,
            until: 9_000,
            takeOverForeign: true,
          })
          expect(Option.flatMap(taken, (e) => e.leaseOwner)).toEqual(
            Option.some(`${two.instanceId}/a`),
          )
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
          const attempts = yield* one.attempts("PosV10", "Payment", merchantVat, "order-0")
          const claims = yield* Effect.forEach(
            attempts,
            (e) =>
              Effect.all(
                [
                  one.claim(e.key, `${one.instanceId}/r`, { now: 1_000, until: 10_000 }),
                  two.claim(e.key, `${two.instanceId}/r`, { now: 1_000, until: 10_000 }),
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
