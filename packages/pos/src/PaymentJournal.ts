/**
 * The payment journal: a write-ahead record of every payment and refund the flows make, kept
 * where it survives a crash, so that money is never lost or doubled.
 *
 * A flow writes an {@link Entry} before its first request (the create call exactly as it will
 * be sent, with its idempotency key), records MobilePay's id once known, records its
 * {@link Decision} (capture which amount, or cancel) before acting on it, and its
 * {@link Outcome} after. Decisions and outcomes are written once: whoever records first wins,
 * and everyone (a resumed flow, `Recovery.recover` in any process) carries out the recorded
 * decision, never another. A lease says which flow or recovery is working on an entry, so a
 * live sale is never taken from the till that runs it.
 *
 * `layerMemory` is for tests; `@effect-mobilepay/journal-sql` keeps the journal in SQLite or
 * PostgreSQL.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { Amount } from "./Domain.js"
import * as Payment from "./Payment.js"
import * as Refund from "./Refund.js"

/**
 * What an entry is about: a payment (one create call, `InitiatePayment` or `PreparePayment`)
 * or a refund (`CreateRefund`).
 *
 * @since 0.2.0
 * @category models
 */
export const EntryKind = Schema.Literal("Payment", "Refund")
/** @since 0.2.0 */
export type EntryKind = typeof EntryKind.Type

/**
 * The request of a prepared payment: `PreparePayment` first, then the terms for `PaymentReady`.
 *
 * @since 0.2.0
 * @category models
 */
export const PreparedPaymentRequest = Schema.extend(
  Payment.PreparePaymentRequest,
  Payment.PaymentReadyRequest,
).annotations({ identifier: "PreparedPaymentRequest" })
/** @since 0.2.0 */
export type PreparedPaymentRequest = typeof PreparedPaymentRequest.Type

/**
 * What an entry was opened to do: the create call as it is (re)sent, and for payments the
 * amount to capture once the customer has accepted.
 *
 * @since 0.2.0
 * @category models
 */
export const Plan = Schema.Union(
  Schema.TaggedStruct("InitiatePayment", {
    request: Payment.InitiatePaymentRequest,
    captureAmount: Amount,
  }),
  Schema.TaggedStruct("PreparePayment", {
    request: PreparedPaymentRequest,
    captureAmount: Amount,
  }),
  Schema.TaggedStruct("CreateRefund", { request: Refund.CreateRefundRequest }),
).annotations({ identifier: "Plan" })
/** @since 0.2.0 */
export type Plan = typeof Plan.Type

/**
 * What is to become of a payment or refund once it exists: capture this amount, or cancel.
 * Recorded before it is carried out, and never changed.
 *
 * @since 0.2.0
 * @category models
 */
export const Decision = Schema.Union(
  Schema.TaggedStruct("Capture", { amount: Amount }),
  Schema.TaggedStruct("Cancel", {}),
).annotations({ identifier: "Decision" })
/** @since 0.2.0 */
export type Decision = typeof Decision.Type

/**
 * How an entry ended: `Final`, MobilePay's final status (with the captured amount for a
 * capture); or `NotCreated`, MobilePay refused the create call (or, past its idempotency
 * window, has no trace of it): nothing exists there.
 *
 * @since 0.2.0
 * @category models
 */
export const Outcome = Schema.Union(
  Schema.TaggedStruct("Final", {
    status: Schema.String,
    /** The amount captured (or refunded): the decided one, else as MobilePay reports it. */
    amount: Schema.optional(Schema.Number),
  }),
  Schema.TaggedStruct("NotCreated", { reason: Schema.String }),
).annotations({ identifier: "Outcome" })
/** @since 0.2.0 */
export type Outcome = typeof Outcome.Type

/**
 * One create call and what followed, as the journal keeps it.
 *
 * @since 0.2.0
 * @category models
 */
export class Entry extends Schema.Class<Entry>("@effect-mobilepay/pos/PaymentJournal/Entry")({
  /** The idempotency key of the create call, made once: the entry's identity. */
  key: Schema.String,
  kind: EntryKind,
  /** The merchant the calls are made for. */
  merchantVat: Schema.String,
  /** The order id of the payment, or the refund order id of the refund. */
  orderId: Schema.String,
  /** 1 for the first payment (refund) of the order, 2 after the first ended without money, ... */
  attempt: Schema.Int.pipe(Schema.positive()),
  plan: Plan,
  /** MobilePay's payment id or refund id, once known. */
  resourceId: Schema.OptionFromNullOr(Schema.String),
  decision: Schema.OptionFromNullOr(Decision),
  outcome: Schema.OptionFromNullOr(Outcome),
  /** Who works on the entry now, and until when (epoch milliseconds). */
  leaseOwner: Schema.OptionFromNullOr(Schema.String),
  leaseUntil: Schema.OptionFromNullOr(Schema.Number),
  /** When the entry was opened (epoch milliseconds): the idempotency key's age. */
  createdAt: Schema.Number,
  updatedAt: Schema.Number,
}) {
  /** Whether the entry has its outcome. */
  get isFinished(): boolean {
    return Option.isSome(this.outcome)
  }
}

