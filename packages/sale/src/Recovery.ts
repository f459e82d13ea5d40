/**
 * Recovery: drives every unfinished journal entry to its decided end, after a crash, a lost
 * answer or a flow that gave up (`SaleUnresolved`), for every platform it is given (PoS V10,
 * ePayment, or both: one run covers a journal both write to). The platforms' recovery duties,
 * done from the journal: a lost payment (refund) id is found by resending the create with its
 * idempotency key (or, past the platform's idempotency window, by looking it up); what was
 * decided is carried out, and only that (a reservation is captured only when the journal says
 * so, with the amount it says); what was never decided is cancelled (its flow is gone); the
 * outcome is recorded.
 *
 * Run it at start-up and periodically ({@link layer} does both). Entries a live flow holds
 * (its lease) are left to it; with several processes on one journal each entry is worked on by
 * one of them at a time. `@effect-mobilepay/pos` and `@effect-mobilepay/epayment` each offer
 * their platform's {@link Recoverable}, and a `Recovery` of their own over it.
 *
 * @since 0.2.0
 */
import { DurationOption, type InvalidInput } from "@effect-mobilepay/core"
import * as Data from "effect/Data"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Engine from "./Engine.js"
import { type Entry, PaymentJournal, type PaymentJournalError } from "./PaymentJournal.js"
import type { SaleBackend } from "./SaleBackend.js"
import type {
  PartialCaptureUnavailable,
  SaleOutcomeUnrecorded,
  SaleUnresolved,
} from "./SaleError.js"

/**
 * @since 0.2.0
 * @category options
 */
export interface RecoverOptions {
  /**
   * This process is the only one meant to use the journal (a till's own SQLite file, at
   * start-up): entries held by a journal instance that is gone are taken over at once instead
   * of when their lease runs out. Gone is proven, never assumed: on SQL, the instance's process
   * ran on this machine and is no longer running; a live one (a second process started by
   * mistake) keeps its sales.
   * @default false
   */
  readonly exclusive?: boolean | undefined
  /** How many entries are worked on at once. @default 4 */
  readonly concurrency?: number | undefined
  /** How long recovery's hold on an entry lasts without renewal. @default "15 seconds" */
  readonly lease?: Duration.DurationInput | undefined
  /**
   * How long a sale nobody decided on is left alone after its flow last touched it (renewed its
   * lease) before recovery cancels it. Within it, the till that crashed can ring the same order
   * up again and take the sale over where it stands: a customer who approved while the till was
   * down is not asked to approve twice. `0`: cancel at once.
   * @default "2 minutes"
   */
  readonly undecidedGrace?: Duration.DurationInput | undefined
  /**
   * On a platform where a lost create is found by looking (ePayment: at its reference), how
   * long after an entry opened a create call of it may still arrive. A payment with no id is
   * looked for once it is this old (left pending until then), never created again: a customer
   * is not asked to approve a sale whose till gave up. A refund is sent as decided. No effect
   * on V10, where recovery resends the create within the idempotency window.
   * @default the platform's own bound (ePayment: "5 minutes")
   */
  readonly createInFlight?: Duration.DurationInput | undefined
}

/**
 * What one run of {@link recover} did.
 *
 * @since 0.2.0
 * @category models
 */
export class RecoveryReport extends Data.Class<{
  /** Finished now: their outcome is recorded (`Final`, or `NotCreated` when the platform refused). */
  readonly finished: ReadonlyArray<Entry>
  /** Nothing to do yet, e.g. a refund the platform has not reserved: a later run finishes them. */
  readonly pending: ReadonlyArray<Entry>
  /** Held by a live flow (or another process's recovery): left to it. */
  readonly busy: ReadonlyArray<Entry>
  /** Could not be finished now (the platform or the network failing): a later run tries again. */
  readonly failed: ReadonlyArray<readonly [entry: Entry, error: RecoveryError]>
  /** Of a platform this run was not given (e.g. ePayment entries in a V10-only run): left. */
  readonly skipped: ReadonlyArray<Entry>
}> {
  /** Whether every unfinished entry found was finished. */
  get isComplete(): boolean {
    return this.pending.length === 0 && this.busy.length === 0 && this.failed.length === 0
  }
}

/**
 * Why recovery could not finish an entry now.
 *
 * @since 0.2.0
 * @category models
 */
export type RecoveryError =
  SaleUnresolved | SaleOutcomeUnrecorded | PartialCaptureUnavailable | PaymentJournalError

