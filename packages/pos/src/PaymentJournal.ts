/**
 * The payment journal the flows write to. The journal itself (entries, decisions, outcomes,
 * leases, the in-memory journal) is `@effect-mobilepay/sale`'s, shared with ePayment, and
 * re-exported here; what is V10's own is the {@link Plan} of its entries (`backend: "PosV10"`).
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { Amount } from "./Domain.js"
import * as Payment from "./Payment.js"
import * as Refund from "./Refund.js"

export {
  /** @since 0.2.0 */
  Decision,
  /** @since 0.2.0 */
  Entry,
  /** @since 0.2.0 */
  type EntryFilter,
  /** @since 0.2.0 */
  EntryKind,
  /** @since 0.2.0 */
  layerMemory,
  /** @since 0.2.0 */
  makeMemory,
  /** @since 0.2.0 */
  Outcome,
  /** @since 0.2.0 */
  PaymentJournal,
  /** @since 0.2.0 */
  PaymentJournalError,
} from "@effect-mobilepay/sale/PaymentJournal"

/**
 * The name of V10's backend in the journal: every entry V10 flows write has it.
 *
 * @since 0.2.0
 * @category models
 */
export const backend = "PosV10"

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
