// The engine the journaled flows and recovery share: open (or resume) a journal entry, hold its
// lease while working on it, and drive it from wherever it stands to its outcome. Every step
// reads where MobilePay stands before acting, records a decision before carrying it out, and
// carries out only the recorded decision.
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { Domain as CoreDomain, type InvalidInput } from "@effect-mobilepay/core"
import { decodeRequest } from "../Domain.js"
import {
  type Decision,
  Entry,
  type EntryKind,
  type Outcome,
  PaymentJournal,
  type PaymentJournalError,
  Plan,
} from "../PaymentJournal.js"
import { type AwaitTimeout, awaitPayment, awaitRefund, type PollOptions } from "../Polling.js"
import { type CallOptions, PosClient, type PosClientError } from "../PosClient.js"
import {
  OrderIdReused,
  PartialCaptureUnavailable,
  SaleInProgress,
  SaleOutcomeUnrecorded,
  SaleUnresolved,
  type TermDifference,
} from "../SaleError.js"
import { optionalPositiveDuration, positiveDuration } from "./duration.js"

/** What every step needs. */
export interface Engine {
  readonly client: PosClient.Service
  readonly journal: PaymentJournal.Service
  /** The timeout of each call (the client's defaults when absent). */
  readonly timeout: Duration.Duration | undefined
  readonly lease: Duration.Duration
}

/**
 * How an entry is driven: by a flow, which waits for the customer (or MobilePay) up to its
 * timeout; or by recovery, which waits for nobody: what was not decided is cancelled.
 */
export type Mode =
  | {
      readonly _tag: "Flow"
      readonly wait: Duration.Duration
      readonly poll: PollOptions
    }
  | { readonly _tag: "Recover" }

/** Where driving an entry ended. */
export type Driven =
  /** The entry has its outcome. */
  | { readonly _tag: "Finished"; readonly entry: Entry }
  /** MobilePay refused the create call: the entry is finished as `NotCreated`. */
  | { readonly _tag: "Refused"; readonly entry: Entry; readonly error: PosClientError }
  /** Nothing can be done yet (recovery): e.g. a refund MobilePay has not reserved. */
  | { readonly _tag: "Pending"; readonly entry: Entry; readonly status: string }

export type Failure = SaleUnresolved | SaleOutcomeUnrecorded | PaymentJournalError

/**
 * How long MobilePay's idempotency keys are trusted: it keeps them at least 24 hours; past 23,
 * a lost id is searched for instead of resending the create (which could make a second one).
 */
export const idempotencyWindowMillis = 23 * 60 * 60 * 1000

const finalPaymentStatuses: ReadonlySet<string> = new Set([
  "Captured",
  "CancelledByUser",
  "CancelledByClient",
  "CancelledByMobilePay",
  "ExpiredAndCancelled",
])

const finalRefundStatuses: ReadonlySet<string> = new Set([
  "Captured",
  "CancelledByClient",
  "CancelledByMobilePay",
  "ExpiredAndCaptured",
])

// Whether an outcome of an entry of `kind` moved money: a captured payment, a refund paid out.
const movesMoney = (kind: EntryKind, outcome: Outcome): boolean =>
  outcome._tag === "Final" &&
  (outcome.status === "Captured" || (kind === "Refund" && outcome.status === "ExpiredAndCaptured"))

/** Whether a finished entry ended with money moved: a captured payment, a refund paid out. */
export const holdsMoney = (entry: Entry): boolean =>
  Option.exists(entry.outcome, (outcome) => movesMoney(entry.kind, outcome))

/**
 * Whether MobilePay answered and refused the request: it was not carried out, and a resend
 * would be refused again. Anything else (the network, a 5xx, a lost answer, the token) leaves
 * open whether it was.
 */
