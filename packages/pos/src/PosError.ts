/**
 * The ways a PoS V10 call fails, as tagged errors a caller can `catchTag`: one class per HTTP
 * status, named classes for the MobilePay error codes a program reacts to (e.g.
 * {@link PaymentAlreadyActive}, 1301), and the failures with no usable answer (transport,
 * undecodable body). Every class carries the operation and, where MobilePay sent them, the
 * status, error code and correlation id (what MobilePay support asks for).
 * {@link fromResponse} picks the class for an error response. No error carries a token or a
 * secret.
 *
 * @since 0.1.0
 */
import { InvalidInput, Untrusted } from "@effect-mobilepay/core"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * The `operationId`s of the PoS V10 API and the sandbox's user simulation, as in the OpenAPI
 * file.
 *
 * @since 0.1.0
 * @category operations
 */
export const PosOperation = Schema.Literal(
  "CreatePos",
  "GetPosWithFilter",
  "GetPos",
  "DeletePos",
  "GetCheckIn",
  "GetStores",
  "GetDetailedStores",
  "GetStore",
  "InitiatePayment",
  "PreparePayment",
  "PaymentReady",
  "QueryPayment",
  "QueryPaymentIds",
  "CapturePayment",
  "CancelPayment",
  "CreateRefund",
  "QueryRefundIds",
  "GetRefund",
  "CaptureRefund",
  "CancelRefund",
  "UserSimulationCheckin",
  "UserSimulationAcceptPayment",
  "UserSimulationCancelPayment",
)
/** @since 0.1.0 */
export type PosOperation = typeof PosOperation.Type

// What every error answer carries; `description` is MobilePay's `message` (the name `message`
// is taken by `Error`).
const responseFields = {
  operation: PosOperation,
  status: Schema.Number,
  code: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  correlationId: Schema.optional(Schema.String),
}

// The named classes exist because of their code, so it is always there.
const codedFields = { ...responseFields, code: Schema.String }

interface ResponseDetails {
  readonly operation: PosOperation
  readonly status: number
  readonly code?: string | undefined
  readonly description?: string | undefined
  readonly correlationId?: string | undefined
}

// The Schema class of an error is typed with this shape rather than each class: enough for
// decoding and `catchTag` (which reads `_tag` from the instance), and lets one function make
// every class of a table.
interface Problem extends ResponseDetails {
  readonly _tag: string
}

const describe = (error: ResponseDetails, what: string): string => {
  const code = error.code === undefined ? "" : `, code ${error.code}`
  const description = error.description === undefined ? "" : `: ${error.description}`
  const correlation =
    error.correlationId === undefined ? "" : ` (correlation id ${error.correlationId})`
  return `${error.operation}: ${what} (HTTP ${error.status}${code})${description}${correlation}`
}

// The classes' types, spelt out so that their declarations can be emitted.
type ProblemClass<
  Tag extends string,
  Fields extends Schema.Struct.Fields,
> = Schema.TaggedErrorClass<Problem, Tag, { readonly _tag: Schema.tag<Tag> } & Fields>

type ConflictClass<Tag extends string> = ProblemClass<Tag, typeof codedFields> & {
  /** The MobilePay error code this class stands for (with HTTP 409). */
  readonly code: string
}

// One row of the table: the class for an HTTP status.
const statusError = <Tag extends string>(
  tag: Tag,
  what: string,
): ProblemClass<Tag, typeof responseFields> =>
  class extends Schema.TaggedError<Problem>()(tag, responseFields) {
    override get message(): string {
      return describe(this, what)
    }
  }

// One row of the table: the class for a 409 with a code a program reacts to.
const conflict = <Tag extends string>(tag: Tag, code: string, what: string): ConflictClass<Tag> =>
  class extends Schema.TaggedError<Problem>()(tag, codedFields) {
    static readonly code = code
    override get message(): string {
      return describe(this, what)
    }
  }

/**
 * MobilePay refused the request as malformed (HTTP 400), e.g. an invalid header, a filter that
 * is not specific enough (1109, 1110, 1121) or a value it does not accept. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class PosBadRequest extends statusError(
  "PosBadRequest",
  "MobilePay refused the request as invalid",
) {}

/**
 * MobilePay did not accept the access token (HTTP 401, no body): missing, expired or revoked.
 *
 * @since 0.1.0
 * @category errors
 */
export class PosUnauthorized extends statusError(
  "PosUnauthorized",
  "MobilePay did not accept the access token",
) {}

/**
 * The resource belongs to another integrator or merchant (HTTP 403, codes 1400–1411).
 *
 * @since 0.1.0
 * @category errors
 */
