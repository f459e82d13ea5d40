/**
 * The sale engine: opens (or resumes) a journal entry, holds its lease while working on it, and
 * drives it from wherever it stands to its outcome, over any {@link SaleBackend}. Every step
 * reads where the platform stands before acting, records a decision before carrying it out,
 * and carries out only the recorded decision. The flows of `@effect-mobilepay/pos` and
 * `@effect-mobilepay/epayment` and {@link Recovery} are built on it; a program uses those.
 *
 * A sale moves through stages derived from its entry: planned (no id yet) → created (the
 * platform's id recorded) → decided (capture which amount, or cancel) → finished (the outcome
 * recorded). {@link drive} takes an entry from any stage to the end.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import {
  type Decision,
  Entry,
  type EntryKind,
  type Outcome,
  type PaymentJournal,
  PaymentJournalError,
} from "./PaymentJournal.js"
import type { Created, SaleBackend, View, Wait } from "./SaleBackend.js"
import {
  OrderIdReused,
  PartialCaptureUnavailable,
  SaleInProgress,
  SaleOutcomeUnrecorded,
  SaleUnresolved,
  type TermDifference,
} from "./SaleError.js"

/**
 * A backend's failures: what every platform error has.
 *
 * @since 0.2.0
 * @category models
 */
export interface BackendError {
  readonly _tag: string
  readonly message: string
}

/**
 * What every step needs: the platform, the journal, and how long a lease lasts unrenewed.
 *
 * @since 0.2.0
 * @category models
 */
export interface Engine<P, I, E extends BackendError> {
  readonly backend: SaleBackend<P, I, E>
  readonly journal: PaymentJournal.Service
  readonly lease: Duration.Duration
}

/**
 * How an entry is driven: by a flow, which waits for the customer (or the platform) as `wait`
 * says; or by recovery, which waits for nobody: what was not decided is cancelled. With
 * `createInFlight`, recovery looks for a lost create instead of resending it, where the
 * platform can (see `SaleBackend.createInFlight`), once the entry is that old.
 *
 * @since 0.2.0
 * @category models
 */
export type Mode =
  | { readonly _tag: "Flow"; readonly wait: Wait }
  | { readonly _tag: "Recover"; readonly createInFlight?: Duration.Duration | undefined }

/**
 * Where driving an entry ended.
 *
 * @since 0.2.0
 * @category models
 */
export type Driven<E> =
  /** The entry has its outcome. */
  | { readonly _tag: "Finished"; readonly entry: Entry }
  /** The platform refused the create call: the entry is finished as `NotCreated`. */
  | { readonly _tag: "Refused"; readonly entry: Entry; readonly error: E }
  /** Nothing can be done yet (recovery): e.g. a refund the platform has not reserved. */
  | { readonly _tag: "Pending"; readonly entry: Entry; readonly status: string }

/**
 * How driving an entry fails: it could not be finished now (recovery will), its outcome could
 * not be recorded (what happened to the money is in the error), or the journal failed.
 *
 * @since 0.2.0
 * @category models
 */
export type Failure = SaleUnresolved | SaleOutcomeUnrecorded | PaymentJournalError

/**
 * Where a sale stands, as the engine reaches each stage: `Created` (the platform's id is
 * recorded; `customerUrl` is what the customer must be shown, when the platform gave it),
 * `Reserved` (the customer approved: the money is reserved, nothing decided yet), `Decided`
 * (capture which amount, or cancel: recorded, about to be carried out), `Finished` (the outcome
 * is recorded).
 *
 * @since 0.2.0
 * @category models
 */
export type SaleState =
  | {
      readonly _tag: "Created"
      readonly entry: Entry
      readonly id: string
      readonly customerUrl?: string | undefined
    }
  | { readonly _tag: "Reserved"; readonly entry: Entry; readonly id: string; readonly view: View }
  | {
      readonly _tag: "Decided"
      readonly entry: Entry
      readonly id: string
      readonly decision: Decision
    }
  | { readonly _tag: "Finished"; readonly entry: Entry }

/**
 * Told each {@link SaleState} as the engine reaches it.
 *
 * @since 0.2.0
 * @category models
 */
export type Observer = (state: SaleState) => Effect.Effect<void>

const unobserved: Observer = () => Effect.void

// ---------------------------------------------------------------------------------------
// Plans and terms

/**
 * The plan of `entry`, decoded by its backend. A plan that does not decode is a journal that
 * was changed by hand or by another program: a journal failure, not a defect.
 *
 * @since 0.2.0
 * @category plans
 */
export const planOf = <P, I, E extends BackendError>(
  engine: Engine<P, I, E>,
  entry: Entry,
): Effect.Effect<P, PaymentJournalError> =>
  Effect.mapError(
    Schema.decodeUnknown(engine.backend.Plan)(entry.plan),
    (cause) => new PaymentJournalError({ operation: `read the plan of entry ${entry.key}`, cause }),
  )

