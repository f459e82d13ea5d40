/**
 * MobilePay's input formats (pos-v10 reference §9) as Schemas, and the request bodies built
 * from them. Which error code a bad field earns is decided by the field's name, in
 * `fieldCodes`, so the body schemas stay plain.
 */
import { Either, ParseResult, Schema } from "effect"

// Digits, letters, Nordic and Western European letters, space and the listed punctuation.
const validCharacters = new Set(
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" +
    "æøåÆØÅäöÄÖšžŠŽñÑÿýÝ" +
    "áàâãéèêëíìîïóòôõúùûüÁÀÂÃÉÈÊËÍÌÎÏÓÒÔÕÚÙÛÜ" +
    " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¦¯¨´×«»ðþçß¤ÇµÐÞ±°ªº©§¶¼½¾¬®¢£¥¡¿¹²³",
)

export const isValidText = (text: string, maxLength = 36): boolean =>
  text.length > 0 && text.length <= maxLength && [...text].every((c) => validCharacters.has(c))

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const isGuid = (text: string): boolean => guidPattern.test(text)
export const isBeaconId = (text: string): boolean => isGuid(text) || /^\d{15}$/.test(text)
export const isVat = (text: string): boolean => /^(DK|FI)\d{8}$/.test(text)
export const isClientSystemVersion = (text: string): boolean => /^\d+\.\d+\.\d+$/.test(text)
export const isMerchantBrandId = (text: string): boolean =>
  /^(MPPOS|POSDK|POSFI)[0-9A-Za-z]{5}$/.test(text)
export const isMerchantLocationId = (text: string): boolean => /^[0-9A-Za-z]{5}$/.test(text)
// Positive with at most two decimals; compared in cents to dodge binary fractions.
export const isAmount = (amount: number): boolean =>
  Number.isFinite(amount) &&
  amount > 0 &&
  amount < 1e12 &&
  Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6

export const toCents = (amount: number): number => Math.round(amount * 100)

const Text36 = Schema.String.pipe(Schema.filter((s) => isValidText(s) || "invalid text"))
const Guid = Schema.String.pipe(Schema.filter((s) => isGuid(s) || "not a GUID"))
const BeaconId = Schema.String.pipe(
  Schema.filter((s) => isBeaconId(s) || "not a GUID or 15 digits"),
)
const Amount = Schema.Number.pipe(
  Schema.filter((n) => isAmount(n) || "not a positive amount with at most 2 decimals"),
)
const CurrencyCode = Schema.Literal("DKK", "EUR")
const PlannedCaptureDelay = Schema.Literal("None", "LessThan24Hours", "LessThan14Days")
const Restrictions = Schema.Struct({
  debitCardDisallowed: Schema.optional(Schema.NullOr(Schema.Boolean)),
  creditCardDisallowed: Schema.optional(Schema.NullOr(Schema.Boolean)),
})

export const CreatePosBody = Schema.Struct({
  merchantPosId: Text36,
  storeId: Guid,
  name: Text36,
  beaconId: Schema.optional(Schema.NullOr(BeaconId)),
  callbackAlias: Schema.optional(Schema.NullOr(Text36)),
  supportedBeaconTypes: Schema.Array(Schema.Literal("QR", "NFC", "Bluetooth")).pipe(
    Schema.filter((types) => new Set(types).size === types.length || "duplicate beacon types"),
  ),
  requirePaymentBeforeCheckin: Schema.optional(Schema.NullOr(Schema.Boolean)),
})

export const InitiatePaymentBody = Schema.Struct({
  posId: Guid,
  orderId: Text36,
  amount: Amount,
  currencyCode: CurrencyCode,
  restrictions: Schema.optional(Schema.NullOr(Restrictions)),
  merchantPaymentLabel: Schema.optional(Schema.NullOr(Text36)),
  plannedCaptureDelay: PlannedCaptureDelay,
})

export const PreparePaymentBody = Schema.Struct({ posId: Guid, orderId: Text36 })

export const PaymentReadyBody = Schema.Struct({
  amount: Amount,
  currencyCode: CurrencyCode,
  restrictions: Schema.optional(Schema.NullOr(Restrictions)),
  merchantPaymentLabel: Schema.optional(Schema.NullOr(Text36)),
  plannedCaptureDelay: PlannedCaptureDelay,
})

export const CaptureBody = Schema.Struct({ amount: Amount })

export const CreateRefundBody = Schema.Struct({
  paymentId: Guid,
  refundOrderId: Text36,
  amount: Amount,
  currencyCode: CurrencyCode,
})

export const CheckInBody = Schema.Struct({ beaconId: Schema.String, phoneNumber: Schema.String })
export const AcceptPaymentBody = Schema.Struct({
  beaconId: Schema.String,
  phoneNumber: Schema.String,
})
export const CancelPaymentByUserBody = Schema.Struct({ beaconId: Schema.String })

/**
 * The error code MobilePay gives a bad value of each field; anything else is 1099. A Map, so
 * that a body's own property name (`__proto__`, `constructor`) cannot pick up a prototype.
 */
const fieldCodes: ReadonlyMap<string, string> = new Map([
  ["beaconId", "1100"],
  ["amount", "1102"],
  ["merchantPosId", "1111"],
  ["name", "1112"],
  ["orderId", "1113"],
  ["refundOrderId", "1114"],
  ["callbackAlias", "1116"],
  ["merchantPaymentLabel", "1117"],
])

export interface InvalidField {
  readonly code: string
  readonly message: string
}

/**
 * Decodes a parsed JSON body, or names the first bad field with its error code. A property
 * the contract does not define is refused, at the top and inside `restrictions`: every
 * request schema of the contract says `additionalProperties: false`.
 */
export const decodeBody = <A, I>(
  schema: Schema.Schema<A, I>,
  body: unknown,
): Either.Either<A, InvalidField> =>
  Schema.decodeUnknownEither(schema, { onExcessProperty: "error" })(body).pipe(
    Either.mapLeft((error) => {
      const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
      const field = issue?.path[0]
      const name = typeof field === "string" ? field : undefined
      const code = (name === undefined ? undefined : fieldCodes.get(name)) ?? "1099"
      return {
        code,
        message:
          name === undefined
            ? `The request body is invalid: ${issue?.message ?? "unexpected shape"}`
            : `Invalid ${name}: ${issue?.message ?? "unexpected value"}`,
      }
    }),
  )