/**
 * A platform recovery can drive entries of: made from its backend by {@link recoverable}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Recoverable {
  /** The backend's name, as its entries carry it. */
  readonly name: string
  /**
   * Drives `entry` (its lease held by `owner`) as recovery does: `true` finished, `false`
   * pending. `createInFlight` overrides the platform's own bound (see {@link RecoverOptions}).
   */
  readonly drive: (
    journal: PaymentJournal.Service,
    lease: Duration.Duration,
    owner: string,
    entry: Entry,
    createInFlight?: Duration.Duration,
  ) => Effect.Effect<{ readonly finished: boolean; readonly entry: Entry }, RecoveryError>
}

/**
 * The platform of `backend`, for {@link recover}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const recoverable = <P, I, E extends Engine.BackendError>(
  backend: SaleBackend<P, I, E>,
): Recoverable => ({
  name: backend.name,
  drive: (journal, lease, owner, entry, createInFlight) =>
    Effect.map(
      Engine.driveHeld(
        { backend, journal, lease },
        { _tag: "Recover", createInFlight: createInFlight ?? backend.createInFlight },
        owner,
        entry,
      ),
      (driven) => ({ finished: driven._tag !== "Pending", entry: driven.entry }),
    ),
})

type Result =
  | { readonly _tag: "Finished"; readonly entry: Entry }
  | { readonly _tag: "Pending"; readonly entry: Entry }
  | { readonly _tag: "Busy"; readonly entry: Entry }
  | { readonly _tag: "Skipped"; readonly entry: Entry }
  | {
      readonly _tag: "Failed"
      readonly entry: Entry
      readonly error: RecoveryError
    }

/**
 * Recovery's metrics. Each run adds what it did with the unfinished entries it found to the
 * counters, per platform (tag `backend`: `PosV10`, `EPayment`), and sets the gauge of entries
 * it left unfinished; `runs` counts runs by `result`: `ok`, or `failed` when the journal could
 * not be read. Alert on `failed` growing, or on `unfinished` staying above zero.
 *
 * @since 0.2.0
 * @category metrics
 */
export const metrics = {
  runs: Metric.counter("mobilepay_recovery_runs_total", {
    description: "Recovery runs, by result (ok, or failed: the journal could not be read)",
  }),
  finished: Metric.counter("mobilepay_recovery_finished_total", {
    description: "Entries recovery finished (their outcome recorded), by backend",
  }),
  pending: Metric.counter("mobilepay_recovery_pending_total", {
    description: "Entries recovery found with nothing to do yet, by backend",
  }),
  busy: Metric.counter("mobilepay_recovery_busy_total", {
    description: "Entries recovery left to the live flow (or process) holding them, by backend",
  }),
  failed: Metric.counter("mobilepay_recovery_failed_total", {
    description:
      "Entries recovery could not finish (the platform or the network failing), by backend",
  }),
  skipped: Metric.counter("mobilepay_recovery_skipped_total", {
    description: "Entries of a platform the run was not given, by backend",
  }),
  unfinished: Metric.gauge("mobilepay_recovery_unfinished", {
    description: "Entries left unfinished by the latest recovery run, by backend",
  }),
}

const record = (platforms: ReadonlyArray<Recoverable>, results: ReadonlyArray<Result>) =>
  Effect.gen(function* () {
    const backends = new Set([
      ...platforms.map((platform) => platform.name),
      ...results.map((result) => result.entry.backend),
    ])
    for (const backend of backends) {
      const mine = results.filter((result) => result.entry.backend === backend)
      const count = (tag: Result["_tag"]) => mine.filter((result) => result._tag === tag).length
      for (const [tag, counter] of [
        ["Finished", metrics.finished],
        ["Pending", metrics.pending],
        ["Busy", metrics.busy],
        ["Failed", metrics.failed],
        ["Skipped", metrics.skipped],
      ] as const) {
        yield* Metric.incrementBy(Metric.tagged(counter, "backend", backend), count(tag))
      }
      yield* Metric.set(
        Metric.tagged(metrics.unfinished, "backend", backend),
        mine.length - count("Finished"),
      )
    }
    yield* Metric.increment(Metric.tagged(metrics.runs, "result", "ok"))
  })

/**
 * One run of recovery over every unfinished journal entry of the given platforms. Fails only
 * when the journal cannot be read; each entry's own failure is in the report.
 *
 * @since 0.2.0
 * @category recovery
 */