/**
 * The terms in which `requested` differs from `recorded` (none: the same plan).
 *
 * @since 0.2.0
 * @category plans
 */
export const differences = <P, I, E extends BackendError>(
  backend: SaleBackend<P, I, E>,
  recorded: P,
  requested: P,
): Array<TermDifference> => {
  const before = backend.terms(recorded)
  const after = backend.terms(requested)
  return [...new Set([...before.keys(), ...after.keys()])]
    .filter((term) => before.get(term) !== after.get(term))
    .map((term) => ({ term, recorded: before.get(term), requested: after.get(term) }))
}

const unresolved = (entry: Entry, cause: unknown) =>
  new SaleUnresolved({
    backend: entry.backend,
    kind: entry.kind,
    orderId: entry.orderId,
    key: entry.key,
    resourceId: Option.getOrUndefined(entry.resourceId),
    decision: Option.getOrUndefined(entry.decision),
    cause: typeof cause === "string" ? new Error(cause) : cause,
  })

const now = Clock.currentTimeMillis

/**
 * Whether a finished entry ended with money moved: a captured payment, a refund paid out.
 *
 * @since 0.2.0
 * @category outcomes
 */
export const holdsMoney = <P, I, E extends BackendError>(
  backend: SaleBackend<P, I, E>,
  entry: Entry,
): boolean => Option.exists(entry.outcome, (outcome) => backend.movedMoney(entry.kind, outcome))

// ---------------------------------------------------------------------------------------
// Opening and leases

/**
 * An entry to work on (its lease taken), or the finished entry that already holds the money.
 *
 * @since 0.2.0
 * @category opening
 */
export type Opened =
  | { readonly _tag: "Working"; readonly entry: Entry }
  | { readonly _tag: "Finished"; readonly entry: Entry }

/**
 * Opens the journal entry for an order, or resumes the one that is there: an unfinished entry
 * with the same plan is resumed (its lease taken), a finished one that holds money is returned
 * as it is, and after one that ended without money (cancelled, refused) a new attempt is
 * opened with a new idempotency key. Written before any request is sent.
 *
 * @since 0.2.0
 * @category opening
 */
export const open = <P, I, E extends BackendError>(
  engine: Engine<P, I, E>,
  owner: string,
  merchant: string,
  orderId: string,
  plan: P,
): Effect.Effect<Opened, OrderIdReused | SaleInProgress | PaymentJournalError> =>
  Effect.gen(function* () {
    const { backend, journal } = engine
    const kind = backend.kindOf(plan)
    const encoded = yield* Effect.mapError(
      Schema.encode(backend.Plan)(plan),
      (cause) => new PaymentJournalError({ operation: "write the plan", cause }),
    )
    for (;;) {
      const attempts = yield* journal.attempts(backend.name, kind, merchant, orderId)
      const last = attempts.at(-1)
      const at = yield* now
      const until = at + Duration.toMillis(engine.lease)
      if (last !== undefined && (!last.isFinished || holdsMoney(backend, last))) {
        const differing = differences(backend, yield* planOf(engine, last), plan)
        if (differing.length > 0) {
          return yield* new OrderIdReused({
            kind,
            orderId,
            key: last.key,
            resourceId: Option.getOrUndefined(last.resourceId),
            differences: differing,
          })
        }
        if (last.isFinished) return { _tag: "Finished", entry: last } as const
        const claimed = yield* journal.claim(last.key, owner, {
          duration: engine.lease,
          takeOverOwn: hasEnded,
        })
        if (Option.isNone(claimed)) {
          return yield* new SaleInProgress({
            kind,
            orderId,
            key: last.key,
            leaseUntil: Option.getOrUndefined(last.leaseUntil),
          })
        }
        return { _tag: "Working", entry: claimed.value } as const
      }
      const entry = new Entry({
        key: crypto.randomUUID(),
        backend: backend.name,
        kind,
        merchant,
        orderId,
        attempt: (last?.attempt ?? 0) + 1,
        plan: encoded,
        resourceId: Option.none(),
        // A refund is opened to be paid out: that is decided before it is created.
        decision:
          kind === "Refund"
            ? Option.some({ _tag: "Capture", amount: backend.captureAmount(plan) } as const)
            : Option.none(),
        outcome: Option.none(),
        leaseOwner: Option.some(owner),
        leaseUntil: Option.some(until),
        createdAt: at,
        updatedAt: at,
      })
      if (yield* journal.open(entry)) return { _tag: "Working", entry } as const
      // Another flow opened this attempt between our read and our write: look again.
    }
  })

// A lease that is not given up blocks the order (a re-ring fails SaleInProgress) until it runs
// out, and then recovery may cancel a reservation the customer approved: a failed release is
// tried again a few times, and each failure logged.
const releaseRetries = Schedule.exponential(Duration.millis(50)).pipe(
  Schedule.intersect(Schedule.recurs(4)),
)

