/**
 * The ways an ePayment call fails, as tagged errors a caller can `catchTag`. The platform
 * answers errors as RFC 7807 problem details whose `extraDetails` entry named `ErrorCode`
 * carries a numeric code; {@link fromResponse} reads them defensively (gateway bodies are not
 * always problem details, some are not JSON) and branches on the HTTP status and that code,
 * never on `title` or `detail`, which the platform rewords. Every error from an answer carries
 * the operation, the status, the code, the title, the detail and the `traceId` support asks
 * for: sanitised and bounded, with no token or secret in them even when the server echoes one.
 *
 * There is one class per HTTP status a program reacts to (for an answer with no code of its
 * own), and one per ErrorCode a program reacts to, declared from one table ({@link refusals}). Which errors are worth retrying with the same key is stated once, in
 * {@link isTransient}, next to them.
 *
 * @since 0.2.0
 */
import { InvalidInput, Untrusted } from "@effect-mobilepay/core"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * The ePayment operations, by their `operationId` in the contract.
 *
 * @since 0.2.0
 * @category operations
 */
export const EPaymentOperation = Schema.Literal(
  "createPayment",
  "getPayment",
  "getPaymentEventLog",
  "capturePayment",
  "cancelPayment",
  "refundPayment",
  "forceApprove",
)
/** @since 0.2.0 */
export type EPaymentOperation = typeof EPaymentOperation.Type

// What every error answer carries, as far as the answer had it.
const problemFields = {
  operation: EPaymentOperation,
  status: Schema.Number,
  /** The `ErrorCode` of `extraDetails` (e.g. `6080`), when there was one. */
  code: Schema.optional(Schema.String),
  /** The problem's `title` (or a gateway's `message`): for people, never for branching. */
  title: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String),
  /** The request's id for Vipps MobilePay support. */
  traceId: Schema.optional(Schema.String),
  /** How long the server asked to wait (`Retry-After`), in milliseconds. */
  retryAfterMillis: Schema.optional(Schema.Number),
}

// The refusals exist because of their code, so it is always there.
const refusalFields = { ...problemFields, code: Schema.String }

interface ProblemDetails {
  readonly operation: EPaymentOperation
  readonly status: number
  readonly code?: string | undefined
  readonly title?: string | undefined
  readonly detail?: string | undefined
  readonly traceId?: string | undefined
  readonly retryAfterMillis?: number | undefined
}

// The Schema class of an error is typed with this shape rather than each class: enough for
// decoding and `catchTag` (which reads `_tag` from the instance), and lets one function make
// every class of a table.
interface Problem extends ProblemDetails {
  readonly _tag: string
}

const describe = (error: ProblemDetails, meaning: string): string => {
  const code = error.code === undefined ? "" : `, ErrorCode ${error.code}`
  const title = error.title === undefined ? "" : `: ${error.title}`
  const trace = error.traceId === undefined ? "" : ` (traceId ${error.traceId})`
  return `${error.operation}: ${meaning} (HTTP ${error.status}${code})${title}${trace}`
}

// The classes' types, spelt out so that their declarations can be emitted.
type ProblemClass<
  Tag extends string,
  Fields extends Schema.Struct.Fields,
> = Schema.TaggedErrorClass<Problem, Tag, { readonly _tag: Schema.tag<Tag> } & Fields>

type RefusalClass<Tag extends string> = ProblemClass<Tag, typeof refusalFields> & {
  /** The ErrorCodes this class stands for. */
  readonly codes: ReadonlyArray<string>
  /** The operations it is for (all when absent), where a code means different things. */
  readonly operations: ReadonlyArray<EPaymentOperation> | undefined
}

const statusError = <Tag extends string>(
  tag: Tag,
  meaning: string,
): ProblemClass<Tag, typeof problemFields> =>
  class extends Schema.TaggedError<Problem>()(tag, problemFields) {
    override get message(): string {
      return describe(this, meaning)
    }
  }

const refusal = <Tag extends string>(
  tag: Tag,
  codes: ReadonlyArray<string>,
  meaning: string,
  operations?: ReadonlyArray<EPaymentOperation>,
): RefusalClass<Tag> =>
  class extends Schema.TaggedError<Problem>()(tag, refusalFields) {
    static readonly codes = codes
    static readonly operations = operations
    override get message(): string {
      return describe(this, meaning)
    }
  }

