/**
 * Whole payments on top of {@link PosClient} and the {@link PaymentJournal}: pay and capture,
 * prepared payments, and clearing a point of sale blocked by an active payment (409, code 1301).
 *
 * Every flow is written ahead in the journal: the payment and its idempotency key before the
 * first request, MobilePay's payment id once known, the decision (capture how much, or cancel)
 * before acting, the outcome after. So a flow that crashes or loses an answer is finished by
 * `Recovery.recover` exactly as decided, and ringing the same order up again resumes it
 * instead of making a second payment: an order that was captured answers `Captured` again.
 *
 * @since 0.1.0
 */
import { InvalidInput } from "@effect-mobilepay/core"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import { Amount } from "./Domain.js"
import { decodeRequest } from "./internal/decodeRequest.js"
import * as Engine from "@effect-mobilepay/sale/Engine"
import * as V10 from "./internal/v10.js"
import * as Payment from "./Payment.js"
import type { PaymentJournal } from "./PaymentJournal.js"
import {
  type Entry,
  type PaymentJournalError,
  type Plan,
  PreparedPaymentRequest,
} from "./PaymentJournal.js"
import type { PollOptions } from "./Polling.js"
import type { PosClient } from "./PosClient.js"
import { type CallOptions, type PosClientError } from "./PosClient.js"
import {
  type OrderIdReused,
  type PartialCaptureUnavailable,
  PointOfSaleNotCleared,
  SaleInProgress,
  type SaleOutcomeUnrecorded,
  type SaleUnresolved,
} from "./SaleError.js"

/**
 * How a payment flow ended: `Captured` with the captured amount, or `NotCompleted` with the
 * final status (the customer cancelled, MobilePay cancelled or expired it, or the flow gave up
 * and cancelled it). Always MobilePay's own final state, as the journal recorded it.
 *
 * @since 0.1.0
 * @category models
 */
export type PaymentOutcome = Data.TaggedEnum<{
  Captured: { readonly paymentId: string; readonly amount: number }
  NotCompleted: {
    readonly paymentId: string
    readonly status: Exclude<Payment.FinalPaymentStatus, "Captured">
  }
}>

/**
 * Constructors and matchers of {@link PaymentOutcome}.
 *
 * @since 0.1.0
 * @category models
 */
export const PaymentOutcome = Data.taggedEnum<PaymentOutcome>()

/**
 * Every way a payment flow fails: input refused before anything was written or sent, MobilePay
 * refusing the payment (e.g. `PaymentAlreadyActive`, `StoreNotActivated`), the order being
 * worked on elsewhere (`SaleInProgress`) or belonging to another sale (`OrderIdReused`), a
 * point of sale that could not be cleared after 1301 (`PointOfSaleNotCleared`), a
 * sale that cannot be finished now (`SaleUnresolved`: recovery will), a partial capture the
 * card does not allow (`PartialCaptureUnavailable`: cancelled), a sale that ended but whose
 * outcome the journal could not record (`SaleOutcomeUnrecorded`, which says whether money
 * moved: never charge again when it did), or the journal failing before anything moved.
 *
 * @since 0.2.0
 * @category errors
 */
export type PaymentFlowError =
  | PosClientError
  | SaleInProgress
  | OrderIdReused
  | SaleUnresolved
  | PartialCaptureUnavailable
  | PointOfSaleNotCleared
  | SaleOutcomeUnrecorded
  | PaymentJournalError

/**
 * @since 0.1.0
 * @category options
 */
export interface FlowOptions extends PollOptions {
  /**
   * How long to wait for the customer (check-in and acceptance) before cancelling.
   * @default "2 minutes"
   */
  readonly customerTimeout?: Duration.DurationInput | undefined
  /**
   * On 409 1301 (a payment is already active on the point of sale): cancel the active
   * payments of the point of sale (through the journal when it knows them) and initiate once
   * more.
   * @default false
   */
  readonly recoverActivePayment?: boolean | undefined
  /**
   * How long the flow's hold on its journal entry lasts without renewal (it is renewed while
   * the flow runs). After a crash, recovery in other processes takes the sale over this long
   * after the last renewal.
   * @default "15 seconds"
   */
  readonly lease?: Duration.DurationInput | undefined
}