const release = (
  journal: PaymentJournal.Service,
  key: string,
  owner: string,
): Effect.Effect<void> =>
  journal.release(key, owner).pipe(
    Effect.tapError((error) =>
      Effect.logWarning(`could not give up the journal lease on ${key}: ${error.message}`, error),
    ),
    Effect.retry(releaseRetries),
    Effect.catchAll((error) =>
      Effect.logError(
        `gave up giving up the journal lease on ${key}: the order is blocked until the lease runs out`,
        error,
      ),
    ),
  )

/**
 * A flow (or recovery) stopped working on an entry because its lease is no longer sure to be
 * its own: the journal said another holder has it (`TakenOver`), or no renewal succeeded for
 * so long that the lease may have run out before the next one (`Unrenewed`: e.g. the journal
 * unreachable). Nothing was sent after; whoever holds the entry now finishes it.
 *
 * @since 0.2.0
 * @category errors
 */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", {
  /** The journal entry (its idempotency key). */
  key: Schema.String,
  reason: Schema.Literal("TakenOver", "Unrenewed"),
  /** Epoch milliseconds of the last renewal known to have held (or of the claim). */
  heldAt: Schema.Number,
}) {
  override get message(): string {
    return this.reason === "TakenOver"
      ? `The journal lease on ${this.key} was taken by another holder: stopped before acting again`
      : `The journal lease on ${this.key} could not be renewed since ${iso(this.heldAt)} and may have run out: stopped before acting again`
  }
}

const iso = (millis: number): string => {
  const date = new Date(millis)
  return Number.isNaN(date.getTime()) ? String(millis) : date.toISOString()
}

/**
 * Keeps `owner`'s lease on `key` alive while the scope is open (renewed at a third of its
 * length), and gives it up when the scope closes (retried, and logged, when that fails).
 * Answers an effect that fails with {@link LeaseLost} once the lease is no longer sure to be
 * `owner`'s: a renewal says it is not (`false`), or renewals failed until the lease would run
 * out before the next one (counted in renewals, not timed; a renewal that hangs is judged when it
 * answers, so the journal's client should time out). Race the work done under the lease against it, so that
 * nothing is done after (see {@link driveHeld}).
 *
 * @since 0.2.0
 * @category leases
 */
export const holdLease = (
  journal: PaymentJournal.Service,
  lease: Duration.Duration,
  key: string,
  owner: string,
): Effect.Effect<Effect.Effect<never, LeaseLost>, never, Scope.Scope> =>
  Effect.gen(function* () {
    // Whoever holds a lease runs (for a re-ring in this process: not to be taken over).
    yield* markRunning(owner)
    yield* Effect.addFinalizer(() => release(journal, key, owner))
    const millis = Duration.toMillis(lease)
    const every = Math.max(1, Math.floor(millis / 3))
    const lost = yield* Deferred.make<never, LeaseLost>()
    // Renewals come every `every`: after `failed` in a row, the last that held is at least
    // (failed + 1) * every ago by the next one. Counted, not timed: no clock's step or jump
    // looks like a lease running out.
    let failed = 0
    let heldAt = yield* now
    const renew = Effect.gen(function* () {
      const at = yield* now
      const answer = yield* Effect.either(journal.renew(key, owner, lease))
      if (answer._tag === "Right" && answer.right) {
        failed = 0
        heldAt = at
        return true
      }
      if (answer._tag === "Right") {
        yield* Effect.logWarning(`lost the journal lease on ${key}: another holder has it`)
        yield* Deferred.fail(lost, new LeaseLost({ key, reason: "TakenOver", heldAt }))
        return false
      }
      failed += 1
      const cause = answer.left
      // The next renewal would come too late: the lease may have run out by then.
      if ((failed + 1) * every >= millis) {
        yield* Effect.logWarning(
          `could not renew the journal lease on ${key} in time: stopped working on it`,
          cause,
        )
        yield* Deferred.fail(lost, new LeaseLost({ key, reason: "Unrenewed", heldAt }))
        return false
      }
      yield* Effect.logWarning(`could not renew the journal lease on ${key}`, cause)
      return true
    })
    yield* Effect.forkScoped(
      Effect.repeat(renew, {
        schedule: Schedule.spaced(Duration.millis(every)),
        while: (held) => held,
      }).pipe(Effect.delay(Duration.millis(every))),
    )
    return Deferred.await(lost)
  })

// ---------------------------------------------------------------------------------------
// Outcomes