export class PosForbidden extends statusError(
  "PosForbidden",
  "the resource belongs to another integrator or merchant",
) {}

/**
 * The point of sale, payment, refund or store does not exist (HTTP 404).
 *
 * @since 0.1.0
 * @category errors
 */
export class PosNotFound extends statusError("PosNotFound", "not found") {}

/**
 * The request conflicts with the state of the resource (HTTP 409) for a reason without a
 * class of its own; `code` says which.
 *
 * @since 0.1.0
 * @category errors
 */
export class PosConflict extends statusError(
  "PosConflict",
  "the request conflicts with the state of the resource",
) {}

/**
 * MobilePay failed (HTTP 5xx) and the retries are spent. Keep `code` (2000–2999) and
 * `correlationId` for support.
 *
 * @since 0.1.0
 * @category errors
 */
export class PosServerError extends statusError(
  "PosServerError",
  "MobilePay failed to process the request",
) {}

/**
 * MobilePay answered with a status the API does not document for errors (e.g. 405, 429).
 *
 * @since 0.1.0
 * @category errors
 */
export class PosUnexpectedStatus extends statusError(
  "PosUnexpectedStatus",
  "unexpected answer from MobilePay",
) {}

/**
 * 409, code 1200: another point of sale of this merchant already has this `merchantPosId`.
 *
 * @since 0.1.0
 * @category errors
 */
export class MerchantPosIdTaken extends conflict(
  "MerchantPosIdTaken",
  "1200",
  "another point of sale already has this merchantPosId",
) {}

/**
 * 409, code 1202: another point of sale already has this `beaconId`.
 *
 * @since 0.1.0
 * @category errors
 */
export class BeaconIdTaken extends conflict(
  "BeaconIdTaken",
  "1202",
  "another point of sale already has this beaconId",
) {}

/**
 * 409, code 1204: the store is not activated for MobilePay PoS yet, so no point of sale can be
 * created in it.
 *
 * @since 0.1.0
 * @category errors
 */
export class StoreNotActivated extends conflict(
  "StoreNotActivated",
  "1204",
  "the store is not activated",
) {}

/**
 * 409, code 1300: the payment is in a state where it cannot be cancelled (e.g. captured).
 *
 * @since 0.1.0
 * @category errors
 */
export class PaymentCannotBeCancelled extends conflict(
  "PaymentCannotBeCancelled",
  "1300",
  "the payment cannot be cancelled in its current state",
) {}

/**
 * 409, code 1301: a payment is already active on this point of sale. Find it
 * (`QueryPaymentIds` by `posId`), cancel it, and start again.
 *
 * @since 0.1.0
 * @category errors
 */
export class PaymentAlreadyActive extends conflict(
  "PaymentAlreadyActive",
  "1301",
  "a payment is already active on this point of sale",
) {}

/**
 * 409, code 1304: the payment is not reserved, so it cannot be captured.
 *
 * @since 0.1.0
 * @category errors
 */
export class PaymentNotReserved extends conflict(
  "PaymentNotReserved",
  "1304",
  "the payment is not reserved",
) {}

/**
 * 409, code 1305: the capture amount is higher than the reserved amount.
 *
 * @since 0.1.0
 * @category errors
 */
export class CaptureAmountTooHigh extends conflict(
  "CaptureAmountTooHigh",
  "1305",
  "the capture amount is higher than the reserved amount",
) {}

/**
 * 409, code 1306: this idempotency key was already used for a different request. Use a fresh
 * key for each logical create call, and the same key only for its retries.
 *
 * @since 0.1.0
 * @category errors
 */
export class IdempotencyKeyReused extends conflict(
  "IdempotencyKeyReused",
  "1306",
  "the idempotency key was already used for a different request",
) {}

/**
 * 409, code 1307: the payment was already captured, with another amount (capturing again with
 * the same amount succeeds).
 *
 * @since 0.1.0
 * @category errors
 */
export class PaymentCapturedWithAnotherAmount extends conflict(
  "PaymentCapturedWithAnotherAmount",
  "1307",
  "the payment was already captured with another amount",
) {}

/**
 * 409, code 1308: the capture amount is lower than the reserved amount, and partial capture is
 * not possible for this payment (see `partialCapturePossible`).
 *
 * @since 0.1.0
 * @category errors
 */
export class PartialCaptureNotPossible extends conflict(
  "PartialCaptureNotPossible",
  "1308",
  "partial capture is not possible for this payment",
) {}

/**
 * 409, code 1354: the payment is not captured; only captured payments can be refunded.
 *
 * @since 0.1.0
 * @category errors
 */
