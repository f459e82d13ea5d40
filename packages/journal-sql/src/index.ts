/**
 * `@effect-mobilepay/journal-sql`: the payment journal in SQLite or PostgreSQL, through
 * `@effect/sql`.
 *
 * @since 0.2.0
 */
export * as SqlPaymentJournal from "./SqlPaymentJournal.js"