// Records how the entry ended. By now the platform has done what it did: a journal that fails
// here must not hide it, so the failure says where the money went (the entry stays unfinished
// with its decision, and recovery records the same outcome later).
const complete = <P, I, E extends BackendError>(
  engine: Engine<P, I, E>,
  entry: Entry,
  outcome: Outcome,
): Effect.Effect<Entry, SaleOutcomeUnrecorded> =>
  Effect.mapError(engine.journal.complete(entry.key, outcome), (cause) => {
    const moneyMoved = engine.backend.movedMoney(entry.kind, outcome)
    return new SaleOutcomeUnrecorded({
      backend: entry.backend,
      kind: entry.kind,
      orderId: entry.orderId,
      key: entry.key,
      resourceId: Option.getOrUndefined(entry.resourceId),
      decision: Option.getOrUndefined(entry.decision),
      outcome,
      moneyMoved,
      ...(moneyMoved && outcome._tag === "Final" && outcome.amount !== undefined
        ? { amount: outcome.amount }
        : {}),
      cause,
    })
  })

// An ended payment's (refund's) outcome: the amount that moved is the decided one (a V10
// payment's answer shows the reserved one), else as the platform reports it.
const finish = <P, I, E extends BackendError>(
  engine: Engine<P, I, E>,
  entry: Entry,
  view: View,
): Effect.Effect<Driven<E>, SaleOutcomeUnrecorded> => {
  const decided = Option.flatMap(entry.decision, (decision) =>
    decision._tag === "Capture" ? Option.some(decision.amount) : Option.none(),
  )
  const amount = view.moneyMoved === true ? Option.getOrElse(decided, () => view.amount) : undefined
  const outcome: Outcome =
    amount === undefined
      ? { _tag: "Final", status: view.status }
      : { _tag: "Final", status: view.status, amount }
  return Effect.map(complete(engine, entry, outcome), (stored) => ({
    _tag: "Finished",
    entry: stored,
  }))
}

// ---------------------------------------------------------------------------------------
// Stage 1, planned → created: the platform's id

type Step<E> =
  | {
      readonly _tag: "Next"
      readonly entry: Entry
      readonly id: string
      readonly customerUrl?: string | undefined
    }
  | { readonly _tag: "Done"; readonly driven: Driven<E> }

const next = <E>(entry: Entry, id: string, customerUrl?: string): Step<E> => ({
  _tag: "Next",
  entry,
  id,
  customerUrl,
})
const done = <E>(driven: Driven<E>): Step<E> => ({ _tag: "Done", driven })

// The id of the payment (refund) of `entry`, recorded; or where the entry ended when there is
// none: the platform refused the create, or has no trace of it past its idempotency window
// (or, for recovery on a platform where a create is found by looking, once no create call of
// it can still be in flight).
const created = <P, I, E extends BackendError>(
  engine: Engine<P, I, E>,
  mode: Mode,
  entry: Entry,
  plan: P,
): Effect.Effect<Step<E>, Failure> =>
  Effect.gen(function* () {
    if (Option.isSome(entry.resourceId)) return next<E>(entry, entry.resourceId.value)
    const { backend, journal } = engine
    const age = (yield* now) - entry.createdAt
    const withinWindow = age < Duration.toMillis(backend.idempotencyWindow)
    // Recovery does not resend a payment's create where it can look: a till that gave up on
    // its sale must not have its customer asked to approve it. The platform publishes no bound on how
    // late a create call can arrive, so the backend's own bound is waited out first.
    // A refund asks nobody: recovery sends it as decided.
    const inFlight =
      mode._tag === "Recover" && entry.kind === "Payment" && backend.createInFlight !== undefined
        ? mode.createInFlight
        : undefined
    const looks = inFlight !== undefined
    if (inFlight !== undefined && age < Duration.toMillis(inFlight)) {
      return done<E>({
        _tag: "Pending",
        entry,
        status: "no id yet: its create call may still be in flight",
      })
    }
    const resends = withinWindow && !looks
    const known = resends
      ? new Set<string>()
      : new Set(
          (yield* journal.attempts(
            entry.backend,
            entry.kind,
            entry.merchant,
            entry.orderId,
          )).flatMap((attempt) => Option.toArray(attempt.resourceId)),
        )
    const found: Effect.Effect<Option.Option<Created>, E> = resends
      ? Effect.map(backend.create(entry, plan), Option.some)
      : Effect.map(
          backend.find(entry, plan, known),
          Option.map((id) => ({ id })),
        )
    const result = yield* Effect.either(found)
    if (result._tag === "Left") {
      const refusal = result.left
      if (!backend.isRefusal(refusal)) return yield* Effect.fail(unresolved(entry, refusal))
      const stored = yield* complete(engine, entry, {
        _tag: "NotCreated",
        reason: `the platform refused it: ${refusal.message}`,
      })
      return done<E>({ _tag: "Refused", entry: stored, error: refusal })
    }
    if (Option.isNone(result.right)) {
      const stored = yield* complete(engine, entry, {
        _tag: "NotCreated",
        reason: withinWindow
          ? "the platform has none of it, after any create call of it would have arrived; not resent"
          : "past the idempotency window, the platform has no such payment or refund open",
      })
      return done<E>({ _tag: "Finished", entry: stored })
    }
    const { id, customerUrl } = result.right.value
    const stored = yield* journal.recordResource(entry.key, id)
    yield* Effect.logDebug(backend.describe(stored, plan, id))
    return next<E>(stored, id, customerUrl)
  })