/**
 * The journal's storage failed. Nothing was acted on after a write that failed.
 *
 * @since 0.2.0
 * @category errors
 */
export class PaymentJournalError extends Schema.TaggedError<PaymentJournalError>()(
  "PaymentJournalError",
  {
    /** What the journal was doing, e.g. `open` or `decide`. */
    operation: Schema.String,
    cause: Schema.Defect,
  },
) {
  override get message(): string {
    return `The payment journal could not ${this.operation}`
  }
}

/**
 * @since 0.2.0
 * @category models
 */
export declare namespace PaymentJournal {
  /**
   * A journal's storage. Every write is durable before it succeeds, and atomic: two processes
   * racing on one entry see one of them win. The flows and `Recovery.recover` build on these
   * operations; a program rarely calls them itself.
   *
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /** This journal instance (one per process): leases it hands out start with it. */
    readonly instanceId: string
    /** Every entry (attempt) of an order, oldest first. */
    readonly attempts: (
      kind: EntryKind,
      merchantVat: string,
      orderId: string,
    ) => Effect.Effect<ReadonlyArray<Entry>, PaymentJournalError>
    /** Adds a new entry; `false` (and nothing written) when its attempt of the order exists. */
    readonly open: (entry: Entry) => Effect.Effect<boolean, PaymentJournalError>
    /**
     * Takes the lease of an unfinished entry until `until`, when it is free, expired at `now`,
     * already `owner`'s, or (with `takeOverForeign`) held by another journal instance.
     */
    readonly claim: (
      key: string,
      owner: string,
      lease: {
        readonly now: number
        readonly until: number
        readonly takeOverForeign?: boolean | undefined
      },
    ) => Effect.Effect<Option.Option<Entry>, PaymentJournalError>
    /** Extends a lease `owner` holds; `false` when it is no longer theirs. */
    readonly renew: (
      key: string,
      owner: string,
      until: number,
    ) => Effect.Effect<boolean, PaymentJournalError>
    /** Gives a lease up, if `owner` holds it. */
    readonly release: (key: string, owner: string) => Effect.Effect<void, PaymentJournalError>
    /** Records MobilePay's id, unless one is recorded; returns the entry as stored. */
    readonly recordResource: (
      key: string,
      resourceId: string,
    ) => Effect.Effect<Entry, PaymentJournalError>
    /** Records a decision, unless one is recorded; returns the entry as stored (its decision wins). */
    readonly decide: (key: string, decision: Decision) => Effect.Effect<Entry, PaymentJournalError>
    /** Records the outcome, unless one is recorded, and frees the lease; returns the entry as stored. */
    readonly complete: (key: string, outcome: Outcome) => Effect.Effect<Entry, PaymentJournalError>
    /** Every entry without an outcome, oldest first. */
    readonly unfinished: Effect.Effect<ReadonlyArray<Entry>, PaymentJournalError>
    /** The entry that has MobilePay's `resourceId`, if any. */
    readonly byResource: (
      kind: EntryKind,
      resourceId: string,
    ) => Effect.Effect<Option.Option<Entry>, PaymentJournalError>
  }
}

/**
 * The journal the flows write to.
 *
 * @since 0.2.0
 * @category tags
 */
export class PaymentJournal extends Context.Tag("@effect-mobilepay/pos/PaymentJournal")<
  PaymentJournal,
  PaymentJournal.Service
>() {}

/**
 * Whether a lease on `entry` may be taken by `owner` at `now`: free, expired, already theirs,
 * or (when taking over) held by another journal instance. Every implementation decides the same.
 *
 * @since 0.2.0
 * @category leases
 */
export const leaseAvailable = (
  entry: Entry,
  owner: string,
  instanceId: string,
  lease: { readonly now: number; readonly takeOverForeign?: boolean | undefined },
): boolean =>
  Option.match(entry.leaseOwner, {
    onNone: () => true,
    onSome: (holder) =>
      holder === owner ||
      Option.getOrElse(entry.leaseUntil, () => 0) <= lease.now ||
      (lease.takeOverForeign === true && !holder.startsWith(`${instanceId}/`)),
  })

