/**
 * The values every part of the Vipps MobilePay ePayment API shares, as schemas whose decoded
 * side is checked and branded: a value of one of these types can be sent as it is. Strict on
 * what is sent; answers use the `Received*` forms, which keep values the contract does not
 * list (a new currency, state or event name) instead of failing.
 *
 * @since 0.2.0
 */
import * as CoreDomain from "@effect-mobilepay/core/Domain"
import * as Schema from "effect/Schema"

/**
 * A payment's `reference`: chosen by the merchant, its id in every path, unique per sales unit.
 * 8 to 64 of `A-Z`, `a-z`, `0-9` and `-` (the live rule since January 2025; the published
 * contract still says 8–50, and the server accepts the longer ones).
 *
 * @since 0.2.0
 * @category ids
 */
export const Reference = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9-]{8,64}$/, {
    message: () => "a reference is 8 to 64 characters of A-Z, a-z, 0-9 and -",
  }),
  Schema.brand("Reference"),
)
/** @since 0.2.0 */
export type Reference = typeof Reference.Type

/**
 * The `Idempotency-Key` of a create, capture, refund or cancel: 1 to 50 of `A-Z`, `a-z`, `0-9`
 * and `-` (a UUID fits). Only the length is published; the character set is the safe reading
 * the docs suggest (open question "idempotency semantics"). One key per logical operation,
 * the same key on every retry of it.
 *
 * @since 0.2.0
 * @category ids
 */
export const IdempotencyKey = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9-]{1,50}$/, {
    message: () => "an idempotency key is 1 to 50 characters of A-Z, a-z, 0-9 and - (a UUID fits)",
  }),
  Schema.brand("IdempotencyKey"),
)
/** @since 0.2.0 */
export type IdempotencyKey = typeof IdempotencyKey.Type

/**
 * A value the server sent where the contract lists a fixed set (a state, a currency, an event
 * name), but that this client does not know: kept as sent, branded so that it is never
 * mistaken for a known one. Answers decode with it instead of failing; requests never accept it.
 *
 * @since 0.2.0
 * @category values
 */
export type UnknownValue<B extends string> = CoreDomain.UnknownValue<B>

/**
 * The answer side of a fixed set: one of `known`'s literals, or any other string as an
 * {@link UnknownValue} branded `brand`.
 *
 * @since 0.2.0
 * @category values
 */
export const tolerant = CoreDomain.tolerant

/**
 * The currencies of the platform. A payment's currency must be its sales unit's (DK: DKK,
 * FI: EUR, NO: NOK; the server answers `5040` otherwise).
 *
 * @since 0.2.0
 * @category amounts
 */
export const Currency = Schema.Literal("NOK", "DKK", "EUR")
/** @since 0.2.0 */
export type Currency = typeof Currency.Type

/**
 * A currency as an answer may carry it: {@link Currency}, or one added since, kept as sent.
 *
 * @since 0.2.0
 * @category amounts
 */
export const ReceivedCurrency = tolerant(Currency, "UnknownCurrency")
/** @since 0.2.0 */
export type ReceivedCurrency = typeof ReceivedCurrency.Type

/**
 * An amount in minor units (øre, cents): a whole number, 0 or more (12.50 DKK is `1250`). The
 * contract's ceiling (65 000 000) is left to the server (open question "identifier bounds").
 *
 * @since 0.2.0
 * @category amounts
 */
export const MinorUnits = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) && n >= 0, {
    message: () => "an amount is a whole number of minor units (12.50 is 1250), 0 or more",
    arbitrary: () => (fc) => fc.integer({ min: 0, max: 65_000_000 }),
  }),
)

/**
 * `{ currency, value }`: an amount in minor units with its currency.
 *
 * @since 0.2.0
 * @category amounts
 */
export const Amount = Schema.Struct({ currency: Currency, value: MinorUnits }).annotations({
  identifier: "Amount",
})
/** @since 0.2.0 */
export type Amount = typeof Amount.Type

/**
 * The least a payment may be, per currency, in minor units (`6010` "Amount too small"
 * otherwise): NOK 1.00, DKK 0.01, EUR 0.01.
 *
 * @since 0.2.0
 * @category amounts
 */
