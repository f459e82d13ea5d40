/**
 * The formats MobilePay requires of the values a client sends, as branded schemas: a value of
 * one of these types has been checked, so it can be sent as it is.
 *
 * @since 0.1.0
 */
import type * as Brand from "effect/Brand"
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * A merchant's VAT number: `DK` or `FI` followed by exactly 8 digits, e.g. `DK12345678`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MerchantVat = Schema.String.pipe(
  Schema.pattern(/^(DK|FI)\d{8}$/, {
    message: () => "a VAT number is DK or FI followed by exactly 8 digits",
  }),
  Schema.brand("MerchantVat"),
)
/** @since 0.1.0 */
export type MerchantVat = typeof MerchantVat.Type

// C0 controls and DEL: they would corrupt a header or the Basic credentials.
const hasControlCharacter = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i)
    if (code < 0x20 || code === 0x7f) return true
  }
  return false
}

/**
 * `true` when `text` can be sent as an HTTP header value as it is: no control characters, and
 * every character within Latin-1 (HTTP clients refuse anything beyond, e.g. `Š` or `Ž`, before
 * a request leaves the process).
 *
 * @since 0.2.0
 * @category validation
 */
export const isHeaderSafe = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code > 0xff) return false
  }
  return true
}

/**
 * An integrator client id as MobilePay issues it (a GUID in practice): not empty, no `:` (it
 * separates id and secret in the Basic credentials) and no control characters.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ClientId = Schema.String.pipe(
  Schema.nonEmptyString({ message: () => "a client id must not be empty" }),
  Schema.filter((s) => !s.includes(":"), { message: () => "a client id must not contain ':'" }),
  Schema.filter((s) => !hasControlCharacter(s), {
    message: () => "a client id must not contain control characters",
  }),
  Schema.filter(isHeaderSafe, {
    message: () => "a client id is sent as a header: Latin-1 characters only",
  }),
  Schema.brand("ClientId"),
)
/** @since 0.1.0 */
export type ClientId = typeof ClientId.Type

/**
 * The integrator's certified system version, `Major.Minor.Build` (three non-negative
 * integers), sent as `x-mobilepay-client-system-version` on every PoS call.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ClientSystemVersion = Schema.String.pipe(
  Schema.pattern(/^\d+\.\d+\.\d+$/, {
    message: () => "a client system version is Major.Minor.Build, e.g. 2.1.1",
  }),
  Schema.brand("ClientSystemVersion"),
)
/** @since 0.1.0 */
export type ClientSystemVersion = typeof ClientSystemVersion.Type

/**
 * The characters MobilePay accepts in free-text fields: digits, ASCII letters, the Danish,
 * Finnish and Western European letters, space, and a fixed set of punctuation.
 *
 * @since 0.1.0
 * @category validation
 */
export const validCharacters: ReadonlySet<string> = new Set([
  ..."0123456789",
  ..."abcdefghijklmnopqrstuvwxyz",
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  ..."æøåÆØÅäöÄÖšžŠŽñÑÿýÝ",
  ..."àáâãèéêëìíîïòóôõùúûüÀÁÂÃÈÉÊËÌÍÎÏÒÓÔÕÙÚÛÜ",
  " ",
  ...`!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~¦¯¨´×«»ðþçß¤ÇµÐÞ±°ªº©§¶¼½¾¬®¢£¥¡¿¹²³`,
])

/**
 * `true` when every character of `text` is in {@link validCharacters}.
 *
 * @since 0.1.0
 * @category validation
 */
export const isValidText = (text: string): boolean => {
  for (const c of text) if (!validCharacters.has(c)) return false
  return true
}

/**
 * A MobilePay free-text field (order id, merchantPosId, PoS name, payment label, callback
 * alias, idempotency key): 1 to 36 characters, all of them valid.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Text36 = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must not be empty" }),
  Schema.maxLength(36, { message: () => "must be at most 36 characters long" }),
  Schema.filter(isValidText, {
    message: () => "contains a character outside MobilePay's valid character set",
  }),
).annotations({
  // For property tests: any valid text, Nordic letters and punctuation included.
  arbitrary: () => (fc) =>
    fc.string({ unit: fc.constantFrom(...validCharacters), minLength: 1, maxLength: 36 }),
})

/**
 * A GUID in its canonical textual form (the format of MobilePay's resource ids).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Guid = Schema.String.pipe(
  Schema.pattern(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    message: () => "must be a GUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6",
  }),
)

/**
 * A Vipps MobilePay sales unit's Merchant Serial Number (MSN): a string of 4 to 10 digits.
 * The published bounds disagree (4–6, 4–7, a 4–10 digit pattern); this accepts the widest, so
 * that the client is never stricter than the server.
 *
 * @since 0.2.0
 * @category schemas
 */
