/**
 * A whole refund on top of {@link PosClient} and the {@link PaymentJournal}: create it, wait
 * until it is reserved, capture it. Written ahead in the journal like the payment flows, so a
 * crash or a lost answer never makes a second refund or leaves one reserved: running the refund
 * of a refund order id again resumes it, and `Recovery.recover` finishes what a flow could not.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { decodeRequest } from "./internal/decodeRequest.js"
import * as Engine from "@effect-mobilepay/sale/Engine"
import * as V10 from "./internal/v10.js"
import type { Entry, PaymentJournal, PaymentJournalError } from "./PaymentJournal.js"
import type { PollOptions } from "./Polling.js"
import type { PosClient, PosClientError } from "./PosClient.js"
import * as Refund from "./Refund.js"
import type {
  OrderIdReused,
  SaleInProgress,
  SaleOutcomeUnrecorded,
  SaleUnresolved,
} from "./SaleError.js"

/**
 * How a refund ended: `Refunded` (captured, by the client or automatically after 24 h), or
 * `NotRefunded` with the final status.
 *
 * @since 0.1.0
 * @category models
 */
export type RefundOutcome = Data.TaggedEnum<{
  Refunded: { readonly refundId: string; readonly amount: number }
  NotRefunded: {
    readonly refundId: string
    readonly status: "CancelledByClient" | "CancelledByMobilePay"
  }
}>

/**
 * Constructors and matchers of {@link RefundOutcome}.
 *
 * @since 0.1.0
 * @category models
 */
export const RefundOutcome = Data.taggedEnum<RefundOutcome>()

/**
 * Every way a refund flow fails: input refused before anything was written or sent, MobilePay
 * refusing the refund (e.g. `RefundExceedsCapturedAmount`), the refund order being worked on
 * elsewhere or belonging to another refund, a refund that cannot be finished now
 * (`SaleUnresolved`: recovery will), a refund that ended but whose outcome the journal could
 * not record (`SaleOutcomeUnrecorded`, which says whether it was paid out), or the journal
 * failing before anything moved.
 *
 * @since 0.2.0
 * @category errors
 */
export type RefundFlowError =
  | PosClientError
  | SaleInProgress
  | OrderIdReused
  | SaleUnresolved
  | SaleOutcomeUnrecorded
  | PaymentJournalError

/**
 * @since 0.2.0
 * @category options
 */
export interface RefundOptions extends PollOptions {
  /**
   * How long to wait for MobilePay to reserve the refund. Past it the flow fails with
   * `SaleUnresolved`; recovery captures the refund once it is reserved.
   * @default "1 minute"
   */
  readonly reservationTimeout?: Duration.DurationInput | undefined
  /**
   * How long the flow's hold on its journal entry lasts without renewal.
   * @default "15 seconds"
   */
  readonly lease?: Duration.DurationInput | undefined
}

const decodeRefund = decodeRequest(Refund.CreateRefundRequest, "request")

const toOutcome = (entry: Entry, planned: number): Effect.Effect<RefundOutcome> => {
  const refundId = Option.getOrElse(entry.resourceId, () => "")
  const outcome = Option.getOrUndefined(entry.outcome)
  if (outcome?._tag === "Final") {
    if (outcome.status === "Captured" || outcome.status === "ExpiredAndCaptured") {
      const amount = outcome.amount ?? planned
      return Effect.succeed(RefundOutcome.Refunded({ refundId, amount }))
    }
    if (outcome.status === "CancelledByClient" || outcome.status === "CancelledByMobilePay") {
      return Effect.succeed(RefundOutcome.NotRefunded({ refundId, status: outcome.status }))
    }
  }
  return Effect.dieMessage(`journal entry ${entry.key} ended ${JSON.stringify(outcome)}`)
}

/**
 * Refunds (part of) a captured payment: `CreateRefund`, wait for `Reserved`, `CaptureRefund`.
 * MobilePay's refusals arrive typed (`PaymentNotCaptured` 1354, `RefundCurrencyMismatch`
 * 1365, `RefundPeriodExpired` 1366, `RefundExceedsCapturedAmount` 1367,
 * `InsufficientStoreBalance` 1368). The refund order id identifies the refund: running it again
 * answers with the refund already made (or resumes it), never a second one.
 *
 * @example
 * ```ts
 * import { RefundFlow } from "@effect-mobilepay/pos"
 * import { Effect } from "effect"
 *
 * // The refund order id is the refund's identity: running this again never refunds twice.
 * const refund = RefundFlow.refund({
 *   paymentId: "186d2b31-ff25-4414-9fd1-bfe9807fa8b7",
 *   refundOrderId: "order-1-refund-1",
 *   amount: 25.5,
 *   currencyCode: "DKK",
 * }).pipe(
 *   Effect.tap((outcome) =>
 *     outcome._tag === "Refunded"
 *       ? Effect.log(`refunded ${outcome.amount}`)
 *       : Effect.log(`not refunded: ${outcome.status}`),
 *   ),
 * )
 * ```
 *
 * @since 0.1.0
 * @category flows
 */
export const refund = (
  request: Refund.CreateRefundRequest.Encoded,
  options: RefundOptions = {},
): Effect.Effect<RefundOutcome, RefundFlowError, PosClient | PaymentJournal> =>
  Effect.gen(function* () {
    const checked = yield* decodeRefund(request)
    const session = yield* V10.session(options, {
      field: "reservationTimeout",
      input: options.reservationTimeout ?? "1 minute",
    })
    const plan = { _tag: "CreateRefund", request: checked } as const
    const entry = yield* Engine.run(session, checked.refundOrderId, plan, Effect.fail).pipe(
      // A refund is decided (paid out in full) when it is opened: the engine's partial-capture
      // check, made when a payment is decided, never runs for one.
      Effect.catchTag("PartialCaptureUnavailable", (error) => Effect.die(error)),
    )
    return yield* toOutcome(entry, checked.amount)
  }).pipe(Effect.withSpan("RefundFlow.refund", { captureStackTrace: false }))
