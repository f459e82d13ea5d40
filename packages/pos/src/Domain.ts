/**
 * The values every part of the PoS V10 API shares: resource ids, beacon ids, idempotency keys,
 * amounts, currencies, date-times, poll delays and the customer's tokens, as schemas whose
 * decoded side is checked and branded, so that a caller's plain input becomes those values
 * or fails with `InvalidInput` naming the field, before anything is sent. Strict on what is sent, tolerant of what MobilePay returns: answers use
 * {@link tolerant} sets and plain numbers and texts where the contract states no rule.
 *
 * @since 0.1.0
 */
import { Domain as Core } from "@effect-mobilepay/core"
import * as Schema from "effect/Schema"

/**
 * The id of a point of sale (a GUID), assigned by MobilePay on `CreatePos`.
 *
 * @since 0.1.0
 * @category ids
 */
export const PosId = Core.Guid.pipe(Schema.brand("PosId"))
/** @since 0.1.0 */
export type PosId = typeof PosId.Type

/**
 * The id of a payment (a GUID), assigned by MobilePay on `InitiatePayment` or `PreparePayment`.
 *
 * @since 0.1.0
 * @category ids
 */
export const PaymentId = Core.Guid.pipe(Schema.brand("PaymentId"))
/** @since 0.1.0 */
export type PaymentId = typeof PaymentId.Type

/**
 * The id of a refund (a GUID), assigned by MobilePay on `CreateRefund`.
 *
 * @since 0.1.0
 * @category ids
 */
export const RefundId = Core.Guid.pipe(Schema.brand("RefundId"))
/** @since 0.1.0 */
export type RefundId = typeof RefundId.Type

/**
 * The id of a store (a GUID); stores are created by the merchant during onboarding.
 *
 * @since 0.1.0
 * @category ids
 */
export const StoreId = Core.Guid.pipe(Schema.brand("StoreId"))
/** @since 0.1.0 */
export type StoreId = typeof StoreId.Type

const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/**
 * The beacon id a customer checks in on: a GUID, or exactly 15 digits (e.g. white-box QR
 * codes). MobilePay generates one when a PoS is created without it.
 *
 * @since 0.1.0
 * @category ids
 */
export const BeaconId = Schema.String.pipe(
  Schema.filter((s) => guidPattern.test(s) || /^\d{15}$/.test(s), {
    message: () => "a beacon id is a GUID or exactly 15 digits",
    arbitrary: () => (fc) => fc.oneof(fc.uuid(), fc.stringMatching(/^\d{15}$/)),
  }),
  Schema.brand("BeaconId"),
)
/** @since 0.1.0 */
export type BeaconId = typeof BeaconId.Type

/**
 * The `x-mobilepay-idempotency-key` of a create call (1 to 36 valid characters that a header
 * can carry, so not `Š` or `Ž`; a GUID is recommended): the same key on every retry of one logical call, a fresh key for the next.
 *
 * @since 0.1.0
 * @category ids
 */
export const IdempotencyKey = Core.Text36.pipe(
  // Valid text that a header cannot carry (Š, Ž) would fail later, with nothing sent.
  Schema.filter(Core.isHeaderSafe, {
    message: () => "an idempotency key is sent as a header: Latin-1 characters only (no Š, Ž)",
  }),
  Schema.brand("IdempotencyKey"),
)
/** @since 0.1.0 */
export type IdempotencyKey = typeof IdempotencyKey.Type

// Far above any PoS payment, and low enough that amount * 100 stays exact to well under a cent.
const maxAmount = 10_000_000_000

// `true` when `x` is a whole number of cents up to floating-point noise: 0.1 + 0.2 is 30 cents,
// 12.345 and 12.3400001 are not. The noise of a double grows with its size, so the tolerance
// is relative: a few dozen units in the last place of the number of cents.
const isWholeCents = (x: number): boolean => {
  const cents = x * 100
  return Math.abs(cents - Math.round(cents)) <= 64 * Number.EPSILON * Math.max(1, Math.abs(cents))
}

const AmountInput = Schema.Number.pipe(
  Schema.filter((x) => Number.isFinite(x), { message: () => "an amount must be a finite number" }),
  Schema.filter((x) => x > 0, { message: () => "an amount must be positive" }),
  Schema.filter((x) => x <= maxAmount, { message: () => `an amount must be at most ${maxAmount}` }),
  Schema.filter(isWholeCents, { message: () => "an amount has at most 2 decimals" }),
)