export const isRefusal = (error: PosClientError): boolean => {
  switch (error._tag) {
    case "PosBadRequest":
    case "PosForbidden":
    case "PosNotFound":
    case "PosConflict":
    case "MerchantPosIdTaken":
    case "BeaconIdTaken":
    case "StoreNotActivated":
    case "PaymentCannotBeCancelled":
    case "PaymentAlreadyActive":
    case "PaymentNotReserved":
    case "CaptureAmountTooHigh":
    case "IdempotencyKeyReused":
    case "PaymentCapturedWithAnotherAmount":
    case "PartialCaptureNotPossible":
    case "PaymentNotCaptured":
    case "RefundCurrencyMismatch":
    case "RefundPeriodExpired":
    case "RefundExceedsCapturedAmount":
    case "InsufficientStoreBalance":
      return true
    case "PosUnauthorized":
    case "PosServerError":
    case "PosUnexpectedStatus":
    case "PosTransportError":
    case "PosDecodeError":
    case "PosResponseTooLarge":
    case "InvalidClientCredentials":
    case "TokenRequestRejected":
    case "TokenEndpointError":
    case "TokenEndpointUnreachable":
    case "MalformedTokenResponse":
    case "InvalidInput":
      return false
    default:
      return error satisfies never
  }
}

// A plan's terms by name, as JSON: the create call's fields, which flow, and what to capture.
const termsOf = (plan: Plan): ReadonlyMap<string, string> => {
  const encoded = Schema.encodeSync(Plan)(plan)
  const terms = new Map<string, string>([["flow", JSON.stringify(encoded._tag)]])
  for (const [term, value] of Object.entries(encoded.request)) {
    if (value !== undefined) terms.set(term, JSON.stringify(value))
  }
  if ("captureAmount" in encoded) terms.set("captureAmount", JSON.stringify(encoded.captureAmount))
  return terms
}

/** The terms in which `requested` differs from `recorded` (none: the same plan). */
export const differences = (recorded: Plan, requested: Plan): Array<TermDifference> => {
  const before = termsOf(recorded)
  const after = termsOf(requested)
  return [...new Set([...before.keys(), ...after.keys()])]
    .filter((term) => before.get(term) !== after.get(term))
    .map((term) => ({ term, recorded: before.get(term), requested: after.get(term) }))
}

const callOptions = (engine: Engine, entry: Entry): CallOptions => ({
  merchantVat: entry.merchantVat === "" ? undefined : entry.merchantVat,
  timeout: engine.timeout,
})

const unresolved = (entry: Entry, cause: PosClientError | AwaitTimeout | string) =>
  new SaleUnresolved({
    kind: entry.kind,
    orderId: entry.orderId,
    key: entry.key,
    resourceId: Option.getOrUndefined(entry.resourceId),
    decision: Option.getOrUndefined(entry.decision),
    cause: typeof cause === "string" ? new Error(cause) : cause,
  })

const now = Clock.currentTimeMillis

// ---------------------------------------------------------------------------------------
// Opening and leases

/** An entry to work on (its lease taken), or the finished entry that already holds the money. */
export type Opened =
  | { readonly _tag: "Working"; readonly entry: Entry }
  | { readonly _tag: "Finished"; readonly entry: Entry }

/**
 * Opens the journal entry for an order, or resumes the one that is there: an unfinished entry
 * with the same plan is resumed (its lease taken), a finished one that holds money is returned
 * as it is, and after one that ended without money (cancelled, refused) a new attempt is
 * opened with a new idempotency key. Written before any request is sent.
 */
export const open = (
  engine: Engine,
  owner: string,
  kind: EntryKind,
  merchantVat: string,
  orderId: string,
  plan: Plan,
): Effect.Effect<Opened, OrderIdReused | SaleInProgress | PaymentJournalError> =>
  Effect.gen(function* () {
    for (;;) {
      const attempts = yield* engine.journal.attempts(kind, merchantVat, orderId)
      const last = attempts.at(-1)
      const at = yield* now
      const until = at + Duration.toMillis(engine.lease)
      if (last !== undefined && (!last.isFinished || holdsMoney(last))) {
        const differing = differences(last.plan, plan)
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
        const claimed = yield* engine.journal.claim(last.key, owner, { now: at, until })
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
        kind,
        merchantVat,
        orderId,
        attempt: (last?.attempt ?? 0) + 1,
        plan,
        resourceId: Option.none(),
        // A refund is opened to be paid out: that is decided before it is created.
        decision:
          plan._tag === "CreateRefund"
            ? Option.some({ _tag: "Capture", amount: plan.request.amount } as const)
            : Option.none(),
        outcome: Option.none(),
        leaseOwner: Option.some(owner),
        leaseUntil: Option.some(until),
        createdAt: at,
        updatedAt: at,
      })
      if (yield* engine.journal.open(entry)) return { _tag: "Working", entry } as const
      // Another flow opened this attempt between our read and our write: look again.
    }
  })

