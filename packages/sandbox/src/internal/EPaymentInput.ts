/**
 * The ePayment API's request bodies (epayment.openapi.yaml, with the live deltas of appendix A)
 * as Schemas, and the ErrorCode each bad field earns (§7).
 */
import { Schema as S } from "effect"

export const referencePattern = /^[a-zA-Z0-9-]{8,64}$/

// RFC 3339 as the contract's pattern spells it.
const rfc3339 =
  /^((?:(\d{4}-\d{2}-\d{2})(T|t)(\d{2}:\d{2}:\d{2}(?:\.\d+)?))(Z|z|([+-](?:2[0-3]|[01][0-9]):[0-5][0-9])))$/

export const Amount = S.Struct({
  currency: S.Literal("NOK", "DKK", "EUR"),
  value: S.Number.pipe(
    S.filter((n) => Number.isSafeInteger(n) || "must be an integer in minor units"),
    S.filter((n) => (n >= 0 && n <= 65_000_000) || "must be from 0 to 65000000"),
  ),
})

const Customer = S.Struct({
  phoneNumber: S.optional(
    S.String.pipe(S.filter((t) => /^\d{10,15}$/.test(t) || "must be 10 to 15 digits (MSISDN)")),
  ),
  personalQr: S.optional(S.String.pipe(S.minLength(5), S.maxLength(255))),
  customerToken: S.optional(S.String.pipe(S.minLength(1), S.maxLength(1000))),
})

const urlLike = S.String.pipe(
  S.filter(
    (t) =>
      /^https:\/\/[^\s]+$/.test(t) ||
      (/^[a-z][a-z0-9+.-]*:\/\/?[^\s]*$/i.test(t) && !/^http:/i.test(t)) ||
      "must be an https:// URL or a custom scheme",
  ),
)

// The Order Management receipt: its two parts are required; their insides are not checked here.
const Receipt = S.Struct({
  orderLines: S.Array(S.Record({ key: S.String, value: S.Unknown })),
  bottomLine: S.Record({ key: S.String, value: S.Unknown }),
  receiptNumber: S.optional(S.String),
})

export const CreatePaymentBody = S.Struct({
  amount: Amount,
  paymentMethod: S.Struct({ type: S.Literal("WALLET", "CARD") }),
  reference: S.String.pipe(
    S.filter((t) => referencePattern.test(t) || "must be 8 to 64 of [a-zA-Z0-9-]"),
  ),
  userFlow: S.Literal("PUSH_MESSAGE", "QR", "WEB_REDIRECT", "NATIVE_REDIRECT"),
  customer: S.optional(S.NullOr(Customer)),
  customerInteraction: S.optional(S.Literal("CUSTOMER_PRESENT", "CUSTOMER_NOT_PRESENT")),
  returnUrl: S.optional(S.NullOr(urlLike)),
  qrFormat: S.optional(
    S.NullOr(
      S.Struct({
        format: S.Literal("TEXT/TARGETURL", "IMAGE/SVG+XML", "IMAGE/PNG"),
        size: S.optional(S.NullOr(S.Int.pipe(S.between(100, 2000)))),
      }),
    ),
  ),
  paymentDescription: S.optional(S.String.pipe(S.minLength(3), S.maxLength(100))),
  receipt: S.optional(S.NullOr(Receipt)),
  receiptUrl: S.optional(S.NullOr(urlLike)),
  metadata: S.optional(S.NullOr(S.Record({ key: S.String, value: S.String }))),
  expiresAt: S.optional(
    S.NullOr(S.String.pipe(S.filter((t) => rfc3339.test(t) || "must be an RFC 3339 date-time"))),
  ),
  profile: S.optional(S.NullOr(S.Struct({ scope: S.String }))),
  industryData: S.optional(S.NullOr(S.Record({ key: S.String, value: S.Unknown }))),
  minimumUserAge: S.optional(S.NullOr(S.Int.pipe(S.between(0, 100)))),
})
export type CreatePaymentBody = typeof CreatePaymentBody.Type

export const ModificationBody = S.Struct({ modificationAmount: Amount })

export const CancelBody = S.Struct({ cancelTransactionOnly: S.optional(S.Boolean) })

export const ForceApproveBody = S.Struct({
  customer: S.optional(S.Struct({ phoneNumber: Customer.fields.phoneNumber })),
  token: S.optional(S.String),
})

/** The ErrorCode of a bad field, by path (§7). */
export const createFieldCodes: ReadonlyMap<string, string> = new Map([
  ["amount", "4040"],
  ["customer.phoneNumber", "4070"],
  ["customer.personalQr", "4060"],
  ["customer.customerToken", "4050"],
  ["returnUrl", "4090"],
  ["receiptUrl", "4090"],
  ["paymentMethod", "4160"],
  ["profile", "4080"],
])

export const modificationFieldCodes: ReadonlyMap<string, string> = new Map([
  ["modificationAmount", "4040"],
])