/**
 * A journal in memory: the same semantics as the durable ones, for tests and for programs
 * that can afford to forget everything on a restart.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<PaymentJournal.Service> = Effect.gen(function* () {
  const instanceId = crypto.randomUUID()
  const entries = yield* Ref.make<ReadonlyMap<string, Entry>>(new Map())
  const stamp = Effect.clockWith((clock) => clock.currentTimeMillis)

  const all = Effect.map(Ref.get(entries), (map) =>
    [...map.values()].sort((a, b) => a.createdAt - b.createdAt || a.attempt - b.attempt),
  )

  // Applies `change` to the entry at `key` atomically; returns the entry as stored after it.
  const update = (key: string, change: (entry: Entry, now: number) => Entry | undefined) =>
    Effect.flatMap(stamp, (now) =>
      Ref.modify(entries, (map): readonly [Option.Option<Entry>, ReadonlyMap<string, Entry>] => {
        const entry = map.get(key)
        if (entry === undefined) return [Option.none(), map]
        const changed = change(entry, now)
        if (changed === undefined) return [Option.some(entry), map]
        return [Option.some(changed), new Map(map).set(key, changed)]
      }),
    )

  const missing = (operation: string, key: string) =>
    Effect.fail(new PaymentJournalError({ operation, cause: new Error(`no journal entry ${key}`) }))

  const writeOnce = (
    operation: string,
    key: string,
    change: (entry: Entry, now: number) => Entry | undefined,
  ) =>
    Effect.flatMap(
      update(key, change),
      Option.match({ onNone: () => missing(operation, key), onSome: Effect.succeed }),
    )

  return PaymentJournal.of({
    instanceId,
    attempts: (kind, merchantVat, orderId) =>
      Effect.map(all, (list) =>
        list
          .filter((e) => e.kind === kind && e.merchantVat === merchantVat && e.orderId === orderId)
          .sort((a, b) => a.attempt - b.attempt),
      ),
    open: (entry) =>
      Ref.modify(entries, (map): readonly [boolean, ReadonlyMap<string, Entry>] => {
        for (const e of map.values()) {
          if (
            e.key === entry.key ||
            (e.kind === entry.kind &&
              e.merchantVat === entry.merchantVat &&
              e.orderId === entry.orderId &&
              e.attempt === entry.attempt)
          ) {
            return [false, map]
          }
        }
        return [true, new Map(map).set(entry.key, entry)]
      }),
    claim: (key, owner, lease) =>
      Effect.map(
        update(key, (entry, now) =>
          !entry.isFinished && leaseAvailable(entry, owner, instanceId, lease)
            ? new Entry({
                ...entry,
                leaseOwner: Option.some(owner),
                leaseUntil: Option.some(lease.until),
                updatedAt: now,
              })
            : undefined,
        ),
        (stored) =>
          Option.filter(
            stored,
            (entry) => Option.contains(entry.leaseOwner, owner) && !entry.isFinished,
          ),
      ),
    renew: (key, owner, until) =>
      Effect.map(
        update(key, (entry, now) =>
          Option.contains(entry.leaseOwner, owner) && !entry.isFinished
            ? new Entry({ ...entry, leaseUntil: Option.some(until), updatedAt: now })
            : undefined,
        ),
        (stored) =>
          Option.exists(
            stored,
            (entry) =>
              Option.contains(entry.leaseOwner, owner) && Option.contains(entry.leaseUntil, until),
          ),
      ),
    release: (key, owner) =>
      Effect.asVoid(
        update(key, (entry, now) =>
          Option.contains(entry.leaseOwner, owner)
            ? new Entry({
                ...entry,
                leaseOwner: Option.none(),
                leaseUntil: Option.none(),
                updatedAt: now,
              })
            : undefined,
        ),
      ),
    recordResource: (key, resourceId) =>
      writeOnce("record the resource id", key, (entry, now) =>
        Option.isNone(entry.resourceId)
          ? new Entry({ ...entry, resourceId: Option.some(resourceId), updatedAt: now })
          : undefined,
      ),
    decide: (key, decision) =>
      writeOnce("record the decision", key, (entry, now) =>
        Option.isNone(entry.decision)
          ? new Entry({ ...entry, decision: Option.some(decision), updatedAt: now })
          : undefined,
      ),
    complete: (key, outcome) =>
      writeOnce("record the outcome", key, (entry, now) =>
        Option.isNone(entry.outcome)
          ? new Entry({
              ...entry,
              outcome: Option.some(outcome),
              leaseOwner: Option.none(),
              leaseUntil: Option.none(),
              updatedAt: now,
            })
          : undefined,
      ),
    unfinished: Effect.map(all, (list) => list.filter((entry) => !entry.isFinished)),
    byResource: (kind, resourceId) =>
      Effect.map(all, (list) =>
        Option.fromNullable(
          list.find((e) => e.kind === kind && Option.contains(e.resourceId, resourceId)),
        ),
      ),
  })
})

/**
 * A journal in memory (see {@link makeMemory}).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMemory: Layer.Layer<PaymentJournal> = Layer.effect(PaymentJournal, makeMemory)