export class PaymentNotCaptured extends conflict(
  "PaymentNotCaptured",
  "1354",
  "only a captured payment can be refunded",
) {}

/**
 * 409, code 1365: the refund's currency is not the payment's currency.
 *
 * @since 0.1.0
 * @category errors
 */
export class RefundCurrencyMismatch extends conflict(
  "RefundCurrencyMismatch",
  "1365",
  "the refund's currency is not the payment's currency",
) {}

/**
 * 409, code 1366: the payment is too old to be refunded (more than 90 days).
 *
 * @since 0.1.0
 * @category errors
 */
export class RefundPeriodExpired extends conflict(
  "RefundPeriodExpired",
  "1366",
  "the payment is too old to be refunded",
) {}

/**
 * 409, code 1367: the refunds of the payment would together exceed the captured amount.
 *
 * @since 0.1.0
 * @category errors
 */
export class RefundExceedsCapturedAmount extends conflict(
  "RefundExceedsCapturedAmount",
  "1367",
  "the refunds would exceed the captured amount",
) {}

/**
 * 409, code 1368: the store's balance does not cover the refund.
 *
 * @since 0.1.0
 * @category errors
 */
export class InsufficientStoreBalance extends conflict(
  "InsufficientStoreBalance",
  "1368",
  "the store's balance does not cover the refund",
) {}

/**
 * No answer from MobilePay once the retries are spent: every attempt timed out (`Timeout`) or
 * failed in the network (`Transport`: refused, reset, DNS, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class PosTransportError extends Schema.TaggedError<PosTransportError>()(
  "PosTransportError",
  {
    operation: PosOperation,
    reason: Schema.Literal("Timeout", "Transport"),
    /** What the transport reported, for the logs. */
    detail: Schema.optional(Schema.String),
  },
) {
  override get message(): string {
    const what = this.reason === "Timeout" ? "timed out" : "could not reach MobilePay"
    const detail = this.detail === undefined ? "" : `: ${this.detail}`
    return `${this.operation}: ${what}${detail}`
  }
}

/**
 * A successful answer's body did not have the shape the OpenAPI file gives it: `path` is where
 * (dotted, empty for the whole body), `reason` what was wrong.
 *
 * @since 0.1.0
 * @category errors
 */
export class PosDecodeError extends Schema.TaggedError<PosDecodeError>()("PosDecodeError", {
  operation: PosOperation,
  status: Schema.Number,
  path: Schema.String,
  reason: Schema.String,
}) {
  override get message(): string {
    const where = this.path === "" ? "the body" : `field ${this.path}`
    return `${this.operation}: MobilePay's answer (HTTP ${this.status}) did not decode, ${where}: ${this.reason}`
  }

  /**
   * The error for a body that `error` says did not decode. The reason may quote the body, so
   * it is sanitised, with `secrets` (e.g. the access token sent) cut out.
   *
   * @since 0.1.0
   */
  static fromParseError(options: {
    readonly operation: PosOperation
    readonly status: number
    readonly error: ParseResult.ParseError
    readonly secrets?: ReadonlyArray<string> | undefined
  }): PosDecodeError {
    const { path, message } = InvalidInput.firstIssue(options.error)
    const clean = (text: string) => Untrusted.sanitize(text, { secrets: options.secrets })
    return new PosDecodeError({
      operation: options.operation,
      status: options.status,
      path: clean(path),
      reason: clean(message),
    })
  }
}

/**
 * A successful answer was larger than the client's `maxResponseBytes`; it was not read
 * further. Not retried: the same request would get the same answer.
 *
 * @since 0.2.0
 * @category errors
 */
export class PosResponseTooLarge extends Schema.TaggedError<PosResponseTooLarge>()(
  "PosResponseTooLarge",
  {
    operation: PosOperation,
    status: Schema.Number,
    /** The limit, in bytes. */
    maxBytes: Schema.Number,
  },
) {
  override get message(): string {
    return `${this.operation}: MobilePay's answer (HTTP ${this.status}) is larger than ${this.maxBytes} bytes`
  }
}

/**
 * The errors {@link fromResponse} returns for an error answer (named 409s included).
 *
 * @since 0.1.0
 * @category errors
 */
export type PosResponseError =
  | PosBadRequest
  | PosUnauthorized
  | PosForbidden
  | PosNotFound
  | PosConflict
  | PosServerError
  | PosUnexpectedStatus
  | PosConflictError

/**
 * The named 409 errors, one per MobilePay code a program reacts to.
 *
 * @since 0.1.0
 * @category errors
 */