// ---------------------------------------------------------------------------------------
// Stage 2, created → decided

const decide = (journal: PaymentJournal.Service, entry: Entry, decision: Decision) =>
  Effect.tap(journal.decide(entry.key, decision), (stored) =>
    Effect.logDebug(
      `${entry.kind.toLowerCase()} ${Option.getOrElse(stored.resourceId, () => entry.key)}: decided ${Option.match(
        stored.decision,
        {
          onNone: () => "nothing",
          onSome: (d) => (d._tag === "Capture" ? `capture ${d.amount}` : "cancel"),
        },
      )}`,
    ),
  )

const read = <P, I, E extends BackendError>(
  engine: Engine<P, I, E>,
  entry: Entry,
  plan: P,
  id: string,
) => Effect.mapError(engine.backend.read(entry, plan, id), (error) => unresolved(entry, error))

// Finds out what is to become of a payment that has no decision yet: waits for the customer
// (a flow) or, when nobody waits any more (recovery), cancels. A refund is decided when it is
// opened; one without a decision (never written so) is cancelled.
const decided = <P, I, E extends BackendError>(
  engine: Engine<P, I, E>,
  mode: Mode,
  entry: Entry,
  plan: P,
  id: string,
  observe: Observer,
): Effect.Effect<Step<E>, Failure | PartialCaptureUnavailable> =>
  Effect.gen(function* () {
    if (Option.isSome(entry.decision)) return next<E>(entry, id)
    const { backend, journal } = engine
    const recorded = (decision: Decision) =>
      Effect.tap(decide(journal, entry, decision), (stored) =>
        Option.match(stored.decision, {
          onNone: () => Effect.void,
          onSome: (decision) => observe({ _tag: "Decided", entry: stored, id, decision }),
        }),
      )
    const cancel = Effect.map(recorded({ _tag: "Cancel" }), (stored) => next<E>(stored, id))
    if (mode._tag === "Recover" || entry.kind === "Refund") {
      const view = yield* read(engine, entry, plan, id)
      if (view.stage === "Ended") return done(yield* finish(engine, entry, view))
      return yield* cancel
    }
    const reached = yield* Effect.mapError(backend.await(entry, plan, id, mode.wait), (error) =>
      unresolved(entry, error),
    )
    if (Option.isNone(reached)) return yield* cancel
    const view = reached.value
    if (view.stage === "Ended") return done(yield* finish(engine, entry, view))
    if (view.stage === "Open") return yield* cancel
    yield* observe({ _tag: "Reserved", entry, id, view })
    // Less than reserved can only be captured where the platform allows it; otherwise nothing
    // is captured and the reservation released, so no money is held.
    const captureAmount = backend.captureAmount(plan)
    const reserved = view.amount ?? captureAmount
    if (captureAmount < reserved && view.partialCapturePossible !== true) {
      const cancelling = yield* recorded({ _tag: "Cancel" })
      const cancelled = yield* carriedOut(engine, mode, cancelling, plan, id)
      if (cancelled._tag !== "Finished") return done(cancelled)
      return yield* new PartialCaptureUnavailable({
        backend: entry.backend,
        orderId: entry.orderId,
        paymentId: id,
        reserved,
        captureAmount,
      })
    }
    return next<E>(yield* recorded({ _tag: "Capture", amount: captureAmount }), id)
  })

// ---------------------------------------------------------------------------------------
// Stage 3, decided → finished

