/**
 * Payments: the request bodies of create, capture, refund, cancel and force approve, and the
 * answers of create, get, the event log and the modifications. Each request schema's encoded
 * side is both the caller's plain input and the JSON sent, checked strictly (the API rejects
 * unknown fields, so does this); every answer decodes tolerantly (unknown fields ignored,
 * values added since kept as `UnknownValue`s, live additions such as `captureGuaranteedUntil`
 * and `userDetails` read when present).
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import {
  AppUrl,
  CustomerToken,
  EPaymentDateTime,
  Metadata,
  MinimumUserAge,
  ModificationAmount,
  PaymentAmount,
  PaymentDescription,
  PersonalQr,
  PhoneNumber,
  ProfileScope,
  PspReference,
  ReceivedAmount,
  Reference,
  tolerant,
} from "./Domain.js"
import { Receipt } from "./Receipt.js"

// A field an answer may omit or send as `null`: both decode to an absent key.
const optionalNullable = <S extends Schema.Schema.Any>(schema: S) =>
  Schema.optionalWith(schema, { nullable: true, exact: true })

/**
 * How the customer pays: `WALLET` (the app; always for in-store) or `CARD` (a free-standing
 * card form, only with `WEB_REDIRECT`, not in the test environment).
 *
 * @since 0.2.0
 * @category values
 */
export const PaymentMethodType = Schema.Literal("WALLET", "CARD")
/** @since 0.2.0 */
export type PaymentMethodType = typeof PaymentMethodType.Type

/**
 * How the customer reaches the payment in the app: `PUSH_MESSAGE` (a till or kiosk: needs a
 * `customer`), `QR` (a one-time QR on a customer-facing screen), `WEB_REDIRECT` (websites:
 * needs a `returnUrl`), `NATIVE_REDIRECT` (the merchant's own app; discouraged).
 *
 * @since 0.2.0
 * @category values
 */
export const UserFlow = Schema.Literal("PUSH_MESSAGE", "QR", "WEB_REDIRECT", "NATIVE_REDIRECT")
/** @since 0.2.0 */
export type UserFlow = typeof UserFlow.Type

/**
 * `CUSTOMER_PRESENT`: the customer is at a physical point of sale (every in-store payment must
 * say so; checked at go-live). The server's default is `CUSTOMER_NOT_PRESENT`.
 *
 * @since 0.2.0
 * @category values
 */
export const CustomerInteraction = Schema.Literal("CUSTOMER_PRESENT", "CUSTOMER_NOT_PRESENT")
/** @since 0.2.0 */
export type CustomerInteraction = typeof CustomerInteraction.Type

/**
 * Who is asked to pay: exactly one of a phone number, a scanned personal QR, or the
 * `customerToken` of a check-in on a callback QR. More than one is refused before sending.
 *
 * @since 0.2.0
 * @category requests
 */
export const Customer = Schema.Union(
  Schema.Struct({ phoneNumber: PhoneNumber }),
  Schema.Struct({ personalQr: PersonalQr }),
  Schema.Struct({ customerToken: CustomerToken }),
).annotations({ identifier: "Customer" })
/** @since 0.2.0 */
export type Customer = typeof Customer.Type

/**
 * The QR of a `userFlow: QR` payment: an SVG image (the default), a PNG image (`size` 100 to
 * 2000 pixels, default 1024; PNG only), or `TEXT/TARGETURL`, the URL to render yourself.
 *
 * @since 0.2.0
 * @category requests
 */
export const QrFormat = Schema.Struct({
  format: Schema.Literal("IMAGE/SVG+XML", "IMAGE/PNG", "TEXT/TARGETURL"),
  size: Schema.optional(
    Schema.Int.pipe(Schema.between(100, 2000, { message: () => "a QR size is 100 to 2000 px" })),
  ),
}).pipe(
  Schema.filter(
    (qr) =>
      qr.size === undefined ||
      qr.format === "IMAGE/PNG" || { path: ["size"], message: "a size is only for IMAGE/PNG" },
  ),
  Schema.annotations({ identifier: "QrFormat" }),
)
/** @since 0.2.0 */
export type QrFormat = typeof QrFormat.Type

