/**
 * The payment journal: a write-ahead record of every payment and refund the flows make, kept
 * where it survives a crash, so that money is never lost or doubled. One journal serves both
 * platforms: each entry names its backend (`"PosV10"`, `"EPayment"`), and its plan is kept as
 * that backend encodes it.
 *
 * A flow writes an {@link Entry} before its first request (the create call exactly as it will
 * be sent, with its idempotency key), records the platform's id once known, records its
 * {@link Decision} (capture which amount, or cancel) before acting on it, and its
 * {@link Outcome} after. Decisions and outcomes are written once: whoever records first wins,
 * and everyone (a resumed flow, a recovery run in any process) carries out the recorded
 * decision, never another. A lease says which flow or recovery is working on an entry, so a
 * live sale is never taken from the till that runs it.
 *
 * `layerMemory` is for tests; `@effect-mobilepay/journal-sql` keeps the journal in SQLite or
 * PostgreSQL.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"

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
 * What is to become of a payment or refund once it exists: capture this amount, or cancel.
 * Recorded before it is carried out, and never changed.
 *
 * @since 0.2.0
 * @category models
 */
export const Decision = Schema.Union(
  /** In the backend's unit: V10 kroner (a decimal), ePayment minor units (an integer). */
  Schema.TaggedStruct("Capture", { amount: Schema.Number }),
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
export class Entry extends Schema.Class<Entry>("@effect-mobilepay/sale/PaymentJournal/Entry")({
  /** The idempotency key of the create call, made once: the entry's identity. */
  key: Schema.String,
  /** The platform the entry's calls go to: `"PosV10"` or `"EPayment"`. */
  backend: Schema.String,
  kind: EntryKind,
  /**
   * The merchant the calls are made for: V10's merchant VAT number (empty: the client's own),
   * ePayment's merchant serial number (MSN).
   */
  merchant: Schema.String,
  /** The order id of the payment, or the refund order id of the refund. */
  orderId: Schema.String,
  /** 1 for the first payment (refund) of the order, 2 after the first ended without money, ... */
  attempt: Schema.Int.pipe(Schema.positive()),
  /** What the entry was opened to do, as its backend encodes it (JSON). */
  plan: Schema.Unknown,
  /** The platform's payment id or refund id (ePayment: the `reference`), once known. */
  resourceId: Schema.OptionFromNullOr(Schema.String),
  decision: Schema.OptionFromNullOr(Decision),
  outcome: Schema.OptionFromNullOr(Outcome),
  /** Who works on the entry now. */
  leaseOwner: Schema.OptionFromNullOr(Schema.String),
  /**
   * Until when the lease lasts unrenewed (epoch milliseconds, on the journal's clock: the
   * database's for PostgreSQL). For people and messages only: a lease is never taken by
   * comparing clocks (see {@link PaymentJournal.Service.claim}). An entry opened with a lease
   * holds it for `leaseUntil - createdAt`.
   */
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
 * Which entries {@link PaymentJournal.Service.query} returns: those matching every field given.
 *
 * @since 0.2.0
 * @category models
 */
export interface EntryFilter {
  readonly backend?: string | undefined
  readonly kind?: EntryKind | undefined
  readonly merchant?: string | undefined
  readonly orderId?: string | undefined
  /** `true`: only entries with their outcome; `false`: only those without. */
  readonly finished?: boolean | undefined
  /** Opened at or after (epoch milliseconds). */
  readonly createdFrom?: number | undefined
  /** Opened before (epoch milliseconds). */
  readonly createdBefore?: number | undefined
  /** At most this many (the oldest). */
  readonly limit?: number | undefined
}

/**
 * Whether `entry` matches every field of `filter`: what each implementation of `query` selects.
 *
 * @since 0.2.0
 * @category models
 */
export const matches = (entry: Entry, filter: EntryFilter): boolean =>
  (filter.backend === undefined || entry.backend === filter.backend) &&
  (filter.kind === undefined || entry.kind === filter.kind) &&
  (filter.merchant === undefined || entry.merchant === filter.merchant) &&
  (filter.orderId === undefined || entry.orderId === filter.orderId) &&
  (filter.finished === undefined || entry.isFinished === filter.finished) &&
  (filter.createdFrom === undefined || entry.createdAt >= filter.createdFrom) &&
  (filter.createdBefore === undefined || entry.createdAt < filter.createdBefore)

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
      backend: string,
      kind: EntryKind,
      merchant: string,
      orderId: string,
    ) => Effect.Effect<ReadonlyArray<Entry>, PaymentJournalError>
    /**
     * Adds a new entry; `false` (and nothing written) when its attempt of the order exists. An
     * entry opened with a `leaseOwner` is held by it for `leaseUntil - createdAt`.
     */
    readonly open: (entry: Entry) => Effect.Effect<boolean, PaymentJournalError>
    /**
     * Takes the lease of an unfinished entry for `duration`, when it is free, already `owner`'s,
     * run out, or (with `takeOverForeign`) held by a journal instance that is gone. A lease
     * held by someone else has run out when this journal instance has watched it unchanged
     * (no renewal, see {@link LeaseWatch}) for its holder's whole duration, on this process's
     * monotonic clock: no wall clock is compared, so neither skew between processes nor a
     * step of a clock hands a live sale to anyone. The first claim of a lease held by someone
     * else therefore never takes it; a later one may.
     */
    readonly claim: (
      key: string,
      owner: string,
      lease: {
        readonly duration: Duration.Duration
        /**
         * Also take a lease whose holder's journal instance is gone: in memory, any other
         * instance (a memory journal has no other live one); in SQL, an instance of a process
         * on this machine that is no longer running (asked of the operating system).
         */
        readonly takeOverForeign?: boolean | undefined
        /**
         * Also take a lease held by an owner of this journal instance that the caller knows is
         * gone (its flow ended without giving the lease up, e.g. the release failed): only
         * owners of this instance are asked about, since only this process can know.
         */
        readonly takeOverOwn?: ((holder: string) => boolean) | undefined
      },
    ) => Effect.Effect<Option.Option<Entry>, PaymentJournalError>
    /** Extends a lease `owner` holds by `duration` from now; `false` when it is no longer theirs. */
    readonly renew: (
      key: string,
      owner: string,
      duration: Duration.Duration,
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
    /** The entry that has the platform's `resourceId`, if any. */
    readonly byResource: (
      backend: string,
      kind: EntryKind,
      resourceId: string,
    ) => Effect.Effect<Option.Option<Entry>, PaymentJournalError>
    /** The entries matching every given field of `filter`, oldest first: for reconciliation and support. */
    readonly query: (
      filter: EntryFilter,
    ) => Effect.Effect<ReadonlyArray<Entry>, PaymentJournalError>
  }
}

/**
 * The journal the flows write to.
 *
 * @since 0.2.0
 * @category tags
 */
export class PaymentJournal extends Context.Tag("@effect-mobilepay/sale/PaymentJournal")<
  PaymentJournal,
  PaymentJournal.Service
>() {}

/**
 * A lease as a journal keeps it beside its entry: who holds it, how long it lasts unrenewed,
 * and its version, changed by every claim, renewal and release.
 *
 * @since 0.2.0
 * @category leases
 */
export interface Lease {
  readonly owner: string
  readonly version: number
  readonly millis: number
  /** As the entry shows it: a holder that renews without a version (an older release) changes it. */
  readonly until: number | undefined
}

/**
 * What one journal instance has seen of the leases others hold: a lease has run out for it
 * once it has seen the same lease (holder, version and end) for the lease's whole duration on
 * this process's monotonic clock (`Clock.currentTimeNanos`). A holder renews well within its
 * duration, and each renewal changes the version, so a live holder's lease never runs out
 * for anyone, whatever their wall clocks say. Every journal takes leases this way. A lease
 * not looked at for a day is forgotten (entries others finished are never looked at again).
 *
 * @since 0.2.0
 * @category leases
 */
export interface LeaseWatch {
  /** Whether `lease` on `key` has run out; a lease not seen before is remembered from now. */
  readonly runOut: (key: string, lease: Lease) => Effect.Effect<boolean>
  /** Forgets `key` (its lease was taken, or the entry finished). */
  readonly forget: (key: string) => Effect.Effect<void>
}

/**
 * A {@link LeaseWatch} of its own, for one journal instance.
 *
 * @since 0.2.0
 * @category leases
 */
export const makeLeaseWatch: Effect.Effect<LeaseWatch> = Effect.sync(() => {
  const seen = new Map<string, Watched>()
  let swept = 0n
  // Entries finished by others are never looked at again: what was not looked at for a day is
  // dropped (looked at later, it is watched afresh), at most once a minute.
  const sweep = (now: bigint) => {
    if (now - swept < minuteNanos) return
    swept = now
    for (const [key, watched] of seen) {
      if (now - watched.checked > dayNanos) seen.delete(key)
    }
  }
  return {
    runOut: (key, lease) =>
      Effect.map(Clock.currentTimeNanos, (now) => {
        sweep(now)
        const before = seen.get(key)
        if (
          before !== undefined &&
          before.lease.owner === lease.owner &&
          before.lease.version === lease.version &&
          before.lease.until === lease.until
        ) {
          seen.set(key, { ...before, checked: now })
          return now - before.since >= BigInt(Math.ceil(lease.millis)) * 1_000_000n
        }
        seen.set(key, { lease, since: now, checked: now })
        return false
      }),
    forget: (key) => Effect.sync(() => seen.delete(key)),
  }
})

interface Watched {
  readonly lease: Lease
  /** When this lease (holder, version, end) was first seen. */
  readonly since: bigint
  /** When it was last looked at. */
  readonly checked: bigint
}

const minuteNanos = 60_000_000_000n
const dayNanos = 24n * 60n * minuteNanos

/**
 * Whether `owner` is one of journal instance `instanceId`'s lease owners.
 *
 * @since 0.2.0
 * @category leases
 */
/**
 * How a lease is claimed (the options of {@link PaymentJournal.Service.claim}).
 *
 * @since 0.2.0
 * @category leases
 */
export type ClaimOptions = Parameters<PaymentJournal.Service["claim"]>[2]

/**
 * Whether `owner` is a lease owner of the journal instance `instanceId`.
 *
 * @since 0.2.0
 * @category leases
 */
export const ownedBy = (instanceId: string, owner: string): boolean =>
  owner.startsWith(`${instanceId}/`)

/**
 * A journal in memory: the same semantics as the durable ones, for tests and for programs
 * that can afford to forget everything on a restart.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<PaymentJournal.Service> = Effect.gen(function* () {
  const instanceId = crypto.randomUUID()
  // Each entry beside its lease's version and duration (which Entry does not carry).
  const entries = yield* Ref.make<ReadonlyMap<string, Stored>>(new Map())
  const watch = yield* makeLeaseWatch
  const stamp = Effect.clockWith((clock) => clock.currentTimeMillis)

  const all = Effect.map(Ref.get(entries), (map) =>
    [...map.values()]
      .map((stored) => stored.entry)
      .sort((a, b) => a.createdAt - b.createdAt || a.attempt - b.attempt),
  )

  // Applies `change` to what is stored at `key` atomically; returns it as stored after.
  const update = (key: string, change: (stored: Stored, now: number) => Stored | undefined) =>
    Effect.flatMap(stamp, (now) =>
      Ref.modify(entries, (map): readonly [Option.Option<Stored>, ReadonlyMap<string, Stored>] => {
        const stored = map.get(key)
        if (stored === undefined) return [Option.none(), map]
        const changed = change(stored, now)
        if (changed === undefined) return [Option.some(stored), map]
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
      update(key, (stored, now) => {
        const entry = change(stored.entry, now)
        return entry === undefined ? undefined : { ...stored, entry }
      }),
      Option.match({
        onNone: () => missing(operation, key),
        onSome: (s) => Effect.succeed(s.entry),
      }),
    )

  // The lease `owner` takes (or renews) for `millis` from `now`: a new version.
  const leased = (stored: Stored, owner: string, millis: number, now: number): Stored => ({
    entry: new Entry({
      ...stored.entry,
      leaseOwner: Option.some(owner),
      leaseUntil: Option.some(now + millis),
      updatedAt: now,
    }),
    version: stored.version + 1,
    millis,
  })

  // Whether the lease on `stored` may be taken by `owner` (see PaymentJournal.Service.claim).
  const available = (
    key: string,
    stored: Stored,
    owner: string,
    lease: ClaimOptions,
  ): Effect.Effect<boolean> =>
    Option.match(stored.entry.leaseOwner, {
      onNone: () => Effect.succeed(true),
      onSome: (holder) =>
        holder === owner ||
        (lease.takeOverForeign === true && !ownedBy(instanceId, holder)) ||
        (ownedBy(instanceId, holder) && lease.takeOverOwn?.(holder) === true)
          ? Effect.succeed(true)
          : watch.runOut(key, {
              owner: holder,
              version: stored.version,
              millis: stored.millis,
              until: Option.getOrUndefined(stored.entry.leaseUntil),
            }),
    })

  return PaymentJournal.of({
    instanceId,
    attempts: (backend, kind, merchant, orderId) =>
      Effect.map(all, (list) =>
        list
          .filter(
            (e) =>
              e.backend === backend &&
              e.kind === kind &&
              e.merchant === merchant &&
              e.orderId === orderId,
          )
          .sort((a, b) => a.attempt - b.attempt),
      ),
    open: (entry) =>
      Ref.modify(entries, (map): readonly [boolean, ReadonlyMap<string, Stored>] => {
        for (const { entry: e } of map.values()) {
          if (
            e.key === entry.key ||
            (e.backend === entry.backend &&
              e.kind === entry.kind &&
              e.merchant === entry.merchant &&
              e.orderId === entry.orderId &&
              e.attempt === entry.attempt)
          ) {
            return [false, map]
          }
        }
        const millis = Option.match(entry.leaseUntil, {
          onNone: () => 0,
          onSome: (until) => Math.max(0, until - entry.createdAt),
        })
        return [true, new Map(map).set(entry.key, { entry, version: 1, millis })]
      }),
    claim: (key, owner, lease) =>
      Effect.gen(function* () {
        const seen = (yield* Ref.get(entries)).get(key)
        if (seen === undefined || seen.entry.isFinished) return Option.none()
        if (!(yield* available(key, seen, owner, lease))) return Option.none()
        const millis = Duration.toMillis(lease.duration)
        // Taken only if nothing changed since it was looked at: racing claims, one winner.
        const taken = yield* update(key, (stored, now) =>
          stored === seen ? leased(stored, owner, millis, now) : undefined,
        )
        const won = Option.filter(
          Option.map(taken, (stored) => stored.entry),
          (entry) => Option.contains(entry.leaseOwner, owner) && !entry.isFinished,
        )
        if (Option.isSome(won)) yield* watch.forget(key)
        return won
      }),
    renew: (key, owner, duration) =>
      Effect.map(
        update(key, (stored, now) =>
          Option.contains(stored.entry.leaseOwner, owner) && !stored.entry.isFinished
            ? leased(stored, owner, Duration.toMillis(duration), now)
            : undefined,
        ),
        (stored) =>
          Option.exists(
            stored,
            (s) => Option.contains(s.entry.leaseOwner, owner) && !s.entry.isFinished,
          ),
      ),
    release: (key, owner) =>
      Effect.asVoid(
        update(key, (stored, now) =>
          Option.contains(stored.entry.leaseOwner, owner)
            ? {
                entry: new Entry({
                  ...stored.entry,
                  leaseOwner: Option.none(),
                  leaseUntil: Option.none(),
                  updatedAt: now,
                }),
                version: stored.version + 1,
                millis: 0,
              }
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
      Effect.tap(
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
        () => watch.forget(key),
      ),
    unfinished: Effect.map(all, (list) => list.filter((entry) => !entry.isFinished)),
    byResource: (backend, kind, resourceId) =>
      Effect.map(all, (list) =>
        Option.fromNullable(
          list.find(
            (e) =>
              e.backend === backend && e.kind === kind && Option.contains(e.resourceId, resourceId),
          ),
        ),
      ),
    query: (filter) =>
      Effect.map(all, (list) => {
        const matching = list.filter((entry) => matches(entry, filter))
        return filter.limit === undefined ? matching : matching.slice(0, filter.limit)
      }),
  })
})

interface Stored {
  readonly entry: Entry
  readonly version: number
  readonly millis: number
}

/**
 * A journal in memory (see {@link makeMemory}).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMemory: Layer.Layer<PaymentJournal> = Layer.effect(PaymentJournal, makeMemory)