// Carries out the recorded decision, then records where the payment (refund) ended.
const carriedOut = <P, I, E extends BackendError>(
  engine: Engine<P, I, E>,
  mode: Mode,
  entry: Entry,
  plan: P,
  id: string,
): Effect.Effect<Driven<E>, Failure> =>
  Effect.gen(function* () {
    const { backend } = engine
    const decision = Option.getOrElse(entry.decision, (): Decision => ({ _tag: "Cancel" }))
    // A flow that is to capture waits until the payment (a refund) is reserved; recovery and a
    // cancel look once.
    const looked =
      mode._tag === "Flow" && decision._tag === "Capture"
        ? // What is decided is carried out: the till giving up no longer stops it.
          yield* Effect.mapError(
            backend.await(entry, plan, id, { ...mode.wait, interrupted: Effect.never }),
            (error) => unresolved(entry, error),
          )
        : Option.some(yield* read(engine, entry, plan, id))
    if (Option.isNone(looked)) {
      return yield* Effect.fail(
        unresolved(entry, `the ${entry.kind.toLowerCase()} is not reserved`),
      )
    }
    const view = looked.value
    if (view.stage === "Ended") return yield* finish(engine, entry, view)
    if (view.stage === "Open" && decision._tag === "Capture") {
      // A refund the platform has not reserved yet (a payment is decided only once reserved).
      if (mode._tag === "Recover") return { _tag: "Pending", entry, status: view.status } as const
      return yield* Effect.fail(
        unresolved(entry, `the ${entry.kind.toLowerCase()} is still ${view.status}`),
      )
    }
    const action =
      decision._tag === "Capture"
        ? backend.capture(entry, plan, id, decision.amount)
        : backend.cancel(entry, plan, id)
    const result = yield* Effect.either(action)
    // The answer was lost or refused: where the payment stands tells what happened.
    const after = result._tag === "Right" ? result.right : yield* read(engine, entry, plan, id)
    if (after.stage === "Ended") return yield* finish(engine, entry, after)
    return yield* Effect.fail(
      unresolved(
        entry,
        result._tag === "Left"
          ? result.left
          : `the ${entry.kind.toLowerCase()} is still ${after.status} after it was ${
              decision._tag === "Capture" ? "captured" : "cancelled"
            }`,
      ),
    )
  })

/**
 * Drives an entry from wherever it stands to its outcome (or as far as it can go now).
 *
 * @since 0.2.0
 * @category driving
 */
export const drive = <P, I, E extends BackendError>(
  engine: Engine<P, I, E>,
  mode: Mode,
  start: Entry,
  observe: Observer = unobserved,
): Effect.Effect<Driven<E>, Failure | PartialCaptureUnavailable> =>
  Effect.gen(function* () {
    const plan = yield* planOf(engine, start)
    const creating = yield* created(engine, mode, start, plan)
    if (creating._tag === "Done") return creating.driven
    const { entry, id, customerUrl } = creating
    yield* observe({ _tag: "Created", entry, id, customerUrl })
    const deciding = yield* decided(engine, mode, entry, plan, id, observe)
    if (deciding._tag === "Done") return deciding.driven
    return yield* carriedOut(engine, mode, deciding.entry, plan, deciding.id)
  }).pipe(
    Effect.tap((driven) =>
      driven._tag === "Finished" ? observe({ _tag: "Finished", entry: driven.entry }) : Effect.void,
    ),
  )

/**
 * Drives an entry under `owner`'s lease, held (and renewed) while driving. When the lease is
 * lost ({@link LeaseLost}), the drive is interrupted wherever it is and fails `SaleUnresolved`
 * with the `LeaseLost` as its cause: whoever holds the entry now finishes it.
 *
 * @since 0.2.0
 * @category driving
 */
export const driveHeld = <P, I, E extends BackendError>(
  engine: Engine<P, I, E>,
  mode: Mode,
  owner: string,
  entry: Entry,
  observe: Observer = unobserved,
): Effect.Effect<Driven<E>, Failure | PartialCaptureUnavailable> =>
  asRunning(
    owner,
    Effect.scoped(
      Effect.gen(function* () {
        const lost = yield* holdLease(engine.journal, engine.lease, entry.key, owner)
        let latest = entry
        const observed: Observer = (state) =>
          Effect.zipRight(
            Effect.sync(() => {
              latest = state.entry
            }),
            observe(state),
          )
        // Lost, the lease stops the drive wherever it is: nothing is sent after.
        return yield* Effect.raceFirst(
          drive(engine, mode, entry, observed),
          Effect.catchTag(lost, "LeaseLost", (error) => Effect.fail(unresolved(latest, error))),
        )
      }),
    ),
  )

// ---------------------------------------------------------------------------------------
// Flows

/**
 * A flow's engine, mode, merchant and lease owner.
 *
 * @since 0.2.0
 * @category flows
 */
export interface Session<P, I, E extends BackendError> {
  readonly engine: Engine<P, I, E>
  readonly mode: Mode
  readonly merchant: string
  readonly owner: string
}

/**
 * A lease owner of `journal`: its instance, then a name of its own.
 *
 * @since 0.2.0
 * @category leases
 */
export const owner = (journal: PaymentJournal.Service): string =>
  `${journal.instanceId}/${crypto.randomUUID()}`

// The lease owners whose flows (or recovery runs) are running in this process. An owner of
// this process's journal instance that is not here has ended: a lease it still holds (its
// release failed) is taken over at once by a re-ring, not watched for a whole lease.
const runningOwners = new Map<string, number>()

const enter = (owner: string) =>
  Effect.sync(() => {
    runningOwners.set(owner, (runningOwners.get(owner) ?? 0) + 1)
  })

const leave = (owner: string) =>
  Effect.sync(() => {
    const left = (runningOwners.get(owner) ?? 1) - 1
    if (left > 0) runningOwners.set(owner, left)
    else runningOwners.delete(owner)
  })