// ---------------------------------------------------------------------------------------------
// By HTTP status, for an answer whose code (if any) has no class of its own.

/**
 * 400: the request is malformed or breaks a rule without a class here (validation errors name
 * the field in `detail`). Fix the request; not retried.
 *
 * @since 0.2.0
 * @category errors
 */
export class EPaymentBadRequest extends statusError("EPaymentBadRequest", "refused as invalid") {}

/**
 * 401: the token was not accepted (expired, revoked, or from another sales unit or
 * environment). The client has already fetched one new token and tried once more.
 *
 * @since 0.2.0
 * @category errors
 */
export class EPaymentUnauthorized extends statusError(
  "EPaymentUnauthorized",
  "the access token was not accepted",
) {}

/**
 * 403: the sales unit lacks the product or permission (e.g. long-living payments, or the MSN
 * is not linked to the partner). Configuration; not retried.
 *
 * @since 0.2.0
 * @category errors
 */
export class EPaymentForbidden extends statusError(
  "EPaymentForbidden",
  "the sales unit may not do this",
) {}

/**
 * 404, or ErrorCode `5090`: no payment with this reference on this sales unit. After a lost
 * create answer it means the payment was not created.
 *
 * @since 0.2.0
 * @category errors
 */
export class PaymentNotFound extends statusError("PaymentNotFound", "no such payment") {}

/**
 * 409 with no code of its own: the request conflicts with the payment's state. Read the
 * payment and resynchronise.
 *
 * @since 0.2.0
 * @category errors
 */
export class EPaymentConflict extends statusError(
  "EPaymentConflict",
  "the request conflicts with the payment's state",
) {}

/**
 * 423: a concurrent operation holds the payment. Transient: retried with the same key.
 *
 * @since 0.2.0
 * @category errors
 */
export class PaymentLocked extends statusError("PaymentLocked", "the payment is locked") {}

/**
 * 429: too many requests for this payment (5 modifications or 120 reads a minute per
 * reference). Transient: retried after `Retry-After` if the server sent one.
 *
 * @since 0.2.0
 * @category errors
 */
export class EPaymentRateLimited extends statusError(
  "EPaymentRateLimited",
  "rate limited for this payment",
) {}

/**
 * 5xx: the platform failed, and the retries are spent. Not a failed payment: read it, or retry
 * with the same key.
 *
 * @since 0.2.0
 * @category errors
 */
export class EPaymentServerError extends statusError(
  "EPaymentServerError",
  "Vipps MobilePay failed to process the request",
) {}

/**
 * A status the API does not document (e.g. 405, or 422 without a known code).
 *
 * @since 0.2.0
 * @category errors
 */
export class EPaymentUnexpectedStatus extends statusError(
  "EPaymentUnexpectedStatus",
  "unexpected answer",
) {}

// The class for an answer with no code of its own: its status decides.
const byStatus = (fields: ProblemDetails): EPaymentResponseError => {
  switch (fields.status) {
    case 400:
      return new EPaymentBadRequest(fields)
    case 401:
      return new EPaymentUnauthorized(fields)
    case 403:
      return new EPaymentForbidden(fields)
    case 404:
      return new PaymentNotFound(fields)
    case 409:
      return new EPaymentConflict(fields)
    case 423:
      return new PaymentLocked(fields)
    case 429:
      return new EPaymentRateLimited(fields)
    default:
      return fields.status >= 500 && fields.status <= 599
        ? new EPaymentServerError(fields)
        : new EPaymentUnexpectedStatus(fields)
  }
}

// ---------------------------------------------------------------------------------------------
// By ErrorCode (whatever the status: the code says more).

/**
 * `4010`, `4020`, and `4150` on capture, cancel or refund: this `Idempotency-Key` was already
 * used with another body. A corrected request needs a new key, but first read the payment:
 * the first request may have succeeded.
 *
 * @since 0.2.0
 * @category errors
 */
export class IdempotencyKeyConflict extends refusal(
  "IdempotencyKeyConflict",
  ["4010", "4020", "4150"],
  "the idempotency key was used with another request",
) {}