export const minimumPaymentAmount: Readonly<Record<Currency, number>> = {
  NOK: 100,
  DKK: 1,
  EUR: 1,
}

/**
 * The amount of a payment: an {@link Amount} of at least its currency's
 * {@link minimumPaymentAmount}.
 *
 * @since 0.2.0
 * @category amounts
 */
export const PaymentAmount = Amount.pipe(
  Schema.filter(
    (amount) =>
      amount.value >= minimumPaymentAmount[amount.currency] || {
        path: ["value"],
        message: `a payment in ${amount.currency} is at least ${minimumPaymentAmount[amount.currency]} minor units`,
      },
    {
      arbitrary: () => (fc) =>
        fc
          .constantFrom(...Currency.literals)
          .chain((currency) =>
            fc
              .integer({ min: minimumPaymentAmount[currency], max: 65_000_000 })
              .map((value) => ({ currency, value })),
          ),
    },
  ),
).annotations({ identifier: "PaymentAmount" })
/** @since 0.2.0 */
export type PaymentAmount = typeof PaymentAmount.Type

/**
 * The amount of a capture or refund: an {@link Amount} above 0, in the payment's currency.
 *
 * @since 0.2.0
 * @category amounts
 */
export const ModificationAmount = Amount.pipe(
  Schema.filter((amount) => amount.value > 0 || { path: ["value"], message: "must be above 0" }, {
    arbitrary: () => (fc) =>
      fc.record({
        currency: fc.constantFrom(...Currency.literals),
        value: fc.integer({ min: 1, max: 65_000_000 }),
      }),
  }),
).annotations({ identifier: "ModificationAmount" })
/** @since 0.2.0 */
export type ModificationAmount = typeof ModificationAmount.Type

/**
 * An amount as an answer carries it: any number, any currency (kept as sent).
 *
 * @since 0.2.0
 * @category amounts
 */
export const ReceivedAmount = Schema.Struct({
  currency: ReceivedCurrency,
  value: Schema.Number,
}).annotations({ identifier: "ReceivedAmount" })
/** @since 0.2.0 */
export type ReceivedAmount = typeof ReceivedAmount.Type

/**
 * A customer's phone number as MSISDN: country code and subscriber number, digits only, 10 to
 * 15 of them (`4512345678`; no `+`, no `00`, no spaces).
 *
 * @since 0.2.0
 * @category customer
 */
export const PhoneNumber = Schema.String.pipe(
  Schema.pattern(/^\d{10,15}$/, {
    message: () => "a phone number is 10 to 15 digits: country code and number, no + or spaces",
  }),
  Schema.brand("PhoneNumber"),
)
/** @since 0.2.0 */
export type PhoneNumber = typeof PhoneNumber.Type

/**
 * The complete content of a customer's scanned personal QR, 5 to 255 characters, passed
 * through untouched: its format changes without notice, so it is never parsed.
 *
 * @since 0.2.0
 * @category customer
 */
export const PersonalQr = Schema.String.pipe(
  Schema.minLength(5, {
    message: () => "a personal QR is the complete scanned content, 5 to 255 characters",
  }),
  Schema.maxLength(255, {
    message: () => "a personal QR is the complete scanned content, 5 to 255 characters",
  }),
  Schema.brand("PersonalQr"),
)
/** @since 0.2.0 */
export type PersonalQr = typeof PersonalQr.Type

/**
 * The opaque `customerToken` of a `user.checked-in.v1` event (valid 15 minutes), passed through
 * untouched.
 *
 * @since 0.2.0
 * @category customer
 */
export const CustomerToken = Schema.String.pipe(
  Schema.nonEmptyString({ message: () => "a customer token must not be empty" }),
  Schema.brand("CustomerToken"),
)
/** @since 0.2.0 */
export type CustomerToken = typeof CustomerToken.Type

/**
 * The text shown to the customer in the app, and in the portal and settlement files: 3 to 100
 * characters.
 *
 * @since 0.2.0
 * @category values
 */
export const PaymentDescription = Schema.String.pipe(
  Schema.minLength(3, { message: () => "a payment description is 3 to 100 characters" }),
  Schema.maxLength(100, { message: () => "a payment description is 3 to 100 characters" }),
  Schema.brand("PaymentDescription"),
)
/** @since 0.2.0 */
export type PaymentDescription = typeof PaymentDescription.Type