/**
 * Airline data (airlines only): all four of `passengerName`, `airlineCode`,
 * `airlineDesignatorCode` and `agencyInvoiceNumber`.
 *
 * @since 0.2.0
 * @category requests
 */
export const AirlineData = Schema.Struct({
  agencyInvoiceNumber: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(6)),
  airlineCode: Schema.String.pipe(Schema.length(3)),
  airlineDesignatorCode: Schema.String.pipe(Schema.length(2)),
  passengerName: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(49)),
  ticketNumber: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(150))),
}).annotations({ identifier: "AirlineData" })

type CreateRules = {
  readonly userFlow: UserFlow
  readonly paymentMethod: { readonly type: PaymentMethodType }
  readonly customer?: Customer | undefined
  readonly returnUrl?: unknown
  readonly qrFormat?: unknown
  readonly expiresAt?: unknown
  readonly receipt?: unknown
}

// The rules between fields, in the order a caller would fix them. A value breaking one is
// refused before sending, naming the field (the server would answer 400 with a code).
const createRules = (request: CreateRules) => {
  if (request.userFlow === "PUSH_MESSAGE" && request.customer === undefined) {
    return { path: ["customer"], message: "PUSH_MESSAGE needs a customer" }
  }
  if (request.userFlow === "WEB_REDIRECT" && request.returnUrl === undefined) {
    return { path: ["returnUrl"], message: "WEB_REDIRECT needs a returnUrl" }
  }
  if (request.qrFormat !== undefined && request.userFlow !== "QR") {
    return { path: ["qrFormat"], message: "qrFormat is only for userFlow QR" }
  }
  if (request.paymentMethod.type === "CARD" && request.userFlow !== "WEB_REDIRECT") {
    return { path: ["paymentMethod", "type"], message: "CARD is only for userFlow WEB_REDIRECT" }
  }
  if (request.expiresAt !== undefined) {
    if (request.userFlow !== "PUSH_MESSAGE" && request.userFlow !== "QR") {
      return { path: ["expiresAt"], message: "expiresAt is only for PUSH_MESSAGE and QR" }
    }
    if (request.receipt === undefined) {
      return { path: ["receipt"], message: "a payment with expiresAt needs a receipt" }
    }
  }
  return true
}

/**
 * The body of create (`POST /epayment/v1/payments`), every field of the contract and the live
 * API's `minimumUserAge`. Besides each field's own rule, the rules between fields are checked
 * before sending: `PUSH_MESSAGE` needs a `customer`, `WEB_REDIRECT` a `returnUrl`; `qrFormat`
 * is only for `QR`, `CARD` only for `WEB_REDIRECT`; `expiresAt` only for `PUSH_MESSAGE` and
 * `QR`, and needs a `receipt`. (The window of `expiresAt`, more than 10 minutes and at most 60
 * days ahead, is checked by the client against its `Clock`.)
 *
 * @since 0.2.0
 * @category requests
 */
export const CreatePaymentRequest = Schema.Struct({
  amount: PaymentAmount,
  paymentMethod: Schema.Struct({ type: PaymentMethodType }),
  reference: Reference,
  userFlow: UserFlow,
  customer: Schema.optional(Customer),
  customerInteraction: Schema.optional(CustomerInteraction),
  returnUrl: Schema.optional(AppUrl),
  qrFormat: Schema.optional(QrFormat),
  paymentDescription: Schema.optional(PaymentDescription),
  receipt: Schema.optional(Receipt),
  receiptUrl: Schema.optional(AppUrl),
  metadata: Schema.optional(Metadata),
  /** RFC 3339; more than 10 minutes and at most 60 days ahead. */
  expiresAt: Schema.optional(EPaymentDateTime),
  profile: Schema.optional(Schema.Struct({ scope: ProfileScope })),
  industryData: Schema.optional(Schema.Struct({ airlineData: Schema.optional(AirlineData) })),
  minimumUserAge: Schema.optional(MinimumUserAge),
}).pipe(Schema.filter(createRules), Schema.annotations({ identifier: "CreatePaymentRequest" }))
/** @since 0.2.0 */
export type CreatePaymentRequest = typeof CreatePaymentRequest.Type
/** @since 0.2.0 */
export declare namespace CreatePaymentRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.2.0
   */
  export type Encoded = typeof CreatePaymentRequest.Encoded
}