/**
 * Runs `effect` with `owner` marked as running in this process (see {@link hasEnded}).
 *
 * @since 0.2.0
 * @category leases
 */
export const asRunning = <A, E, R>(
  owner: string,
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(
    enter(owner),
    () => effect,
    () => leave(owner),
  )

/**
 * Marks `owner` running in this process until the scope closes (see {@link asRunning}).
 *
 * @since 0.2.0
 * @category leases
 */
export const markRunning = (owner: string): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(enter(owner), () => leave(owner))

/**
 * Whether a lease owner of this process's journal instance has ended: no flow or recovery run
 * of it is running here. What a claim's `takeOverOwn` asks (the journal only asks it of its own
 * instance's owners).
 *
 * @since 0.2.0
 * @category leases
 */
export const hasEnded = (holder: string): boolean => !runningOwners.has(holder)

/**
 * How running (or holding) a sale fails: `E2` from `onRefused`, or the engine's failures.
 *
 * @since 0.2.0
 * @category flows
 */
export type RunError<E2> =
  | E2
  | OrderIdReused
  | SaleInProgress
  | PartialCaptureUnavailable
  | SaleUnresolved
  | SaleOutcomeUnrecorded
  | PaymentJournalError

// Opens or resumes the order, drives it, and after an entry that was never created (past the
// idempotency window) or refused (when `onRefused` allows it) opens the next attempt.
const driveOrder = <P, I, E extends BackendError, E2, R>(
  session: Session<P, I, E>,
  orderId: string,
  plan: P,
  onRefused: (error: E) => Effect.Effect<void, E2, R>,
  observe: Observer,
): Effect.Effect<Entry, RunError<E2>, R> =>
  asRunning(
    session.owner,
    Effect.gen(function* () {
      const { engine, mode, owner } = session
      const kind: EntryKind = engine.backend.kindOf(plan)
      for (;;) {
        const opened = yield* open(engine, owner, session.merchant, orderId, plan)
        if (opened._tag === "Finished") {
          yield* observe({ _tag: "Finished", entry: opened.entry })
          return opened.entry
        }
        yield* Effect.logDebug(
          `${kind.toLowerCase()} for order ${orderId}: journal entry ${opened.entry.key} (attempt ${opened.entry.attempt})`,
        )
        const driven = yield* driveHeld(engine, mode, owner, opened.entry, observe)
        switch (driven._tag) {
          case "Finished":
            if (Option.exists(driven.entry.outcome, (o) => o._tag === "NotCreated")) continue
            return driven.entry
          case "Refused":
            yield* onRefused(driven.error)
            continue
          case "Pending":
            return yield* Effect.fail(
              unresolved(driven.entry, `the ${kind.toLowerCase()} is ${driven.status}`),
            )
        }
      }
    }),
  )

/**
 * A sale the till holds while the customer decides: its ids and what the customer must see,
 * as soon as the payment exists and is journalled; its states as they come; its outcome.
 *
 * @since 0.2.0
 * @category flows
 */
export interface HeldSale<E2> {
  readonly orderId: string
  /** The journal entry (the create call's idempotency key). */
  readonly key: string
  /** The platform's id: V10's payment id, ePayment's `reference`. */
  readonly id: string
  /** What the customer must be shown, when the platform gave it (ePayment's dynamic QR). */
  readonly customerUrl: string | undefined
  /** The sale's states from now on, ending with `Finished`. */
  readonly states: Stream.Stream<SaleState>
  /** The finished entry: waits for the customer and for what was decided to be carried out. */
  readonly await: Effect.Effect<Entry, RunError<E2>>
  /**
   * The till gives up: a sale not yet decided is cancelled (and its customer's approval, if
   * it comes now, released); one already decided is carried out as decided. Answers the
   * finished entry either way: its outcome says what happened to the money.
   */
  readonly cancel: Effect.Effect<Entry, RunError<E2>>
}

// The one line a sale leaves when its scope closes (the program shutting down) before it is
// finished: by then its lease is given up, and recovery finishes it as the journal says.
const leftToRecovery = (orderId: string, state: Option.Option<SaleState>): string => {
  const prefix = `order ${orderId}: interrupted`
  if (Option.isNone(state)) return `${prefix} before its payment was created: left to recovery`
  const { entry } = state.value
  const what = `${entry.kind.toLowerCase()} ${Option.getOrElse(entry.resourceId, () => entry.key)}`
  switch (state.value._tag) {
    case "Created":
      return `${prefix} while the customer was deciding: ${what} left to recovery (lease given up), which cancels it unless the order is rung up again first`
    case "Reserved":
      return `${prefix} once the customer approved: ${what} left to recovery (lease given up), which cancels it unless the order is rung up again first`
    case "Decided":
      return `${prefix}: ${what} left to recovery (lease given up), which ${
        state.value.decision._tag === "Capture"
          ? `captures ${state.value.decision.amount}`
          : "cancels it"
      }`
    case "Finished":
      return `${prefix} after it finished`
  }
}

/**
 * Starts a sale and answers once the payment (refund) exists and is journalled (or at once,
 * with a finished entry, when the order was already paid): the sale goes on in the background,
 * in the caller's scope, which it needs open until it is finished (closing it interrupts the
 * sale: its lease is given up and one line logged at Info saying what recovery will do with it;
 * recovery finishes it as recorded). A refused create goes to `onRefused`, which fails,
 * or succeeds to try once more as a new attempt.
 *
 * @since 0.2.0
 * @category flows
 */
export const start = <P, I, E extends BackendError, E2, R>(
  session: Session<P, I, E>,
  orderId: string,
  plan: P,
  onRefused: (error: E) => Effect.Effect<void, E2, R>,
): Effect.Effect<HeldSale<E2>, RunError<E2>, R | Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const givenUp = yield* Deferred.make<void>()
    const first = yield* Deferred.make<SaleState, RunError<E2>>()
    const latest = yield* SubscriptionRef.make(Option.none<SaleState>())
    const observe: Observer = (state) =>
      Effect.zipRight(
        SubscriptionRef.set(latest, Option.some(state)),
        state._tag === "Created" || state._tag === "Finished"
          ? Deferred.succeed(first, state)
          : Effect.void,
      )
    const mode: Mode =
      session.mode._tag === "Flow"
        ? {
            _tag: "Flow",
            wait: {
              ...session.mode.wait,
              // The session's own signal to give up (if any), or the held sale's cancel.
              interrupted: Effect.raceFirst(session.mode.wait.interrupted, Deferred.await(givenUp)),
            },
          }
        : session.mode
    const fiber = yield* driveOrder({ ...session, mode }, orderId, plan, onRefused, observe).pipe(
      Effect.onInterrupt(() =>
        Effect.flatMap(SubscriptionRef.get(latest), (state) =>
          Effect.logInfo(leftToRecovery(orderId, state)),
        ),
      ),
      Effect.onExit((exit) =>
        exit._tag === "Failure" ? Deferred.failCause(first, exit.cause) : Effect.void,
      ),
      Effect.forkIn(scope),
    )
    const reached = yield* Deferred.await(first)
    return {
      orderId,
      key: reached.entry.key,
      id:
        reached._tag === "Created" || reached._tag === "Reserved" || reached._tag === "Decided"
          ? reached.id
          : Option.getOrElse(reached.entry.resourceId, () => ""),
      customerUrl: reached._tag === "Created" ? reached.customerUrl : undefined,
      states: latest.changes.pipe(
        Stream.filterMap((state) => state),
        Stream.takeUntil((state) => state._tag === "Finished"),
      ),
      await: Fiber.join(fiber),
      cancel: Effect.zipRight(Deferred.succeed(givenUp, undefined), Fiber.join(fiber)),
    }
  })