/**
 * `4150` on create, or `6230`: the reference is already used on this sales unit. After a lost
 * answer it was probably this create: read the payment. A new attempt needs a new reference.
 *
 * @since 0.2.0
 * @category errors
 */
export class ReferenceAlreadyUsed extends refusal(
  "ReferenceAlreadyUsed",
  ["4150", "6230"],
  "the reference is already used",
  ["createPayment"],
) {}

/**
 * `5080`: the sales unit may not use `PUSH_MESSAGE` (it must be approved to skip the landing
 * page). Configuration.
 *
 * @since 0.2.0
 * @category errors
 */
export class PushMessageNotAllowed extends refusal(
  "PushMessageNotAllowed",
  ["5080"],
  "the sales unit may not use PUSH_MESSAGE",
) {}

/**
 * `6010`: the amount is below the currency's minimum.
 *
 * @since 0.2.0
 * @category errors
 */
export class AmountTooSmall extends refusal(
  "AmountTooSmall",
  ["6010"],
  "the amount is too small",
) {}

/**
 * `6030`: the cancel period has expired.
 *
 * @since 0.2.0
 * @category errors
 */
export class CancelPeriodExpired extends refusal(
  "CancelPeriodExpired",
  ["6030"],
  "the cancel period has expired",
) {}

/**
 * `6040`: a fully captured payment cannot be cancelled: refund instead.
 *
 * @since 0.2.0
 * @category errors
 */
export class CannotCancelCaptured extends refusal(
  "CannotCancelCaptured",
  ["6040"],
  "a captured payment cannot be cancelled",
) {}

/**
 * `6060`: `cancelTransactionOnly` found the payment already authorized, so the reservation is
 * kept. Decide: capture, or cancel again without the flag.
 *
 * @since 0.2.0
 * @category errors
 */
export class CannotCancelAuthorized extends refusal(
  "CannotCancelAuthorized",
  ["6060"],
  "the customer already authorized the payment",
) {}

/**
 * `6070`: a cancelled payment cannot be captured.
 *
 * @since 0.2.0
 * @category errors
 */
export class CannotCaptureCancelled extends refusal(
  "CannotCaptureCancelled",
  ["6070"],
  "a cancelled payment cannot be captured",
) {}

/**
 * `6080`: the customer has not authorized the payment yet.
 *
 * @since 0.2.0
 * @category errors
 */
export class CaptureBeforeAuthorization extends refusal(
  "CaptureBeforeAuthorization",
  ["6080"],
  "the payment is not authorized",
) {}

/**
 * `6090`: the capture is more than the authorized amount not yet captured or cancelled.
 *
 * @since 0.2.0
 * @category errors
 */
export class CaptureAmountTooHigh extends refusal(
  "CaptureAmountTooHigh",
  ["6090"],
  "the capture is more than what remains authorized",
) {}

/**
 * `6100`: the capture deadline has passed; the reservation lapsed.
 *
 * @since 0.2.0
 * @category errors
 */
export class CapturePeriodExpired extends refusal(
  "CapturePeriodExpired",
  ["6100"],
  "the capture period has expired",
) {}

/**
 * `6140`: the sales unit must capture the full amount at once.
 *
 * @since 0.2.0
 * @category errors
 */
export class PartialCaptureNotAllowed extends refusal(
  "PartialCaptureNotAllowed",
  ["6140"],
  "partial capture is not allowed",
) {}

/**
 * `6150`: the refund is more than what was captured and not yet refunded.
 *
 * @since 0.2.0
 * @category errors
 */
export class RefundAmountTooHigh extends refusal(
  "RefundAmountTooHigh",
  ["6150"],
  "the refund is more than what remains refundable",
) {}

/**
 * `6160` (order locked) or `6250` (cancel while processing): the customer is in the middle of
 * authorizing. Transient: retried with the same key.
 *
 * @since 0.2.0
 * @category errors
 */
export class PaymentBeingProcessed extends refusal(
  "PaymentBeingProcessed",
  ["6160", "6250"],
  "the payment is being processed",
) {}

/**
 * `6170`: already captured (with this amount): done.
 *
 * @since 0.2.0
 * @category errors
 */
export class AlreadyCaptured extends refusal("AlreadyCaptured", ["6170"], "already captured") {}

/**
 * `6180`: already refunded: done.
 *
 * @since 0.2.0
 * @category errors
 */