export const MerchantSerialNumber = Schema.String.pipe(
  Schema.pattern(/^\d{4,10}$/, {
    message: () => "a Merchant Serial Number (MSN) is 4 to 10 digits",
  }),
  Schema.brand("MerchantSerialNumber"),
)
/** @since 0.2.0 */
export type MerchantSerialNumber = typeof MerchantSerialNumber.Type

// .NET writes up to 7 fractional digits (`2022-10-17T06:07:45.4847176+00:00`); the fraction is
// cut to milliseconds. RFC 3339 also allows `t` and `z` in lower case, offsets up to ±23:59
// and a leap second (:60, read as :59). Computed from the fields, without parsing the text
// again (`Date.parse` would roll 2023-02-30 over to March): every polled payment has one.
const rfc3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt]([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)(?:\.(\d{1,9}))?(?:[Zz]|([+-])([01]\d|2[0-3]):([0-5]\d))$/

const isLeapYear = (year: number): boolean =>
  (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? isLeapYear(year)
      ? 29
      : 28
    : month === 4 || month === 6 || month === 9 || month === 11
      ? 30
      : 31

// Date.UTC reads years 0-99 as 1900-1999; 400 Gregorian years later the calendar is the same.
const gregorianCycleMillis = 146_097 * 86_400_000

/**
 * `text` as a UTC date-time, or none when it is not an RFC 3339 date-time (with `Z` or an
 * offset, up to 9 fractional digits) that the calendar has.
 *
 * @since 0.2.0
 * @category date-times
 */
export const parseDateTime = (text: string): Option.Option<DateTime.Utc> => {
  const match = rfc3339.exec(text)
  if (match === null) return Option.none()
  const [, y, mo, d, h, mi, s, fraction = "", sign, offsetHours, offsetMinutes] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  // A month or a day the calendar does not have (2022-02-30) is refused, not rolled over.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Option.none()
  const seconds = s === "60" ? 59 : Number(s)
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3))
  const offset =
    sign === undefined
      ? 0
      : (sign === "-" ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes))
  const epochMillis =
    Date.UTC(year + 400, month - 1, day, Number(h), Number(mi), seconds, millis) -
    gregorianCycleMillis -
    offset * 60_000
  return Option.some(DateTime.unsafeMake(epochMillis))
}

/**
 * A schema of date-times as the platforms write them ({@link parseDateTime}): decodes to a
 * `DateTime.Utc` (millisecond precision: further digits are dropped), encodes to ISO 8601 in
 * UTC. `identifier` names it; `expected` is what a refused text is told, with an example in
 * the API's own style.
 *
 * @since 0.2.0
 * @category date-times
 */
export const dateTimeSchema = (options: {
  readonly identifier: string
  readonly expected: string
}): Schema.transformOrFail<typeof Schema.String, typeof Schema.DateTimeUtcFromSelf> =>
  Schema.transformOrFail(Schema.String, Schema.DateTimeUtcFromSelf, {
    strict: true,
    decode: (text, _, ast) =>
      Option.match(parseDateTime(text), {
        onNone: () => ParseResult.fail(new ParseResult.Type(ast, text, options.expected)),
        onSome: ParseResult.succeed,
      }),
    encode: (utc) => ParseResult.succeed(DateTime.formatIso(utc)),
  }).annotations({
    identifier: options.identifier,
    // Four-digit years, as RFC 3339 writes them.
    arbitrary: () => (fc) =>
      fc
        .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z") })
        .filter((date) => !Number.isNaN(date.getTime()))
        .map((date) => DateTime.unsafeFromDate(date)),
  })

/**
 * A value a platform sent where its contract lists a fixed set (a status, a currency, an event
 * name) but that the client does not know: kept as sent, branded so that it is never mistaken
 * for a known one. Answers decode with it instead of failing; requests never accept it.
 *
 * @since 0.2.0
 * @category answers
 */
export type UnknownValue<B extends string> = string & Brand.Brand<B>

/**
 * The answer side of a fixed set: one of `known`'s literals, or any other string as an
 * {@link UnknownValue} branded `brand`.
 *
 * @since 0.2.0
 * @category answers
 */
export const tolerant = <Literals extends readonly [string, ...Array<string>], B extends string>(
  known: Schema.Literal<Literals>,
  brand: B,
) => {
  const knownValues: ReadonlySet<string> = new Set(known.literals)
  return Schema.Union(
    known,
    Schema.String.pipe(
      Schema.filter((s) => !knownValues.has(s)),
      Schema.brand(brand),
    ),
  )
}