/**
 * @since 0.2.0
 * @category options
 */
export interface PayAndCaptureOptions extends FlowOptions {
  /** Capture less than the reserved amount (only where partial capture is possible). */
  readonly captureAmount?: number | undefined
}

const decodeInitiate = decodeRequest(Payment.InitiatePaymentRequest, "request")
const decodePrepared = decodeRequest(PreparedPaymentRequest, "request")
const decodeCaptureAmount = decodeRequest(Amount, "captureAmount")
const isNotCompleted = Schema.is(
  Payment.FinalPaymentStatus.pipe(
    Schema.pickLiteral(
      "CancelledByUser",
      "CancelledByClient",
      "CancelledByMobilePay",
      "ExpiredAndCancelled",
    ),
  ),
)

const customerWait = (options: FlowOptions) => ({
  field: "customerTimeout",
  input: options.customerTimeout ?? "2 minutes",
})

const captureAmountOf = (amount: Amount, requested: number | undefined) =>
  Effect.flatMap(decodeCaptureAmount(requested ?? amount), (capture) =>
    capture > amount
      ? Effect.fail(
          new InvalidInput.InvalidInput({
            field: "captureAmount",
            reason: `must not exceed the amount (${amount.toFixed(2)})`,
          }),
        )
      : Effect.succeed(capture),
  )

const toOutcome = (entry: Entry, planned: number): Effect.Effect<PaymentOutcome> => {
  const paymentId = Option.getOrElse(entry.resourceId, () => "")
  return Option.match(entry.outcome, {
    onNone: () => Effect.dieMessage(`journal entry ${entry.key} has no outcome`),
    onSome: (outcome) => {
      if (outcome._tag === "Final" && outcome.status === "Captured") {
        const amount = outcome.amount ?? planned
        return Effect.succeed(PaymentOutcome.Captured({ paymentId, amount }))
      }
      if (outcome._tag === "Final" && isNotCompleted(outcome.status)) {
        return Effect.succeed(PaymentOutcome.NotCompleted({ paymentId, status: outcome.status }))
      }
      return Effect.dieMessage(`journal entry ${entry.key} ended ${JSON.stringify(outcome)}`)
    },
  })
}

/**
 * A payment the till holds while the customer decides (see {@link start}).
 *
 * @since 0.2.0
 * @category models
 */
export interface HeldPayment {
  readonly orderId: string
  /** MobilePay's payment id. */
  readonly paymentId: string
  /** The journal entry (the create call's idempotency key). */
  readonly key: string
  /** The sale's states from now on (created, reserved, decided, finished), ending with finished. */
  readonly states: Stream.Stream<Engine.SaleState>
  /** How the payment ended: waits for the customer, then captures or cancels. */
  readonly await: Effect.Effect<PaymentOutcome, PaymentFlowError>
  /**
   * The till gives up: a payment not yet decided is cancelled; one already decided (the
   * customer accepted and the capture is under way) is captured as decided. Answers how it
   * ended either way.
   */
  readonly cancel: Effect.Effect<PaymentOutcome, PaymentFlowError>
}