/**
 * The body of capture and of refund: the amount, in the payment's currency.
 *
 * @since 0.2.0
 * @category requests
 */
export const ModificationRequest = Schema.Struct({
  modificationAmount: ModificationAmount,
}).annotations({ identifier: "ModificationRequest" })
/** @since 0.2.0 */
export type ModificationRequest = typeof ModificationRequest.Type
/** @since 0.2.0 */
export declare namespace ModificationRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.2.0
   */
  export type Encoded = typeof ModificationRequest.Encoded
}

/**
 * The body of force approve (test environment only): the customer who approves, or the
 * `token` from the create answer's `redirectUrl`.
 *
 * @since 0.2.0
 * @category requests
 */
export const ForceApproveRequest = Schema.Union(
  Schema.Struct({ customer: Customer }),
  Schema.Struct({ token: Schema.NonEmptyString }),
).annotations({ identifier: "ForceApproveRequest" })
/** @since 0.2.0 */
export type ForceApproveRequest = typeof ForceApproveRequest.Type
/** @since 0.2.0 */
export declare namespace ForceApproveRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.2.0
   */
  export type Encoded = typeof ForceApproveRequest.Encoded
}

/**
 * The answer to create: the `reference`, and for the redirect and QR flows the `redirectUrl`
 * (the landing page, or the QR image, or for `TEXT/TARGETURL` the URL the QR encodes). Open
 * it unchanged.
 *
 * @since 0.2.0
 * @category responses
 */
export const CreatePaymentResponse = Schema.Struct({
  reference: Schema.String,
  redirectUrl: optionalNullable(Schema.String),
}).annotations({ identifier: "CreatePaymentResponse" })
/** @since 0.2.0 */
export type CreatePaymentResponse = typeof CreatePaymentResponse.Type

/**
 * The states the contract documents: `CREATED` until the customer acts; then one of the
 * final `AUTHORIZED`, `ABORTED`, `EXPIRED`, `TERMINATED`. Captures, cancels and refunds after
 * authorization show only in `aggregate`.
 *
 * @since 0.2.0
 * @category states
 */
export const KnownPaymentState = Schema.Literal(
  "CREATED",
  "AUTHORIZED",
  "ABORTED",
  "EXPIRED",
  "TERMINATED",
)
/** @since 0.2.0 */
export type KnownPaymentState = typeof KnownPaymentState.Type

/**
 * A payment's state as an answer carries it: a {@link KnownPaymentState}, or a state added
 * since, kept as sent (`UnknownValue<"UnknownPaymentState">`): neither created nor final, so
 * read it again or look at it by hand.
 *
 * @since 0.2.0
 * @category states
 */
export const PaymentState = tolerant(KnownPaymentState, "UnknownPaymentState")
/** @since 0.2.0 */
export type PaymentState = typeof PaymentState.Type

/**
 * `true` for the states a payment never leaves.
 *
 * @since 0.2.0
 * @category states
 */
export const isFinalState = (state: PaymentState): boolean =>
  state === "AUTHORIZED" || state === "ABORTED" || state === "EXPIRED" || state === "TERMINATED"

/**
 * The money of a payment so far. For an authorized payment: still capturable is
 * `authorized − captured − cancelled`, still refundable `captured − refunded`.
 *
 * @since 0.2.0
 * @category responses
 */
