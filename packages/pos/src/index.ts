/**
 * `@effect-mobilepay/pos`: the PoS V10 client, polling and payment/refund flows.
 *
 * @since 0.1.0
 */

/**
 * The values every part of the PoS V10 API shares.
 *
 * @since 0.1.0
 */
export * as Domain from "./Domain.js"
/**
 * The per-attempt deadline of a call, and the seam for a transport that enforces it. It lives
 * in `@effect-mobilepay/core` now (every client's calls honour it); this is the same module,
 * kept here so that existing imports keep working.
 *
 * @since 0.2.0
 */
export * as HttpDeadline from "@effect-mobilepay/core/HttpDeadline"

/**
 * The one-layer setup: `PosClient` and `TokenService` over any `HttpClient`.
 *
 * @since 0.1.0
 */
export * as MobilePay from "./MobilePay.js"

/**
 * Payments: the request and response schemas of the payment operations.
 *
 * @since 0.1.0
 */
export * as Payment from "./Payment.js"

/**
 * Whole payments on top of `PosClient` and the journal: pay and capture, prepared payments,
 * clearing a busy point of sale.
 *
 * @since 0.1.0
 */
export * as PaymentFlow from "./PaymentFlow.js"

/**
 * The payment journal the flows write ahead in, so money is never lost or doubled.
 *
 * @since 0.2.0
 */
export * as PaymentJournal from "./PaymentJournal.js"

/**
 * Points of sale: the request and response schemas of the point-of-sale operations.
 *
 * @since 0.1.0
 */
export * as PointOfSale from "./PointOfSale.js"

/**
 * Making sure a point of sale exists, as a client must after every restart.
 *
 * @since 0.1.0
 */
export * as PointOfSaleFlow from "./PointOfSaleFlow.js"

/**
 * Polling as `Stream`s that honour MobilePay's `pollDelayInMs`.
 *
 * @since 0.1.0
 */
export * as Polling from "./Polling.js"

/**
 * The PoS V10 client: one method per operation, each a typed Effect.
 *
 * @since 0.1.0
 */
export * as PosClient from "./PosClient.js"

/**
 * The till on PoS V10: the `Till` service of `@effect-mobilepay/sale` as a layer.
 *
 * @since 0.2.0
 */
export * as PosTill from "./PosTill.js"

/**
 * The ways a PoS V10 call fails, as tagged errors a caller can `catchTag`.
 *
 * @since 0.1.0
 */
export * as PosError from "./PosError.js"

/**
 * Recovery: drives every unfinished journal entry to its decided end.
 *
 * @since 0.2.0
 */
export * as Recovery from "./Recovery.js"

/**
 * Refunds: the request and response schemas of the refund operations.
 *
 * @since 0.1.0
 */
export * as Refund from "./Refund.js"

/**
 * A whole refund on top of `PosClient` and the journal.
 *
 * @since 0.1.0
 */
export * as RefundFlow from "./RefundFlow.js"

/**
 * How a journaled flow fails besides MobilePay refusing it.
 *
 * @since 0.2.0
 */
export * as SaleError from "./SaleError.js"

/**
 * Stores, which merchants create during onboarding.
 *
 * @since 0.1.0
 */
export * as Store from "./Store.js"

/**
 * The sandbox's user simulation (`/pos/app/usersimulation`).
 *
 * @since 0.1.0
 */
export * as UserSimulation from "./UserSimulation.js"