export const recover = (
  platforms: ReadonlyArray<Recoverable>,
  options: RecoverOptions = {},
): Effect.Effect<RecoveryReport, PaymentJournalError | InvalidInput.InvalidInput, PaymentJournal> =>
  Effect.gen(function* () {
    const journal = yield* PaymentJournal
    const lease = yield* DurationOption.decode("lease", options.lease ?? "15 seconds")
    const grace = Duration.toMillis(
      yield* DurationOption.delay("undecidedGrace", options.undecidedGrace, "2 minutes"),
    )
    const createInFlight =
      options.createInFlight === undefined
        ? undefined
        : yield* DurationOption.decode("createInFlight", options.createInFlight, {
            allowZero: true,
          })
    const byName = new Map(platforms.map((platform) => [platform.name, platform]))
    const owner = Engine.owner(journal)
    const one = (entry: Entry): Effect.Effect<Result> =>
      Effect.gen(function* () {
        const platform = byName.get(entry.backend)
        if (platform === undefined) return { _tag: "Skipped", entry } as const
        // A sale nobody decided on whose flow is gone may be rung up again by its till: it is
        // left for the grace after its flow last wrote to it (recovery, within the grace, does
        // not write to it either, so the grace runs out).
        const inGrace = (at: number) =>
          Option.isNone(entry.decision) && at - entry.updatedAt < grace
        if (Option.isNone(entry.leaseOwner) && inGrace(yield* Clock.currentTimeMillis)) {
          return { _tag: "Pending", entry } as const
        }
        const claimed = yield* journal.claim(entry.key, owner, {
          takeOverOwn: Engine.hasEnded,
          duration: lease,
          takeOverForeign: options.exclusive,
        })
        if (Option.isNone(claimed)) return { _tag: "Busy", entry } as const
        // Its flow died holding it (recently): given up again, the grace runs on from now.
        if (inGrace(yield* Clock.currentTimeMillis)) {
          yield* journal.release(entry.key, owner)
          return { _tag: "Pending", entry } as const
        }
        const driven = yield* platform.drive(journal, lease, owner, claimed.value, createInFlight)
        return driven.finished
          ? ({ _tag: "Finished", entry: driven.entry } as const)
          : ({ _tag: "Pending", entry: driven.entry } as const)
      }).pipe(Effect.catchAll((error) => Effect.succeed<Result>({ _tag: "Failed", entry, error })))
    const unfinished = yield* journal.unfinished.pipe(
      Effect.tapError(() => Metric.increment(Metric.tagged(metrics.runs, "result", "failed"))),
    )
    const results = yield* Engine.asRunning(
      owner,
      Effect.forEach(unfinished, one, {
        concurrency: Math.max(1, options.concurrency ?? 4),
      }),
    )
    yield* record(platforms, results)
    const of = <T extends Result["_tag"]>(tag: T) =>
      results.filter((r): r is Extract<Result, { readonly _tag: T }> => r._tag === tag)
    return new RecoveryReport({
      finished: of("Finished").map((r) => r.entry),
      pending: of("Pending").map((r) => r.entry),
      busy: of("Busy").map((r) => r.entry),
      failed: of("Failed").map((r) => [r.entry, r.error] as const),
      skipped: of("Skipped").map((r) => r.entry),
    })
  }).pipe(Effect.withSpan("Recovery.recover", { captureStackTrace: false }))

// An entry that keeps failing (the platform down, or refusing in a way recovery cannot settle)
// would be logged on every run: its failures are logged on the 1st, 2nd, 4th, 8th, ... run in a
// row, with the count, and once more when it is finished.
interface Failing {
  readonly runs: number
  readonly since: number
}

const isLogged = (runs: number): boolean => (runs & (runs - 1)) === 0