export type PosConflictError =
  | MerchantPosIdTaken
  | BeaconIdTaken
  | StoreNotActivated
  | PaymentCannotBeCancelled
  | PaymentAlreadyActive
  | PaymentNotReserved
  | CaptureAmountTooHigh
  | IdempotencyKeyReused
  | PaymentCapturedWithAnotherAmount
  | PartialCaptureNotPossible
  | PaymentNotCaptured
  | RefundCurrencyMismatch
  | RefundPeriodExpired
  | RefundExceedsCapturedAmount
  | InsufficientStoreBalance

/**
 * Every way a PoS V10 call can fail once the request has been built (invalid input fails
 * earlier, with `InvalidInput`).
 *
 * @since 0.1.0
 * @category errors
 */
export type PosError = PosResponseError | PosTransportError | PosDecodeError | PosResponseTooLarge

// The named 409 classes; their codes are all different.
const conflicts = [
  MerchantPosIdTaken,
  BeaconIdTaken,
  StoreNotActivated,
  PaymentCannotBeCancelled,
  PaymentAlreadyActive,
  PaymentNotReserved,
  CaptureAmountTooHigh,
  IdempotencyKeyReused,
  PaymentCapturedWithAnotherAmount,
  PartialCaptureNotPossible,
  PaymentNotCaptured,
  RefundCurrencyMismatch,
  RefundPeriodExpired,
  RefundExceedsCapturedAmount,
  InsufficientStoreBalance,
] as const

// MobilePay's error body `{ code, message, correlationId }` (plus `origin` on refunds). Each
// field is read on its own, so one odd field does not hide the others.
const ErrorBody = Schema.Struct({
  code: Schema.optional(Schema.Unknown),
  message: Schema.optional(Schema.Unknown),
  correlationId: Schema.optional(Schema.Unknown),
})
const Text = Schema.Trim.pipe(Schema.nonEmptyString())
const Code = Schema.Union(
  Text,
  Schema.transform(Schema.Int, Schema.String, {
    strict: true,
    decode: (code) => String(code),
    encode: (code) => Number(code),
  }),
)

// Bounds what a server-written text can put into an error: no control characters, no
// credential or token, at most a few hundred characters.
const readText = <I>(
  schema: Schema.Schema<string, I>,
  value: unknown,
  secrets: ReadonlyArray<string> | undefined,
): string | undefined =>
  Option.getOrUndefined(
    Option.map(Schema.decodeUnknownOption(schema)(value), (text) =>
      Untrusted.sanitize(text, { secrets }),
    ),
  )

const readBody = (body: unknown, secrets: ReadonlyArray<string> | undefined) => {
  const decoded =
    typeof body === "string"
      ? Option.flatMap(Untrusted.parseJson(body), Schema.decodeUnknownOption(ErrorBody))
      : Schema.decodeUnknownOption(ErrorBody)(body)
  return Option.match(decoded, {
    onNone: () => ({ code: undefined, description: undefined, correlationId: undefined }),
    onSome: (fields) => ({
      code: readText(Code, fields.code, secrets),
      description: readText(Text, fields.message, secrets),
      correlationId: readText(Text, fields.correlationId, secrets),
    }),
  })
}

/**
 * The error for an answer with an error status. `body` is the answer's body as text or as
 * parsed JSON (anything else, or a body that is not MobilePay's error shape, is ignored:
 * the status alone then decides). `correlationIdHeader` is used when the body has no
 * correlation id. A 409 with one of the codes of the named classes gives that class. Every
 * text taken from the answer is sanitised, with `secrets` (e.g. the access token) cut out.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromResponse = (response: {
  readonly operation: PosOperation
  readonly status: number
  readonly body?: unknown
  readonly correlationIdHeader?: string | undefined
  /** @since 0.2.0 */
  readonly secrets?: ReadonlyArray<string> | undefined
}): PosResponseError => {
  const body = readBody(response.body, response.secrets)
  const fields = {
    operation: response.operation,
    status: response.status,
    code: body.code,
    description: body.description,
    correlationId:
      body.correlationId ?? readText(Text, response.correlationIdHeader, response.secrets),
  }
  switch (response.status) {
    case 400:
      return new PosBadRequest(fields)
    case 401:
      return new PosUnauthorized(fields)
    case 403:
      return new PosForbidden(fields)
    case 404:
      return new PosNotFound(fields)
    case 409: {
      const code = fields.code
      const Named = code === undefined ? undefined : conflicts.find((named) => named.code === code)
      return Named === undefined || code === undefined
        ? new PosConflict(fields)
        : new Named({ ...fields, code })
    }
    default:
      return response.status >= 500 && response.status <= 599
        ? new PosServerError(fields)
        : new PosUnexpectedStatus(fields)
  }
}
