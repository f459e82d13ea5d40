/**
 * `@effect-mobilepay/sale`: the sale engine and payment journal shared by PoS V10 and ePayment.
 *
 * @since 0.2.0
 */
/**
 * The sale engine: open (or resume) a journal entry, hold its lease, drive it to its outcome,
 * over any platform's {@link SaleBackend}.
 *
 * @since 0.2.0
 */
export * as Engine from "./Engine.js"
/**
 * The payment journal: a write-ahead record of every payment and refund, shared by PoS V10 and
 * ePayment.
 *
 * @since 0.2.0
 */
export * as PaymentJournal from "./PaymentJournal.js"
/**
 * What the engine needs of a payment platform.
 *
 * @since 0.2.0
 */
export * as SaleBackend from "./SaleBackend.js"
/**
 * How a journaled sale fails besides the platform refusing it.
 *
 * @since 0.2.0
 */
export * as SaleError from "./SaleError.js"
/**
 * Recovery: finishes every unfinished journal entry, of every platform it is given.
 *
 * @since 0.2.0
 */
export * as Recovery from "./Recovery.js"
/**
 * The till: one service for a till program, on PoS V10 or on ePayment by a layer.
 *
 * @since 0.2.0
 */
export * as Till from "./Till.js"