const logReport = (failing: Ref.Ref<ReadonlyMap<string, Failing>>, report: RecoveryReport) =>
  Effect.gen(function* () {
    const before = yield* Ref.get(failing)
    const at = yield* Clock.currentTimeMillis
    const after = new Map<string, Failing>()
    for (const entry of report.finished) {
      const outcome = Option.getOrUndefined(entry.outcome)
      const failed = before.get(entry.key)
      yield* Effect.logInfo(
        `recovered ${entry.kind.toLowerCase()} for order ${entry.orderId}: ${
          outcome?._tag === "Final" ? outcome.status : "never created"
        }${failed === undefined ? "" : ` (after ${failed.runs} failed runs)`}`,
      )
    }
    for (const [entry, error] of report.failed) {
      const previous = before.get(entry.key)
      const now: Failing = { runs: (previous?.runs ?? 0) + 1, since: previous?.since ?? at }
      after.set(entry.key, now)
      if (!isLogged(now.runs)) continue
      yield* Effect.logWarning(
        `could not recover ${entry.kind.toLowerCase()} for order ${entry.orderId} yet (${
          now.runs === 1
            ? "first failure"
            : `${now.runs} runs in a row since ${new Date(now.since).toISOString()}`
        }; logged again after ${now.runs * 2})`,
        error,
      )
    }
    // Entries still waiting (pending, busy) keep their count; finished or gone ones are dropped.
    for (const entry of [...report.pending, ...report.busy]) {
      const previous = before.get(entry.key)
      if (previous !== undefined) after.set(entry.key, previous)
    }
    yield* Ref.set(failing, after)
  })

/**
 * @since 0.2.0
 * @category options
 */
export interface LayerOptions extends RecoverOptions {
  /** The time between runs (the first runs at once). @default "1 minute" */
  readonly interval?: Duration.DurationInput | undefined
  /**
   * Told each run's report (after it is logged): where a program alerts, e.g. when
   * `report.failed` is not empty. Its own failures and defects are logged and ignored.
   */
  readonly onReport?: ((report: RecoveryReport) => Effect.Effect<void>) | undefined
  /** Told when a run could not read the journal (after it is logged). */
  readonly onRunFailure?: ((error: PaymentJournalError) => Effect.Effect<void>) | undefined
}

const hook = (name: string, effect: Effect.Effect<void>) =>
  Effect.catchAllCause(effect, (cause) => Effect.logWarning(`recovery's ${name} failed`, cause))

/**
 * Recovery in the background for as long as the layer lives: one run at once (start-up), then
 * one every `interval`, each logged: recovered entries at Info; an entry that keeps failing at
 * Warning on its 1st, 2nd, 4th, 8th, ... failed run in a row (with the count), so a platform
 * that is down for an hour costs a few lines, not one per entry per run. `onReport` and
 * {@link metrics} are where a program alerts.
 *
 * @example
 * ```ts
 * import { PaymentJournal, Recovery } from "@effect-mobilepay/sale"
 * import { Effect, Layer } from "effect"
 *
 * // One recovery for every platform a program sells on: each backend offers its own
 * // `Recovery.recoverable` (in `@effect-mobilepay/pos` and `@effect-mobilepay/epayment`).
 * const recovery = (platforms: ReadonlyArray<Recovery.Recoverable>) =>
 *   Recovery.layer(platforms, {
 *     interval: "1 minute",
 *     onReport: (report) =>
 *       report.failed.length > 0
 *         ? Effect.logWarning(`${report.failed.length} sales still open`)
 *         : Effect.void,
 *   }).pipe(Layer.provide(PaymentJournal.layerMemory))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  platforms: ReadonlyArray<Recoverable>,
  options: LayerOptions = {},
): Layer.Layer<never, InvalidInput.InvalidInput, PaymentJournal> =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const interval = yield* DurationOption.decode("interval", options.interval ?? "1 minute")
      const failing = yield* Ref.make<ReadonlyMap<string, Failing>>(new Map())
      const runFailures = yield* Ref.make(0)
      const { onReport, onRunFailure } = options
      const run = recover(platforms, options).pipe(
        Effect.tap(() => Ref.set(runFailures, 0)),
        Effect.tap((report) => logReport(failing, report)),
        Effect.tap((report) =>
          onReport === undefined ? Effect.void : hook("onReport", onReport(report)),
        ),
        Effect.catchTag("PaymentJournalError", (error) =>
          Effect.gen(function* () {
            const runs = yield* Ref.updateAndGet(runFailures, (n) => n + 1)
            if (isLogged(runs)) {
              yield* Effect.logWarning(
                `payment journal recovery failed (${runs === 1 ? "first failure" : `${runs} runs in a row`})`,
                error,
              )
            }
            if (onRunFailure !== undefined) yield* hook("onRunFailure", onRunFailure(error))
          }),
        ),
        Effect.catchAll((error) => Effect.logWarning("payment journal recovery failed", error)),
      )
      yield* Effect.forkScoped(Effect.repeat(run, Schedule.spaced(interval)))
    }),
  )