const customScheme = /^[a-z][a-z0-9+.-]*:/i

/**
 * A URL the app opens (`returnUrl`, `receiptUrl`): `https://`, or a custom scheme of the
 * merchant's app (`myapp://…`); plain `http` is refused by the server (`4090`).
 *
 * @since 0.2.0
 * @category values
 */
export const AppUrl = Schema.String.pipe(
  Schema.filter(
    (url) =>
      (customScheme.test(url) && !/^http:/i.test(url) && URL.canParse(url) && !/\s/.test(url)) ||
      "a URL here is https:// or a custom scheme (myapp://…), with no spaces",
    {
      arbitrary: () => (fc) =>
        fc.oneof(
          fc.webUrl({ validSchemes: ["https"] }),
          fc
            .stringMatching(/^[a-z]{3,8}:\/\/[a-z0-9/]{1,20}$/)
            .filter((u) => !u.startsWith("http:")),
        ),
    },
  ),
  Schema.brand("AppUrl"),
)
/** @since 0.2.0 */
export type AppUrl = typeof AppUrl.Type

/**
 * Up to 5 key–value pairs kept with the payment and returned by get: keys 1 to 100 characters,
 * values at most 500. Not for personal data.
 *
 * @since 0.2.0
 * @category values
 */
export const Metadata = Schema.Record({
  key: Schema.String.pipe(
    Schema.minLength(1, { message: () => "a metadata key must not be empty" }),
    Schema.maxLength(100, { message: () => "a metadata key is at most 100 characters" }),
    // A record built from it would take this key as its prototype, dropping the pair.
    Schema.filter((key) => key !== "__proto__", {
      message: () => "a metadata key must not be __proto__",
    }),
  ),
  value: Schema.String.pipe(
    Schema.maxLength(500, { message: () => "a metadata value is at most 500 characters" }),
  ),
}).pipe(
  Schema.filter((pairs) => Object.keys(pairs).length <= 5 || "at most 5 metadata pairs", {
    arbitrary: () => (fc) =>
      fc.dictionary(
        fc.string({ minLength: 1, maxLength: 100 }).filter((key) => key !== "__proto__"),
        fc.string({ maxLength: 500 }),
        {
          maxKeys: 5,
        },
      ),
  }),
)
/** @since 0.2.0 */
export type Metadata = typeof Metadata.Type

/**
 * The youngest a customer may be to pay, 0 to 100 years. A younger customer fails like an
 * unknown one (`7010`).
 *
 * @since 0.2.0
 * @category values
 */
export const MinimumUserAge = Schema.Int.pipe(
  Schema.between(0, 100, { message: () => "a minimum age is a whole number from 0 to 100" }),
)

/**
 * The profile data asked of the customer (`profile.scope`): space-separated names such as
 * `name phoneNumber` (`name`, `address`, `email`, `phoneNumber`, `birthDate`, `nin`). Names
 * are not checked against that list, so that one the platform adds can be sent.
 *
 * @since 0.2.0
 * @category values
 */
export const ProfileScope = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z][A-Za-z.]*(?: [A-Za-z][A-Za-z.]*)*$/, {
    message: () => "a scope is names separated by single spaces, e.g. name phoneNumber",
  }),
)

/**
 * The platform's own reference of a payment or of one of its events: opaque (some look
 * numeric, some are UUIDs).
 *
 * @since 0.2.0
 * @category ids
 */
export const PspReference = Schema.String

/**
 * An RFC 3339 date-time as the platform writes it, with up to 7 (any up to 9) fractional
 * digits and `Z` or an offset, e.g. `2023-03-27T10:51:44.5333258Z`. Decodes to a
 * `DateTime.Utc` (millisecond precision); encodes to ISO 8601 in UTC.
 *
 * @since 0.2.0
 * @category values
 */
export const EPaymentDateTime = CoreDomain.dateTimeSchema({
  identifier: "EPaymentDateTime",
  expected: "a date-time is RFC 3339, e.g. 2023-03-27T10:51:44Z",
})