const AmountValue = Schema.Number.pipe(
  Schema.filter((x) => x >= 0.01, {
    message: () => "an amount must be at least 0.01",
    // Whole cents, as decoding leaves them.
    arbitrary: () => (fc) => fc.integer({ min: 1, max: maxAmount * 100 }).map((c) => c / 100),
  }),
  Schema.brand("Amount"),
)

/**
 * A monetary amount in the payment's currency: positive, with at most 2 decimals. Decoding
 * rounds away floating-point noise (`0.1 + 0.2` becomes `0.3`), so what is sent is exactly
 * the intended number of cents.
 *
 * @since 0.1.0
 * @category values
 */
export const Amount = Schema.transform(AmountInput, AmountValue, {
  strict: true,
  decode: (x) => Math.round(x * 100) / 100,
  encode: (amount) => amount,
}).annotations({ identifier: "Amount" })
/** @since 0.1.0 */
export type Amount = typeof Amount.Type

/**
 * A value MobilePay sent where the contract lists a fixed set (a status, a currency, a beacon
 * type) but that is not in the set this client knows: kept as sent, branded so that it is
 * never mistaken for a known one. Answers decode with it instead of failing; requests never
 * accept it.
 *
 * @since 0.2.0
 * @category values
 */
export type UnknownValue<B extends string> = Core.UnknownValue<B>

/**
 * The answer side of a fixed set: one of `known`'s literals, or any other string as an
 * {@link UnknownValue} branded `brand`.
 *
 * @since 0.2.0
 * @category values
 */
export const tolerant = Core.tolerant

/**
 * The currencies MobilePay PoS accepts.
 *
 * @since 0.1.0
 * @category values
 */
export const CurrencyCode = Schema.Literal("DKK", "EUR")
/** @since 0.1.0 */
export type CurrencyCode = typeof CurrencyCode.Type

/**
 * The same currency as MobilePay may send it in an answer: {@link CurrencyCode}, or a code
 * the contract does not list yet, kept as {@link UnknownValue} (never refused, so a good call
 * does not fail because MobilePay added a currency).
 *
 * @since 0.2.0
 * @category values
 */
export const ReceivedCurrencyCode = tolerant(CurrencyCode, "UnknownCurrencyCode")
/** @since 0.2.0 */
export type ReceivedCurrencyCode = typeof ReceivedCurrencyCode.Type

/**
 * How long the client must wait before polling the same resource again, in milliseconds, as
 * MobilePay sends it: any number (the contract states no bounds), so a caller clamps it, e.g.
 * `Math.max(minimum, pollDelayInMs)`.
 *
 * @since 0.1.0
 * @category values
 */
export const PollDelayInMs = Schema.Number
/** @since 0.1.0 */
export type PollDelayInMs = typeof PollDelayInMs.Type

/**
 * A date-time as MobilePay sends it: ISO 8601 with an offset (or `Z`) and up to 7 fractional
 * digits of seconds, e.g. `2022-10-17T06:07:45.4847176+00:00`. Decodes to a `DateTime.Utc`
 * (millisecond precision: further digits are dropped); encodes to ISO 8601 in UTC.
 *
 * @since 0.1.0
 * @category values
 */
export const MobilePayDateTime = Core.dateTimeSchema({
  identifier: "MobilePayDateTime",
  expected: "a date-time is ISO 8601 with an offset, e.g. 2022-10-17T06:07:45.4847176+00:00",
})

/**
 * An opaque token identifying the customer to the merchant (loyalty integrations), present
 * once the customer has checked in or accepted.
 *
 * @since 0.1.0
 * @category customer
 */
export const CustomerToken = Schema.String
/** @since 0.1.0 */
export type CustomerToken = typeof CustomerToken.Type

/**
 * The customer's receipt token: absent while MobilePay has not looked it up yet (query again
 * later), an empty string when the customer has none.
 *
 * @since 0.1.0
 * @category customer
 */
export const CustomerReceiptToken = Schema.String
/** @since 0.1.0 */
export type CustomerReceiptToken = typeof CustomerReceiptToken.Type

/**
 * The customer's loyalty ids: absent while MobilePay has not looked them up yet (query again
 * later), empty when the customer is not enrolled in the merchant's loyalty program.
 *
 * @since 0.1.0
 * @category customer
 */
export const LoyaltyIds = Schema.Array(Schema.String)
/** @since 0.1.0 */
export type LoyaltyIds = typeof LoyaltyIds.Type
