/**
 * A whole refund on top of {@link PosClient}: create it, wait until it is reserved, capture it.
 *
 * @since 0.1.0
 */
import { Data, Duration, Effect } from "effect"
import { awaitRefund } from "./Polling.js"
import { type CreateOptions, PosClient } from "./PosClient.js"
import type * as Refund from "./Refund.js"

/**
 * How a refund ended: `Refunded` (captured, by the client or automatically after 24 h), or
 * `NotRefunded` with the final status.
 *
 * @since 0.1.0
 * @category models
 */
export type RefundOutcome = Data.TaggedEnum<{
  Refunded: { readonly refundId: string; readonly amount: number }
  NotRefunded: { readonly refundId: string; readonly status: Refund.RefundStatus }
}>

/**
 * Constructors and matchers of {@link RefundOutcome}.
 *
 * @since 0.1.0
 * @category models
 */
export const RefundOutcome = Data.taggedEnum<RefundOutcome>()

/**
 * Refunds (part of) a captured payment: `CreateRefund`, wait for `Reserved`, `CaptureRefund`.
 * MobilePay's refusals arrive typed (`PaymentNotCaptured` 1354, `RefundCurrencyMismatch`
 * 1365, `RefundPeriodExpired` 1366, `RefundExceedsCapturedAmount` 1367,
 * `InsufficientStoreBalance` 1368).
 *
 * @since 0.1.0
 * @category flows
 */
export const refund = (
  request: Refund.CreateRefundRequest.Encoded,
  options: CreateOptions & {
    /**
     * How long to wait for MobilePay to reserve the refund.
     * @default "1 minute"
     */
    readonly reservationTimeout?: Duration.DurationInput | undefined
  } = {},
) =>
  Effect.gen(function* () {
    const client = yield* PosClient
    const { refundId } = yield* client.createRefund(request, options)
    const reserved = yield* awaitRefund(refundId, ["Reserved"], {
      ...options,
      within: options.reservationTimeout ?? Duration.minutes(1),
    })
    if (reserved.status === "Reserved") {
      yield* client.captureRefund(refundId, options)
      return RefundOutcome.Refunded({ refundId, amount: reserved.amount })
    }
    return reserved.status === "Captured" || reserved.status === "ExpiredAndCaptured"
      ? RefundOutcome.Refunded({ refundId, amount: reserved.amount })
      : RefundOutcome.NotRefunded({ refundId, status: reserved.status })
  }).pipe(Effect.withSpan("RefundFlow.refund"))