// Starts the order's payment, held. A create MobilePay refused fails with MobilePay's error,
// except 1301 when the flow may clear the point of sale: then once more, as a new attempt.
const hold = (
  plan: Extract<Plan, { readonly _tag: "InitiatePayment" | "PreparePayment" }>,
  options: FlowOptions,
): Effect.Effect<HeldPayment, PaymentFlowError, PosClient | PaymentJournal | Scope.Scope> =>
  Effect.gen(function* () {
    const session = yield* V10.session(options, customerWait(options))
    let clearedPointOfSale = false
    const onRefused = (error: PosClientError): Effect.Effect<void, PaymentFlowError> =>
      error._tag === "PaymentAlreadyActive" &&
      options.recoverActivePayment === true &&
      !clearedPointOfSale
        ? Effect.gen(function* () {
            const posId = plan.request.posId
            const cleared = yield* clearPointOfSale(session, posId, plan.request.orderId)
            yield* Effect.logDebug(
              `point of sale ${posId} was busy: cancelled ${cleared.join(", ")}`,
            )
            clearedPointOfSale = true
          })
        : Effect.fail(error)
    const sale = yield* Engine.start(session, plan.request.orderId, plan, onRefused)
    const outcome = (entry: Effect.Effect<Entry, PaymentFlowError>) =>
      Effect.flatMap(entry, (finished) => toOutcome(finished, plan.captureAmount))
    return {
      orderId: sale.orderId,
      paymentId: sale.id,
      key: sale.key,
      states: sale.states,
      await: outcome(sale.await),
      cancel: outcome(sale.cancel),
    }
  })

// Runs the order to its outcome: held, then awaited.
const run = (
  plan: Extract<Plan, { readonly _tag: "InitiatePayment" | "PreparePayment" }>,
  options: FlowOptions,
): Effect.Effect<PaymentOutcome, PaymentFlowError, PosClient | PaymentJournal> =>
  Effect.scoped(Effect.flatMap(hold(plan, options), (held) => held.await))

// Cancels the active payments of a point of sale: through the journal when it has them (their
// flow is gone, or it would hold the lease), directly otherwise. What fails on the way fails
// as the point of sale not cleared (with what was), except a live flow holding one of them
// and the journal itself, which say so on their own.
const clearPointOfSale = (
  session: V10.Session,
  posId: string,
  requestedOrderId: string | undefined,
): Effect.Effect<
  ReadonlyArray<string>,
  PointOfSaleNotCleared | SaleInProgress | SaleOutcomeUnrecorded | PaymentJournalError
> => {
  const { engine, owner, merchant, client } = session
  const options: CallOptions = {
    merchantVat: merchant === "" ? undefined : merchant,
    timeout: session.timeout,
  }
  const cleared: Array<string> = []
  const notCleared =
    (paymentId: string | undefined) =>
    <A, R>(
      effect: Effect.Effect<
        A,
        PosClientError | SaleUnresolved | PartialCaptureUnavailable | SaleInProgress | Passed,
        R
      >,
    ): Effect.Effect<A, PointOfSaleNotCleared | SaleInProgress | Passed, R> =>
      Effect.catchIf(
        effect,
        (error): error is Exclude<typeof error, SaleInProgress | Passed> =>
          error._tag !== "SaleInProgress" &&
          error._tag !== "PaymentJournalError" &&
          error._tag !== "SaleOutcomeUnrecorded",
        (cause) =>
          Effect.fail(
            new PointOfSaleNotCleared({
              posId,
              requestedOrderId,
              paymentId,
              cleared: [...cleared],
              cause,
            }),
          ),
      )
  return Effect.gen(function* () {
    const { paymentIds } = yield* notCleared(undefined)(client.queryPaymentIds({ posId }, options))
    for (const paymentId of paymentIds) {
      const clear = Effect.gen(function* () {
        const payment = yield* client.queryPayment(paymentId, options)
        if (!V10.isActivePayment(payment.status)) return false
        const known = yield* engine.journal.byResource(engine.backend.name, "Payment", paymentId)
        if (Option.isSome(known) && !known.value.isFinished) {
          const claimed = yield* engine.journal.claim(known.value.key, owner, {
            duration: engine.lease,
          })
          if (Option.isNone(claimed)) {
            return yield* new SaleInProgress({
              kind: "Payment",
              orderId: known.value.orderId,
              key: known.value.key,
              leaseUntil: Option.getOrUndefined(known.value.leaseUntil),
              posId,
              requestedOrderId,
            })
          }
          yield* Engine.driveHeld(engine, { _tag: "Recover" }, owner, claimed.value)
        } else {
          yield* client
            .cancelPayment(paymentId, options)
            .pipe(Effect.catchTag("PaymentCannotBeCancelled", () => Effect.void))
        }
        return true
      })
      if (yield* notCleared(paymentId)(clear)) cleared.push(paymentId)
    }
    return cleared
  })
}