export class AlreadyRefunded extends refusal("AlreadyRefunded", ["6180"], "already refunded") {}

/**
 * `6220`: the refund period has expired.
 *
 * @since 0.2.0
 * @category errors
 */
export class RefundPeriodExpired extends refusal(
  "RefundPeriodExpired",
  ["6220"],
  "the refund period has expired",
) {}

/**
 * `6260`: the issuer released the hold early; the money is not there. Do not hand over the
 * goods; try later, or after talking to the customer. Not retried automatically.
 *
 * @since 0.2.0
 * @category errors
 */
export class FundsUnavailable extends refusal(
  "FundsUnavailable",
  ["6260"],
  "the funds are no longer available",
) {}

/**
 * `6280`: the capture failed this time. Do not hand over the goods; transient: retried with
 * the same key.
 *
 * @since 0.2.0
 * @category errors
 */
export class CaptureFailedTryLater extends refusal(
  "CaptureFailedTryLater",
  ["6280"],
  "the capture failed, try again later",
) {}

/**
 * `7010`: this customer cannot pay this way (unknown, not eligible, or under the minimum
 * age). Offer another way to pay; never tell the customer their number is wrong.
 *
 * @since 0.2.0
 * @category errors
 */
export class CustomerCannotPay extends refusal(
  "CustomerCannotPay",
  ["7010"],
  "the customer cannot pay this way",
) {}

/**
 * The classes by ErrorCode, in the order they are tried (the first whose codes and operations
 * match).
 *
 * @since 0.2.0
 * @category tables
 */
export const refusals = [
  ReferenceAlreadyUsed,
  IdempotencyKeyConflict,
  PushMessageNotAllowed,
  AmountTooSmall,
  CancelPeriodExpired,
  CannotCancelCaptured,
  CannotCancelAuthorized,
  CannotCaptureCancelled,
  CaptureBeforeAuthorization,
  CaptureAmountTooHigh,
  CapturePeriodExpired,
  PartialCaptureNotAllowed,
  RefundAmountTooHigh,
  PaymentBeingProcessed,
  AlreadyCaptured,
  AlreadyRefunded,
  RefundPeriodExpired,
  FundsUnavailable,
  CaptureFailedTryLater,
  CustomerCannotPay,
] as const

/**
 * An error answer with an ErrorCode of its own class.
 *
 * @since 0.2.0
 * @category errors
 */
export type Refusal = InstanceType<(typeof refusals)[number]>

/**
 * Every error {@link fromResponse} returns.
 *
 * @since 0.2.0
 * @category errors
 */
export type EPaymentResponseError =
  | EPaymentBadRequest
  | EPaymentUnauthorized
  | EPaymentForbidden
  | PaymentNotFound
  | EPaymentConflict
  | PaymentLocked
  | EPaymentRateLimited
  | EPaymentServerError
  | EPaymentUnexpectedStatus
  | Refusal

/**
 * `true` for the failures worth retrying with the same key and body: 5xx, `423`, `429`, and
 * the codes `6160`/`6250` ({@link PaymentBeingProcessed}) and `6280`
 * ({@link CaptureFailedTryLater}); transport failures and timeouts too. `6260`
 * ({@link FundsUnavailable}) is not: only later, or after talking to the customer.
 *
 * @since 0.2.0
 * @category transience
 */
export const isTransient = (error: { readonly _tag: string }): boolean => {
  switch (error._tag) {
    case "EPaymentServerError":
    case "PaymentLocked":
    case "EPaymentRateLimited":
    case "PaymentBeingProcessed":
    case "CaptureFailedTryLater":
    case "EPaymentTransportError":
      return true
    default:
      return false
  }
}

// The classes of an answer: the platform read the request and said no (or failed).
const answerClasses = [
  EPaymentBadRequest,
  EPaymentUnauthorized,
  EPaymentForbidden,
  PaymentNotFound,
  EPaymentConflict,
  PaymentLocked,
  EPaymentRateLimited,
  EPaymentServerError,
  EPaymentUnexpectedStatus,
  ...refusals,
]
const answerTags: ReadonlySet<string> = new Set(answerClasses.map((answered) => answered._tag))