// A lease that is not given up blocks the order (a re-ring fails SaleInProgress) until it runs
// out, and then recovery may cancel a reservation the customer approved: a failed release is
// tried again a few times, and each failure logged.
const releaseRetries = Schedule.exponential(Duration.millis(50)).pipe(
  Schedule.intersect(Schedule.recurs(4)),
)

const release = (engine: Engine, key: string, owner: string): Effect.Effect<void> =>
  engine.journal.release(key, owner).pipe(
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
 * Keeps `owner`'s lease on `key` alive while the scope is open (renewed at a third of its
 * length), and gives it up when the scope closes (retried, and logged, when that fails).
 */
export const holdLease = (
  engine: Engine,
  key: string,
  owner: string,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    yield* Effect.addFinalizer(() => release(engine, key, owner))
    const every = Math.max(1, Math.floor(Duration.toMillis(engine.lease) / 3))
    const renew = Effect.gen(function* () {
      const until = (yield* now) + Duration.toMillis(engine.lease)
      const held = yield* Effect.orElseSucceed(engine.journal.renew(key, owner, until), () => true)
      if (!held) yield* Effect.logWarning(`lost the journal lease on ${key}`)
      return held
    })
    yield* Effect.forkScoped(
      Effect.repeat(renew, {
        schedule: Schedule.spaced(Duration.millis(every)),
        while: (held) => held,
      }).pipe(Effect.delay(Duration.millis(every))),
    )
  })

// ---------------------------------------------------------------------------------------
// MobilePay's id