// The failures of clearing that are passed on as they are.
type Passed = PaymentJournalError | SaleOutcomeUnrecorded

/**
 * Cancels the active (not yet reserved) payments of a point of sale, as MobilePay prescribes
 * after a 409 with code 1301; a payment the journal has is cancelled through it (and fails with
 * `SaleInProgress` when a live flow holds it). Reserved payments are left to their decisions
 * (see `Recovery.recover`). Returns the ids of the cancelled payments.
 *
 * @since 0.1.0
 * @category flows
 */
export const recoverActivePayment = (
  posId: string,
  options: Pick<FlowOptions, "merchantVat" | "timeout" | "lease"> = {},
): Effect.Effect<ReadonlyArray<string>, PaymentFlowError, PosClient | PaymentJournal> =>
  Effect.flatMap(
    V10.session(options, { field: "customerTimeout", input: "2 minutes" }),
    (session) => clearPointOfSale(session, posId, undefined),
  )

/**
 * The main job of a point of sale: initiate a payment, wait for the customer to accept it
 * (`Reserved`), capture it. The customer cancelling, MobilePay cancelling, expiry, or the
 * timeout (after which the payment is cancelled) end as `NotCompleted`.
 *
 * Ringing up an order again resumes its payment: a captured one answers `Captured` without a
 * second payment, an unfinished one continues where it stands, one that ended without money
 * starts a new payment. Everything is checked before anything is written or sent.
 *
 * @example
 * ```ts
 * import { MobilePay, PaymentFlow, PaymentJournal } from "@effect-mobilepay/pos"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 *
 * const sale = PaymentFlow.payAndCapture({
 *   posId: "pos-1",
 *   orderId: "order-1",
 *   amount: 125.5,
 *   currencyCode: "DKK",
 *   plannedCaptureDelay: "None",
 * }).pipe(
 *   Effect.tap((outcome) =>
 *     outcome._tag === "Captured"
 *       ? Effect.log(`captured ${outcome.amount}`)
 *       : Effect.log(`not paid: ${outcome.status}`),
 *   ),
 * )
 *
 * // The client from MOBILEPAY_* variables; the journal in memory here, in SQL in production
 * // (`SqlPaymentJournal.layer` from `@effect-mobilepay/journal-sql`).
 * const program = sale.pipe(
 *   Effect.provide(Layer.merge(MobilePay.layerConfig(), PaymentJournal.layerMemory)),
 *   Effect.provide(FetchHttpClient.layer),
 * )
 * ```
 *
 * @since 0.1.0
 * @category flows
 */
export const payAndCapture = (
  request: Payment.InitiatePaymentRequest.Encoded,
  options: PayAndCaptureOptions = {},
): Effect.Effect<PaymentOutcome, PaymentFlowError, PosClient | PaymentJournal> =>
  Effect.gen(function* () {
    const checked = yield* decodeInitiate(request)
    const captureAmount = yield* captureAmountOf(checked.amount, options.captureAmount)
    return yield* run({ _tag: "InitiatePayment", request: checked, captureAmount }, options)
  }).pipe(Effect.withSpan("PaymentFlow.payAndCapture", { captureStackTrace: false }))

/**
 * A prepared payment: prepare it before the amount is known, wait for the customer to check
 * in (`Paired`), send the amount (`PaymentReady`), wait for `Reserved`, capture. Journaled and
 * resumable like {@link payAndCapture}.
 *
 * @since 0.1.0
 * @category flows
 */
