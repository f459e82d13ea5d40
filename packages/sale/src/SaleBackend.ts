/**
 * What the sale engine needs of a payment platform: how to create a payment (or refund), find
 * one whose id was lost, read where it stands, wait for the customer, capture and cancel; and
 * which of the platform's failures are refusals. PoS V10 (`@effect-mobilepay/pos`) and ePayment
 * (`@effect-mobilepay/epayment`) each implement it; the journal, leases, decisions, outcomes
 * and recovery (`Engine`, `Recovery`) are written once, over this interface.
 *
 * A backend works in its own units (V10: kroner as a decimal; ePayment: minor units) and its
 * own words for states (`status`); the engine only looks at a {@link View}'s `stage`.
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type { Entry, EntryKind, Outcome } from "./PaymentJournal.js"

/**
 * Where a payment (or refund) stands, as the engine needs it:
 * - `Open`: the customer (or the platform) has not acted yet: nothing is reserved;
 * - `Reserved`: the money is reserved (a refund: ready to be paid out), nothing captured or
 *   released yet: the recorded decision may be carried out;
 * - `Ended`: nothing more will happen to it; `moneyMoved` says whether it was captured (paid
 *   out).
 *
 * @since 0.2.0
 * @category models
 */
export interface View {
  readonly stage: "Open" | "Reserved" | "Ended"
  /** The platform's own word for the state, e.g. `Captured` (V10) or `AUTHORIZED` (ePayment). */
  readonly status: string
  /** The amount reserved (a refund's amount), in the backend's unit, when known. */
  readonly amount?: number | undefined
  /** `Ended` only: whether money moved (captured, paid out). */
  readonly moneyMoved?: boolean | undefined
  /** `Reserved` only: whether less than the reserved amount may be captured. */
  readonly partialCapturePossible?: boolean | undefined
}

/**
 * What a create call made: the platform's id, and what the customer must be shown, when the
 * platform gives it (ePayment's dynamic QR with `userFlow: QR`: the QR image's URL).
 *
 * @since 0.2.0
 * @category models
 */
export interface Created {
  readonly id: string
  readonly customerUrl?: string | undefined
}

/**
 * How long a flow waits for the customer, and how polling backs off from failures.
 *
 * @since 0.2.0
 * @category models
 */
export interface Wait {
  /** How long to wait (may be infinite). */
  readonly within: Duration.Duration
  /** The longest pause between polls after failures. */
  readonly maxFailureDelay: Duration.Duration
  /**
   * Completes when the till gives up on the sale (`cancel` on a held sale): a backend that
   * waits by polling stops at once and answers `None`.
   */
  readonly interrupted: Effect.Effect<void>
}

/**
 * A payment platform, for the engine. `P` is the plan of an entry (the create call as it is
 * (re)sent, and what to capture), `I` its encoded form kept in the journal, `E` the platform's
 * failures. Every call takes the entry it is made for: its `key` is the idempotency key of the
 * create call, its `merchant` who the call is made for.
 *
 * @since 0.2.0
 * @category models
 */
export interface SaleBackend<P, I, E extends { readonly _tag: string; readonly message: string }> {
  /** The name entries of this backend carry in the journal, e.g. `"PosV10"`, `"EPayment"`. */
  readonly name: string
  /** The schema of a plan, as the journal keeps it (JSON). */
  readonly Plan: Schema.Schema<P, I>
  /** What a plan is: a payment or a refund. */
  readonly kindOf: (plan: P) => EntryKind
  /** The amount a payment's plan captures once reserved; a refund's amount. */
  readonly captureAmount: (plan: P) => number
  /** The plan's terms by name, as JSON: what `OrderIdReused` compares and lists. */
  readonly terms: (plan: P) => ReadonlyMap<string, string>
  /**
   * How long the platform keeps idempotency keys: within it a lost id is recovered by
   * resending the create call; past it by {@link SaleBackend.find}.
   */
  readonly idempotencyWindow: Duration.Duration
  /**
   * Set where a lost payment create is found by looking (ePayment: the payment at its
   * reference): how long after an entry was opened a create call of it may still reach the
   * platform (retries included). Recovery then looks instead of resending the create, so no
   * customer is asked to approve a sale whose till gave up; it leaves a younger entry for a
   * later run. Refunds ask nobody: recovery sends them as decided. Unset (V10): recovery
   * resends the create within the idempotency window.
   *
   * @since 0.2.0
   */
  readonly createInFlight?: Duration.Duration | undefined
  /**
   * Whether the platform answered and refused: it was not carried out, and a resend would be
   * refused again. Anything else (the network, a 5xx, a lost answer) leaves it open.
   */
  readonly isRefusal: (error: E) => boolean
  /**
   * The create call with the entry's idempotency key: what it made, or what the first call
   * with that key made.
   */
  readonly create: (entry: Entry, plan: P) => Effect.Effect<Created, E>
  /**
   * Past the idempotency window: the id of the payment (refund) the entry's create call made,
   * if the platform has one the journal does not already know (`known`); `None`: it made none.
   */
  readonly find: (
    entry: Entry,
    plan: P,
    known: ReadonlySet<string>,
  ) => Effect.Effect<Option.Option<string>, E>
  /** One read of where the payment (refund) stands. */
  readonly read: (entry: Entry, plan: P, id: string) => Effect.Effect<View, E>
  /**
   * Waits until the payment (refund) is `Reserved` or `Ended`, doing what the platform needs on
   * the way (V10's prepared payment: `PaymentReady` once paired); `None` when the wait ran out
   * or was interrupted (the engine then decides to cancel).
   */
  readonly await: (
    entry: Entry,
    plan: P,
    id: string,
    wait: Wait,
  ) => Effect.Effect<Option.Option<View>, E>
  /**
   * Captures `amount` of a reserved payment (pays out a reserved refund), and answers where it
   * stands after (read again when the platform's answer does not say). A failure leaves open
   * whether it was done: the engine reads the payment to find out.
   */
  readonly capture: (entry: Entry, plan: P, id: string, amount: number) => Effect.Effect<View, E>
  /**
   * Cancels a payment that is open or reserved (a reserved refund), and answers where it stands
   * after. A failure leaves open whether it was done: the engine reads the payment to find out.
   */
  readonly cancel: (entry: Entry, plan: P, id: string) => Effect.Effect<View, E>
  /** Whether an entry that ended so moved money: a captured payment, a refund paid out. */
  readonly movedMoney: (kind: EntryKind, outcome: Outcome) => boolean
  /** A line for the log once the payment (refund) exists, e.g. `payment 1f2… initiated: 12.50 DKK`. */
  readonly describe: (entry: Entry, plan: P, id: string) => string
}