// Records how the entry ended. By now MobilePay has done what it did: a journal that fails
// here must not hide it, so the failure says where the money went (the entry stays unfinished
// with its decision, and recovery records the same outcome later).
const complete = (
  engine: Engine,
  entry: Entry,
  outcome: Outcome,
): Effect.Effect<Entry, SaleOutcomeUnrecorded> =>
  Effect.mapError(engine.journal.complete(entry.key, outcome), (cause) => {
    const moneyMoved = movesMoney(entry.kind, outcome)
    return new SaleOutcomeUnrecorded({
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

const recordOutcome = (engine: Engine, entry: Entry, outcome: Outcome) =>
  Effect.map(complete(engine, entry, outcome), (stored): Driven => ({
    _tag: "Finished",
    entry: stored,
  }))

// The id of the payment (refund) of `entry`, recorded; or where the entry ended when there is
// none: MobilePay refused the create, or past its idempotency window has no trace of it.
const ensureResource = (
  engine: Engine,
  entry: Entry,
): Effect.Effect<Either.Either<Entry, Driven>, Failure> =>
  Effect.gen(function* () {
    if (Option.isSome(entry.resourceId)) return Either.right(entry)
    const age = (yield* now) - entry.createdAt
    const found = yield* Effect.either(
      age < idempotencyWindowMillis ? resend(engine, entry) : search(engine, entry),
    )
    if (Either.isLeft(found)) {
      const error = found.left
      if (error._tag === "PaymentJournalError") return yield* Effect.fail(error)
      if (!isRefusal(error)) return yield* Effect.fail(unresolved(entry, error))
      const stored = yield* complete(engine, entry, {
        _tag: "NotCreated",
        reason: `MobilePay refused it: ${error.message}`,
      })
      return Either.left<Driven>({ _tag: "Refused", entry: stored, error })
    }
    if (Option.isNone(found.right)) {
      return Either.left(
        yield* recordOutcome(engine, entry, {
          _tag: "NotCreated",
          reason: "past the idempotency window, MobilePay has no such payment or refund open",
        }),
      )
    }
    const stored = yield* engine.journal.recordResource(entry.key, found.right.value)
    yield* Effect.logDebug(created(stored))
    return Either.right(stored)
  })

const created = (entry: Entry): string => {
  const id = Option.getOrElse(entry.resourceId, () => "")
  const plan = entry.plan
  switch (plan._tag) {
    case "InitiatePayment":
      return `payment ${id} initiated: ${plan.request.amount.toFixed(2)} ${plan.request.currencyCode}, order ${entry.orderId}`
    case "PreparePayment":
      return `payment ${id} prepared, order ${entry.orderId}`
    case "CreateRefund":
      return `refund ${id} created: ${plan.request.amount.toFixed(2)} ${plan.request.currencyCode}, refund order ${entry.orderId}`
  }
}

// The create call again, with the entry's idempotency key: MobilePay answers with what the
// first one made, or makes it now if the first never arrived.
const resend = (
  engine: Engine,
  entry: Entry,
): Effect.Effect<Option.Option<string>, PosClientError> => {
  const options = { ...callOptions(engine, entry), idempotencyKey: entry.key }
  const plan = entry.plan
  switch (plan._tag) {
    case "InitiatePayment":
      return Effect.map(engine.client.initiatePayment(plan.request, options), (created) =>
        Option.some(created.paymentId),
      )
    case "PreparePayment":
      return Effect.map(
        engine.client.preparePayment(
          { posId: plan.request.posId, orderId: plan.request.orderId },
          options,
        ),
        (created) => Option.some(created.paymentId),
      )
    case "CreateRefund":
      return Effect.map(engine.client.createRefund(plan.request, options), (created) =>
        Option.some(created.refundId),
      )
  }
}

// Past the idempotency window a resend could make a second payment: look for the first one by
// its order id instead, among those no other attempt of the order has.
const search = (
  engine: Engine,
  entry: Entry,
): Effect.Effect<Option.Option<string>, PosClientError | PaymentJournalError> =>
  Effect.gen(function* () {
    const options = callOptions(engine, entry)
    const attempts = yield* engine.journal.attempts(entry.kind, entry.merchantVat, entry.orderId)
    const known = new Set(attempts.flatMap((a) => Option.toArray(a.resourceId)))
    const plan = entry.plan
    if (plan._tag === "CreateRefund") {
      const { refundIds } = yield* engine.client.queryRefundIds(
        { paymentId: plan.request.paymentId },
        options,
      )
      for (const refundId of refundIds) {
        if (known.has(refundId)) continue
        const refund = yield* engine.client.getRefund(refundId, options)
        if (refund.refundOrderId === entry.orderId) return Option.some(refundId)
      }
      return Option.none()
    }
    const filter = { posId: plan.request.posId, orderId: plan.request.orderId }
    const open = yield* engine.client.queryPaymentIds(filter, options)
    const captured = yield* engine.client.queryPaymentIds({ ...filter, state: "Captured" }, options)
    const unknown = [...open.paymentIds, ...captured.paymentIds].filter((id) => !known.has(id))
    if (unknown.length > 1) {
      yield* Effect.logWarning(
        `order ${entry.orderId} has ${unknown.length} payments the journal does not know; taking ${unknown[0]}`,
      )
    }
    return Option.fromNullable(unknown[0])
  })

// ---------------------------------------------------------------------------------------
// Payments

/** Drives a payment entry to its outcome (or as far as it can go now). */
export const drivePayment = (
  engine: Engine,
  mode: Mode,
  start: Entry,
): Effect.Effect<Driven, Failure | PartialCaptureUnavailable> =>
  Effect.gen(function* () {
    const created = yield* ensureResource(engine, start)
    if (Either.isLeft(created)) return created.left
    const entry = created.right
    const paymentId = Option.getOrThrow(entry.resourceId)
    const decided = Option.isSome(entry.decision)
      ? Either.right(entry)
      : yield* decidePayment(engine, mode, entry, paymentId)
    if (Either.isLeft(decided)) return decided.left
    return yield* carryOutPayment(engine, decided.right, paymentId)
  })

const queryPayment = (engine: Engine, entry: Entry, paymentId: string) =>
  Effect.mapError(engine.client.queryPayment(paymentId, callOptions(engine, entry)), (error) =>
    unresolved(entry, error),
  )

const currencyOf = (plan: Plan): string => plan.request.currencyCode

const final = (status: string, amount: number | undefined): Outcome =>
  amount === undefined ? { _tag: "Final", status } : { _tag: "Final", status, amount }

// A captured payment's amount is the decided one (MobilePay's answer shows the reserved one).
const finishPayment = (
  engine: Engine,
  entry: Entry,
  payment: { readonly status: string; readonly amount?: number | undefined },
) => {
  const decided = Option.flatMap(entry.decision, (decision) =>
    decision._tag === "Capture" ? Option.some(decision.amount) : Option.none(),
  )
  return recordOutcome(
    engine,
    entry,
    final(
      payment.status,
      payment.status === "Captured" ? Option.getOrElse(decided, () => payment.amount) : undefined,
    ),
  )
}

const decide = (engine: Engine, entry: Entry, decision: Decision) =>
  Effect.tap(engine.journal.decide(entry.key, decision), (stored) =>
    Effect.logDebug(
      `${entry.kind.toLowerCase()} ${Option.getOrElse(stored.resourceId, () => entry.key)}: decided ${Option.match(
        stored.decision,
        {
          onNone: () => "nothing",
          onSome: (d) => (d._tag === "Capture" ? `capture ${d.amount.toFixed(2)}` : "cancel"),
        },
      )}`,
    ),
  )

// Finds out what is to become of a payment that has no decision yet: waits for the customer
// (a flow) or, when nobody waits any more (recovery), cancels.
const decidePayment = (
  engine: Engine,
  mode: Mode,
  entry: Entry,
  paymentId: string,
): Effect.Effect<Either.Either<Entry, Driven>, Failure | PartialCaptureUnavailable> =>
  Effect.gen(function* () {
    const plan = entry.plan
    if (plan._tag === "CreateRefund") return yield* Effect.die("a refund plan in a payment entry")
    if (mode._tag === "Recover") {
      const payment = yield* queryPayment(engine, entry, paymentId)
      if (finalPaymentStatuses.has(payment.status)) {
        return Either.left(yield* finishPayment(engine, entry, payment))
      }
      return Either.right(yield* decide(engine, entry, { _tag: "Cancel" }))
    }
    const waitFor = (statuses: ReadonlyArray<"Paired" | "IssuedToUser" | "Reserved">) =>
      awaitPayment(paymentId, statuses, {
        ...mode.poll,
        ...callOptions(engine, entry),
        within: mode.wait,
      }).pipe(
        Effect.provideService(PosClient, engine.client),
        Effect.map(Option.some),
        Effect.catchTag("AwaitTimeout", () => Effect.succeed(Option.none())),
        Effect.mapError((error) => unresolved(entry, error)),
      )
    const cancel = Effect.map(decide(engine, entry, { _tag: "Cancel" }), Either.right)

    if (plan._tag === "PreparePayment") {
      const paired = yield* waitFor(["Paired", "IssuedToUser", "Reserved"])
      if (Option.isNone(paired)) return yield* cancel
      if (finalPaymentStatuses.has(paired.value.status)) {
        return Either.left(yield* finishPayment(engine, entry, paired.value))
      }
      if (paired.value.status === "Paired") {
        const { posId: _, orderId: __, ...terms } = plan.request
        const ready = yield* Effect.either(
          engine.client.paymentReady(paymentId, terms, callOptions(engine, entry)),
        )
        if (Either.isRight(ready)) {
          yield* Effect.logDebug(
            `payment ${paymentId} ready: ${terms.amount.toFixed(2)} ${terms.currencyCode}`,
          )
        } else {
          // A lost answer, or a resend refused because the first went through: MobilePay's
          // status says whether the payment is ready.
          const payment = yield* queryPayment(engine, entry, paymentId)
          if (payment.status === "Paired") {
            return isRefusal(ready.left)
              ? yield* cancel
              : yield* Effect.fail(unresolved(entry, ready.left))
          }
        }
      }
    }
    const reserved = yield* waitFor(["Reserved"])
    if (Option.isNone(reserved)) return yield* cancel
    if (reserved.value.status !== "Reserved") {
      return Either.left(yield* finishPayment(engine, entry, reserved.value))
    }
    // Less than reserved can only be captured where the card allows it; otherwise nothing is
    // captured and the reservation released, so no money is held.
    const amount = reserved.value.amount ?? plan.captureAmount
    if (plan.captureAmount < amount && reserved.value.partialCapturePossible !== true) {
      const cancelled = yield* carryOutPayment(
        engine,
        yield* decide(engine, entry, { _tag: "Cancel" }),
        paymentId,
      )
      if (cancelled._tag !== "Finished") return Either.left(cancelled)
      return yield* new PartialCaptureUnavailable({
        orderId: entry.orderId,
        paymentId,
        reserved: amount,
        captureAmount: plan.captureAmount,
      })
    }
    return Either.right(
      yield* decide(engine, entry, { _tag: "Capture", amount: plan.captureAmount }),
    )
  })

// Carries out the recorded decision, then records where the payment ended.
const carryOutPayment = (
  engine: Engine,
  entry: Entry,
  paymentId: string,
): Effect.Effect<Driven, Failure> =>
  Effect.gen(function* () {
    const decision = Option.getOrThrow(entry.decision)
    const options = callOptions(engine, entry)
    const payment = yield* queryPayment(engine, entry, paymentId)
    if (finalPaymentStatuses.has(payment.status)) {
      return yield* finishPayment(engine, entry, payment)
    }
    if (decision._tag === "Capture") {
      if (payment.status !== "Reserved") {
        return { _tag: "Pending", entry, status: payment.status } as const
      }
      yield* Effect.logDebug(
        `payment ${paymentId}: capturing ${decision.amount.toFixed(2)} ${currencyOf(entry.plan)}`,
      )
      const captured = yield* Effect.either(
        engine.client.capturePayment(paymentId, { amount: decision.amount }, options),
      )
      if (Either.isRight(captured)) {
        return yield* finishPayment(engine, entry, { status: "Captured" })
      }
      // The answer was lost or refused: the payment's status tells what happened.
      const after = yield* queryPayment(engine, entry, paymentId)
      return finalPaymentStatuses.has(after.status)
        ? yield* finishPayment(engine, entry, after)
        : yield* Effect.fail(unresolved(entry, captured.left))
    }
    const cancelled = yield* Effect.either(engine.client.cancelPayment(paymentId, options))
    const after = yield* queryPayment(engine, entry, paymentId)
    if (finalPaymentStatuses.has(after.status)) return yield* finishPayment(engine, entry, after)
    return yield* Effect.fail(
      unresolved(
        entry,
        Either.isLeft(cancelled)
          ? cancelled.left
          : `the payment is still ${after.status} after it was cancelled`,
      ),
    )
  })

// ---------------------------------------------------------------------------------------
// Refunds

/** Drives a refund entry to its outcome (or as far as it can go now). */
export const driveRefund = (
  engine: Engine,
  mode: Mode,
  start: Entry,
): Effect.Effect<Driven, Failure> =>
  Effect.gen(function* () {
    const created = yield* ensureResource(engine, start)
    if (Either.isLeft(created)) return created.left
    const entry = created.right
    const refundId = Option.getOrThrow(entry.resourceId)
    const options = callOptions(engine, entry)
    const getRefund = Effect.mapError(engine.client.getRefund(refundId, options), (error) =>
      unresolved(entry, error),
    )
    const refund =
      mode._tag === "Recover"
        ? yield* getRefund
        : yield* awaitRefund(refundId, ["Reserved"], {
            ...mode.poll,
            ...options,
            within: mode.wait,
          }).pipe(
            Effect.provideService(PosClient, engine.client),
            Effect.mapError((error) => unresolved(entry, error)),
          )
    const finish = (status: string, amount: number) =>
      recordOutcome(
        engine,
        entry,
        final(
          status,
          status === "Captured" || status === "ExpiredAndCaptured" ? amount : undefined,
        ),
      )
    if (finalRefundStatuses.has(refund.status)) return yield* finish(refund.status, refund.amount)
    if (refund.status !== "Reserved") {
      return { _tag: "Pending", entry, status: refund.status } as const
    }
    const decision = Option.getOrElse(entry.decision, (): Decision => ({ _tag: "Cancel" }))
    const done = yield* Effect.either(
      decision._tag === "Capture"
        ? engine.client.captureRefund(refundId, options)
        : engine.client.cancelRefund(refundId, options),
    )
    const after = yield* getRefund
    if (finalRefundStatuses.has(after.status)) return yield* finish(after.status, after.amount)
    return yield* Effect.fail(
      unresolved(entry, Either.isLeft(done) ? done.left : `the refund is still ${after.status}`),
    )
  })

/** Drives an entry of either kind. */
export const drive = (engine: Engine, mode: Mode, entry: Entry) =>
  entry.kind === "Payment" ? drivePayment(engine, mode, entry) : driveRefund(engine, mode, entry)

// ---------------------------------------------------------------------------------------
// Flows

/** A flow's engine, mode, merchant and lease owner, from its checked options. */
export interface Session {
  readonly engine: Engine
  readonly mode: Mode
  readonly merchantVat: string
  readonly owner: string
}

const decodeMerchant = decodeRequest(Schema.UndefinedOr(CoreDomain.MerchantVat), "merchantVat")

/** Checks a flow's options (before anything is written or sent) into its session. */
export const session = (
  options: PollOptions & { readonly lease?: Duration.DurationInput | undefined },
  wait: { readonly field: string; readonly input: Duration.DurationInput },
): Effect.Effect<Session, InvalidInput.InvalidInput, PosClient | PaymentJournal> =>
  Effect.gen(function* () {
    const client = yield* PosClient
    const journal = yield* PaymentJournal
    const engine: Engine = {
      client,
      journal,
      timeout: yield* optionalPositiveDuration("timeout", options.timeout),
      lease: yield* positiveDuration("lease", options.lease ?? "15 seconds"),
    }
    const mode: Mode = {
      _tag: "Flow",
      wait: yield* positiveDuration(wait.field, wait.input, { infinite: true }),
      poll: {
        maxFailureDelay: yield* positiveDuration(
          "maxFailureDelay",
          options.maxFailureDelay ?? "10 seconds",
        ),
      },
    }
    const merchantVat = (yield* decodeMerchant(options.merchantVat)) ?? client.merchantVat ?? ""
    return { engine, mode, merchantVat, owner: `${journal.instanceId}/${crypto.randomUUID()}` }
  })

/** Drives an entry with `driver` under its lease, held (and renewed) while driving. */
export const driveHeld = <E>(
  engine: Engine,
  mode: Mode,
  owner: string,
  entry: Entry,
  driver: (engine: Engine, mode: Mode, entry: Entry) => Effect.Effect<Driven, E>,
): Effect.Effect<Driven, E> =>
  Effect.scoped(Effect.zipRight(holdLease(engine, entry.key, owner), driver(engine, mode, entry)))

/**
 * Runs an order to its finished entry: opens or resumes it, drives it, and after an entry that
 * was never created (past the idempotency window) opens the next attempt. A refused create
 * goes to `onRefused`, which fails, or succeeds to try once more as a new attempt.
 */
export const settle = <D, E, R>(
  session: Session,
  kind: EntryKind,
  orderId: string,
  plan: Plan,
  driver: (engine: Engine, mode: Mode, entry: Entry) => Effect.Effect<Driven, D>,
  onRefused: (error: PosClientError) => Effect.Effect<void, E, R>,
): Effect.Effect<
  Entry,
  | D
  | E
  | OrderIdReused
  | SaleInProgress
  | SaleUnresolved
  | SaleOutcomeUnrecorded
  | PaymentJournalError,
  R
> =>
  Effect.gen(function* () {
    const { engine, mode, owner } = session
    for (;;) {
      const opened = yield* open(engine, owner, kind, session.merchantVat, orderId, plan)
      if (opened._tag === "Finished") return opened.entry
      yield* Effect.logDebug(
        `${kind.toLowerCase()} for order ${orderId}: journal entry ${opened.entry.key} (attempt ${opened.entry.attempt})`,
      )
      const driven = yield* driveHeld(engine, mode, owner, opened.entry, driver)
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
  })