export const preparedPayment = (
  request: Payment.PreparePaymentRequest.Encoded & Payment.PaymentReadyRequest.Encoded,
  options: PayAndCaptureOptions = {},
): Effect.Effect<PaymentOutcome, PaymentFlowError, PosClient | PaymentJournal> =>
  Effect.gen(function* () {
    const checked = yield* decodePrepared(request)
    const captureAmount = yield* captureAmountOf(checked.amount, options.captureAmount)
    return yield* run({ _tag: "PreparePayment", request: checked, captureAmount }, options)
  }).pipe(Effect.withSpan("PaymentFlow.preparedPayment", { captureStackTrace: false }))

/**
 * Starts a payment and answers as soon as MobilePay has it and the journal has recorded it:
 * the till holds the sale ({@link HeldPayment}) while the customer decides, shows its states,
 * awaits its outcome or cancels it. The sale goes on in the caller's scope, which must stay
 * open until it is finished (closing it interrupts the sale; recovery then finishes it as
 * recorded). Checked, journalled and resumable like {@link payAndCapture}, which is `start`
 * then `await`.
 *
 * @example
 * ```ts
 * import { PaymentFlow } from "@effect-mobilepay/pos"
 * import { Effect, Stream } from "effect"
 *
 * const sale = Effect.scoped(
 *   Effect.gen(function* () {
 *     const held = yield* PaymentFlow.start({
 *       posId: "pos-1",
 *       orderId: "order-1",
 *       amount: 100,
 *       currencyCode: "DKK",
 *       plannedCaptureDelay: "None",
 *     })
 *     yield* Effect.log(`payment ${held.paymentId} sent to the customer`)
 *     yield* Effect.fork(Stream.runForEach(held.states, (state) => Effect.log(state._tag)))
 *     return yield* held.await // or, when the customer walks away: held.cancel
 *   }),
 * )
 * ```
 *
 * @since 0.2.0
 * @category flows
 */
export const start = (
  request: Payment.InitiatePaymentRequest.Encoded,
  options: PayAndCaptureOptions = {},
): Effect.Effect<HeldPayment, PaymentFlowError, PosClient | PaymentJournal | Scope.Scope> =>
  Effect.gen(function* () {
    const checked = yield* decodeInitiate(request)
    const captureAmount = yield* captureAmountOf(checked.amount, options.captureAmount)
    return yield* hold({ _tag: "InitiatePayment", request: checked, captureAmount }, options)
  }).pipe(Effect.withSpan("PaymentFlow.start", { captureStackTrace: false }))

/**
 * A prepared payment, held: answers once it is prepared (before the customer checks in); see
 * {@link start} and {@link preparedPayment}.
 *
 * @since 0.2.0
 * @category flows
 */
export const startPrepared = (
  request: Payment.PreparePaymentRequest.Encoded & Payment.PaymentReadyRequest.Encoded,
  options: PayAndCaptureOptions = {},
): Effect.Effect<HeldPayment, PaymentFlowError, PosClient | PaymentJournal | Scope.Scope> =>
  Effect.gen(function* () {
    const checked = yield* decodePrepared(request)
    const captureAmount = yield* captureAmountOf(checked.amount, options.captureAmount)
    return yield* hold({ _tag: "PreparePayment", request: checked, captureAmount }, options)
  }).pipe(Effect.withSpan("PaymentFlow.startPrepared", { captureStackTrace: false }))

/**
 * An order as the journal and MobilePay have it now: its latest payment entry and, while that
 * is unfinished and MobilePay's id is known, one read of the payment (`view`: its stage and
 * MobilePay's status). `None`: the journal has no payment for the order. For support and
 * reconciliation: the journal's `query` lists entries by state and time.
 *
 * @since 0.2.0
 * @category flows
 */
export const lookup = (
  orderId: string,
  options: Pick<FlowOptions, "merchantVat" | "timeout"> = {},
): Effect.Effect<
  Option.Option<Engine.Looked>,
  PosClientError | PaymentJournalError,
  PosClient | PaymentJournal
> =>
  Effect.flatMap(
    V10.session(options, { field: "customerTimeout", input: "2 minutes" }),
    (session) => Engine.lookup(session.engine, session.merchant, "Payment", orderId),
  )