/**
 * `true` when the platform answered and refused: the request was not carried out and the same
 * request would be refused again (every answer {@link fromResponse} makes that is not
 * {@link isTransient}), or it was refused before sending (`InvalidInput`). A transport
 * failure, a timeout, an answer that did not decode and a token failure leave it open: the
 * request may have been carried out, or may be next time. The sale engine finishes a create
 * refused so as never made.
 *
 * @since 0.2.0
 * @category transience
 */
export const isRefusal = (error: { readonly _tag: string }): boolean =>
  error._tag === "InvalidInput" || (answerTags.has(error._tag) && !isTransient(error))

// ---------------------------------------------------------------------------------------------
// Failures with no usable answer.

/**
 * No answer once the retries are spent: every attempt timed out (`Timeout`) or failed in the
 * network (`Transport`). Not a failed payment: read it, or retry with the same key.
 *
 * @since 0.2.0
 * @category errors
 */
export class EPaymentTransportError extends Schema.TaggedError<EPaymentTransportError>()(
  "EPaymentTransportError",
  {
    operation: EPaymentOperation,
    reason: Schema.Literal("Timeout", "Transport"),
    /** What the transport reported, sanitised. */
    detail: Schema.optional(Schema.String),
  },
) {
  override get message(): string {
    const what = this.reason === "Timeout" ? "timed out" : "could not reach Vipps MobilePay"
    return `${this.operation}: ${what}${this.detail === undefined ? "" : `: ${this.detail}`}`
  }
}

/**
 * A successful answer's body did not have the shape of the contract: `path` is where (dotted,
 * empty for the whole body), `reason` what was wrong (sanitised).
 *
 * @since 0.2.0
 * @category errors
 */
export class EPaymentDecodeError extends Schema.TaggedError<EPaymentDecodeError>()(
  "EPaymentDecodeError",
  {
    operation: EPaymentOperation,
    status: Schema.Number,
    path: Schema.String,
    reason: Schema.String,
  },
) {
  override get message(): string {
    const where = this.path === "" ? "the body" : `field ${this.path}`
    return `${this.operation}: the answer (HTTP ${this.status}) did not decode, ${where}: ${this.reason}`
  }
}

/**
 * A successful answer was larger than the client's `maxResponseBytes`; it was not read further.
 *
 * @since 0.2.0
 * @category errors
 */
export class EPaymentResponseTooLarge extends Schema.TaggedError<EPaymentResponseTooLarge>()(
  "EPaymentResponseTooLarge",
  { operation: EPaymentOperation, status: Schema.Number, maxBytes: Schema.Number },
) {
  override get message(): string {
    return `${this.operation}: the answer (HTTP ${this.status}) is larger than ${this.maxBytes} bytes`
  }
}

/**
 * Force approve was refused before sending: it exists only in the test environment (and the
 * sandbox or another custom host), never in production.
 *
 * @since 0.2.0
 * @category errors
 */
export class ForceApproveNotAllowed extends Schema.TaggedError<ForceApproveNotAllowed>()(
  "ForceApproveNotAllowed",
  { environment: Schema.String },
) {
  override get message(): string {
    return `forceApprove: only in the test environment, not in ${this.environment}`
  }
}

/**
 * Every way an ePayment call can fail once its input was checked (invalid input fails earlier,
 * with `InvalidInput`).
 *
 * @since 0.2.0
 * @category errors
 */
export type EPaymentError =
  EPaymentResponseError | EPaymentTransportError | EPaymentDecodeError | EPaymentResponseTooLarge

// ---------------------------------------------------------------------------------------------
// Reading an error answer.

// Each field is read on its own, so one odd field does not hide the others. `message` is what
// the API gateway (Azure APIM) writes instead of a problem's `title`.
const ProblemBody = Schema.Struct({
  title: Schema.optional(Schema.Unknown),
  message: Schema.optional(Schema.Unknown),
  detail: Schema.optional(Schema.Unknown),
  traceId: Schema.optional(Schema.Unknown),
  extraDetails: Schema.optional(Schema.Unknown),
})
const Text = Schema.Trim.pipe(Schema.nonEmptyString())
const ExtraDetail = Schema.Struct({
  name: Schema.String,
  reason: Schema.Union(Schema.String, Schema.Number),
})
const ErrorCodeText = Schema.String.pipe(Schema.pattern(/^\d{1,6}$/))