export const Aggregate = Schema.Struct({
  authorizedAmount: ReceivedAmount,
  cancelledAmount: ReceivedAmount,
  capturedAmount: ReceivedAmount,
  refundedAmount: ReceivedAmount,
}).annotations({ identifier: "Aggregate" })
/** @since 0.2.0 */
export type Aggregate = typeof Aggregate.Type

/**
 * The customer's details, present (live API, since 2025) when the payment asked for them.
 *
 * @since 0.2.0
 * @category responses
 */
export const UserDetails = Schema.Struct({
  userId: optionalNullable(Schema.String),
  firstName: optionalNullable(Schema.String),
  lastName: optionalNullable(Schema.String),
  email: optionalNullable(Schema.String),
  phoneNumber: optionalNullable(Schema.String),
}).annotations({ identifier: "UserDetails" })

/**
 * A payment as get (`GET /epayment/v1/payments/{reference}`) returns it: the current
 * snapshot, the way to learn the outcome. `captureGuaranteedUntil` (live, 2026) is the date
 * until which a capture is guaranteed.
 *
 * @since 0.2.0
 * @category responses
 */
export const GetPaymentResponse = Schema.Struct({
  reference: Schema.String,
  state: PaymentState,
  amount: ReceivedAmount,
  aggregate: Aggregate,
  pspReference: PspReference,
  paymentMethod: Schema.Struct({
    type: tolerant(PaymentMethodType, "UnknownPaymentMethodType"),
    cardBin: optionalNullable(Schema.String),
  }),
  profile: optionalNullable(Schema.Struct({ sub: optionalNullable(Schema.String) })),
  redirectUrl: optionalNullable(Schema.String),
  metadata: optionalNullable(Schema.Record({ key: Schema.String, value: Schema.String })),
  captureGuaranteedUntil: optionalNullable(EPaymentDateTime),
  userDetails: optionalNullable(UserDetails),
}).annotations({ identifier: "GetPaymentResponse" })
/** @since 0.2.0 */
export type GetPaymentResponse = typeof GetPaymentResponse.Type

/**
 * The names of a payment's events.
 *
 * @since 0.2.0
 * @category events
 */
export const KnownPaymentEventName = Schema.Literal(
  // Every state is also the name of the event that enters it.
  ...KnownPaymentState.literals,
  "CAPTURED",
  "CANCELLED",
  "REFUNDED",
)
/** @since 0.2.0 */
export type KnownPaymentEventName = typeof KnownPaymentEventName.Type

/**
 * One entry of a payment's event log (`GET …/{reference}/events`, in time order): `amount` is
 * this event's (one partial capture, say), `success: false` records a failed attempt, and
 * `idempotencyKey` is the key of the request that caused it (absent for the system's own).
 *
 * @since 0.2.0
 * @category events
 */
export const PaymentEvent = Schema.Struct({
  reference: Schema.String,
  pspReference: PspReference,
  name: tolerant(KnownPaymentEventName, "UnknownPaymentEventName"),
  amount: ReceivedAmount,
  timestamp: EPaymentDateTime,
  idempotencyKey: optionalNullable(Schema.String),
  success: Schema.Boolean,
}).annotations({ identifier: "PaymentEvent" })
/** @since 0.2.0 */
export type PaymentEvent = typeof PaymentEvent.Type

/**
 * A payment's event log.
 *
 * @since 0.2.0
 * @category events
 */
export const PaymentEventLog = Schema.Array(PaymentEvent)

/**
 * The answer to capture, cancel and refund: the payment after the modification. Its
 * `pspReference` is the payment's, not the modification's.
 *
 * @since 0.2.0
 * @category responses
 */
export const ModificationResponse = Schema.Struct({
  reference: Schema.String,
  state: PaymentState,
  amount: ReceivedAmount,
  aggregate: Aggregate,
  pspReference: PspReference,
}).annotations({ identifier: "ModificationResponse" })
/** @since 0.2.0 */
export type ModificationResponse = typeof ModificationResponse.Type