/**
 * Runs an order to its finished entry: {@link start}, then its `await`.
 *
 * @since 0.2.0
 * @category flows
 */
export const run = <P, I, E extends BackendError, E2, R>(
  session: Session<P, I, E>,
  orderId: string,
  plan: P,
  onRefused: (error: E) => Effect.Effect<void, E2, R>,
): Effect.Effect<Entry, RunError<E2>, R> =>
  Effect.scoped(Effect.flatMap(start(session, orderId, plan, onRefused), (sale) => sale.await))

/**
 * What the journal and the platform say of an order now: its latest entry, and (when the
 * platform's id is known and the entry is unfinished) one read of where it stands.
 *
 * @since 0.2.0
 * @category flows
 */
export interface Looked {
  readonly entry: Entry
  readonly view: Option.Option<View>
}

/**
 * Looks an order up: the latest journal entry of its payment (or refund), and one read of the
 * platform while the entry is unfinished. `None`: the journal has no such order.
 *
 * @since 0.2.0
 * @category flows
 */
export const lookup = <P, I, E extends BackendError>(
  engine: Engine<P, I, E>,
  merchant: string,
  kind: EntryKind,
  orderId: string,
): Effect.Effect<Option.Option<Looked>, E | PaymentJournalError> =>
  Effect.gen(function* () {
    const attempts = yield* engine.journal.attempts(engine.backend.name, kind, merchant, orderId)
    const entry = attempts.at(-1)
    if (entry === undefined) return Option.none()
    if (entry.isFinished || Option.isNone(entry.resourceId)) {
      return Option.some({ entry, view: Option.none() })
    }
    const plan = yield* planOf(engine, entry)
    const view = yield* engine.backend.read(entry, plan, entry.resourceId.value)
    return Option.some({ entry, view: Option.some(view) })
  })