const readText = (value: unknown, secrets: ReadonlyArray<string> | undefined) =>
  Option.getOrUndefined(
    Option.map(Schema.decodeUnknownOption(Text)(value), (text) =>
      Untrusted.sanitize(text, { secrets }),
    ),
  )

// The `reason` of the `extraDetails` entry named `ErrorCode`: digits only, or none.
const readCode = (extraDetails: unknown): string | undefined => {
  if (!Array.isArray(extraDetails)) return undefined
  for (const entry of extraDetails.slice(0, 20)) {
    const detail = Schema.decodeUnknownOption(ExtraDetail)(entry)
    if (Option.isSome(detail) && detail.value.name.toLowerCase() === "errorcode") {
      return Option.getOrUndefined(
        Schema.decodeUnknownOption(ErrorCodeText)(String(detail.value.reason).trim()),
      )
    }
  }
  return undefined
}

const readBody = (text: string, secrets: ReadonlyArray<string> | undefined) =>
  Option.match(Option.flatMap(Untrusted.parseJson(text), Schema.decodeUnknownOption(ProblemBody)), {
    // Not JSON, or not an object: a gateway's text page. Its first words may still help.
    onNone: () => ({
      code: undefined,
      title: readText(text, secrets),
      detail: undefined,
      traceId: undefined,
    }),
    onSome: (body) => ({
      code: readCode(body.extraDetails),
      title: readText(body.title, secrets) ?? readText(body.message, secrets),
      detail: readText(body.detail, secrets),
      traceId: readText(body.traceId, secrets),
    }),
  })

const refusalFor = (operation: EPaymentOperation, code: string) =>
  refusals.find(
    (refused) =>
      refused.codes.includes(code) &&
      (refused.operations === undefined || refused.operations.includes(operation)),
  )

/**
 * The error for an answer with an error status: `body` is its text (possibly empty or cut
 * off, possibly not JSON). An ErrorCode with a class of its own gives that class, whatever the
 * status; otherwise the status decides. `traceIdHeader` is used when the body has no
 * `traceId`; `retryAfter` is the answer's `Retry-After`, already read. Every text taken from
 * the answer is sanitised, with `secrets` (the token, the subscription key) cut out.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromResponse = (response: {
  readonly operation: EPaymentOperation
  readonly status: number
  readonly body: string
  readonly traceIdHeader?: string | undefined
  readonly retryAfter?: Duration.Duration | undefined
  readonly secrets?: ReadonlyArray<string> | undefined
}): EPaymentResponseError => {
  const body = readBody(response.body, response.secrets)
  const fields = {
    operation: response.operation,
    status: response.status,
    code: body.code,
    title: body.title,
    detail: body.detail,
    traceId: body.traceId ?? readText(response.traceIdHeader, response.secrets),
    retryAfterMillis:
      response.retryAfter === undefined ? undefined : Duration.toMillis(response.retryAfter),
  }
  const code = fields.code
  if (code !== undefined) {
    if (code === "5090") return new PaymentNotFound(fields)
    const Refused = refusalFor(response.operation, code)
    if (Refused !== undefined) return new Refused({ ...fields, code })
  }
  return byStatus(fields)
}

// Where a decoding problem is, or what else was wrong with the body.
const issueOf = (issue: ParseResult.ParseError | string): { path: string; reason: string } => {
  if (typeof issue === "string") return { path: "", reason: issue }
  const { path, message } = InvalidInput.firstIssue(issue)
  return { path, reason: message }
}

/**
 * The error for a successful answer whose body did not decode (`issue`: the schema's error, or
 * what else was wrong). The reason may quote the body, so it is sanitised, `secrets` cut out.
 *
 * @since 0.2.0
 * @category constructors
 */
export const decodeError = (options: {
  readonly operation: EPaymentOperation
  readonly status: number
  readonly issue: ParseResult.ParseError | string
  readonly secrets?: ReadonlyArray<string> | undefined
}): EPaymentDecodeError => {
  const { path, reason } = issueOf(options.issue)
  const clean = (text: string) => Untrusted.sanitize(text, { secrets: options.secrets })
  return new EPaymentDecodeError({
    operation: options.operation,
    status: options.status,
    path: clean(path),
    reason: clean(reason),
  })
}
