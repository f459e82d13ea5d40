/**
 * A till's view of a payment platform, the same on MobilePay PoS V10 and on Vipps MobilePay
 * ePayment: start a sale and hold it while the customer decides (its id, what the customer
 * must see, its states, await or cancel), run a sale to its outcome, look an order up, refund.
 * A till program is written against {@link Till} alone; which platform it runs on is a layer:
 * `PosTill.layer` (`@effect-mobilepay/pos`) or `EPaymentTill.layer`
 * (`@effect-mobilepay/epayment`). Moving from V10 to ePayment is changing that layer.
 *
 * Amounts are minor units (øre, cents), as ePayment counts them; the V10 layer converts to and
 * from V10's kroner exactly. The errors are the platform's own only inside
 * {@link PlatformError}'s `cause`: a till program catches {@link TillError}'s tags without
 * importing a backend.
 *
 * @since 0.2.0
 */
import * as InvalidInput from "@effect-mobilepay/core/InvalidInput"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { SaleState } from "./Engine.js"
import type { Entry, PaymentJournalError } from "./PaymentJournal.js"
import type { View } from "./SaleBackend.js"
import type {
  OrderIdReused,
  PartialCaptureUnavailable,
  SaleInProgress,
  SaleOutcomeUnrecorded,
  SaleUnresolved,
} from "./SaleError.js"

/**
 * The platform a till runs on, as the journal names it.
 *
 * @since 0.2.0
 * @category models
 */
export type Backend = "PosV10" | "EPayment"

/**
 * A sale: the till's order id and the amount in minor units (øre, cents): a positive whole
 * number.
 *
 * @since 0.2.0
 * @category models
 */
export interface Sale {
  readonly orderId: string
  readonly amount: number
}

/**
 * How a sale ended, as the journal recorded it. `Paid`: `amount` (minor units) was captured:
 * the money is the merchant's. `NotPaid`: no money moved and nothing stays reserved; `reason`
 * says why in the till's words, `status` in the platform's (e.g. `CancelledByUser`, `ABORTED`).
 *
 * @since 0.2.0
 * @category models
 */
export type Outcome = Data.TaggedEnum<{
  Paid: { readonly orderId: string; readonly id: string; readonly amount: number }
  NotPaid: {
    readonly orderId: string
    readonly id: string
    readonly reason: NotPaidReason
    readonly status: string
  }
}>

/**
 * Why a sale ended without money: the customer declined it, it expired (the customer did not
 * act in time, or a reservation was never captured), it was cancelled (by the till, or by the
 * platform), or the platform never created it.
 *
 * @since 0.2.0
 * @category models
 */
export type NotPaidReason = "CustomerDeclined" | "Expired" | "Cancelled" | "NotCreated"

/**
 * Constructors and matchers of {@link Outcome}.
 *
 * @example
 * ```ts
 * import { Till } from "@effect-mobilepay/sale"
 *
 * const receipt = Till.Outcome.$match({
 *   Paid: ({ amount }) => `paid ${amount / 100}`,
 *   NotPaid: ({ reason }) => `not paid (${reason})`,
 * })
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export const Outcome = Data.taggedEnum<Outcome>()

/**
 * A refund that was paid out: `amount` (minor units) of the sale `id`, as the refund order
 * `refundOrderId`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Refunded {
  readonly refundOrderId: string
  readonly id: string
  readonly amount: number
}

/**
 * What to refund: `amount` (minor units) of a paid sale, named by its order id (looked up in
 * the journal) or by the platform's id, as its own order `refundOrderId` (several partial
 * refunds are several orders; ringing one up again resumes it instead of refunding twice).
 *
 * @since 0.2.0
 * @category models
 */
export type RefundRequest = {
  readonly refundOrderId: string
  readonly amount: number
} & (
  | { readonly orderId: string; readonly id?: undefined }
  | { readonly id: string; readonly orderId?: undefined }
)

/**
 * An order as the journal and the platform have it now: its latest journal entry, the
 * platform's id once known, one read of where it stands while it is unfinished (`view`), and
 * its outcome once finished.
 *
 * @since 0.2.0
 * @category models
 */
export interface Looked {
  readonly orderId: string
  readonly id: string | undefined
  readonly entry: Entry
  readonly view: Option.Option<View>
  readonly outcome: Option.Option<Outcome>
}

/**
 * The platform refused a call or could not be reached (after the client's retries): its HTTP
 * `status`, its error `code` and its `correlationId` (V10's correlation id, ePayment's
 * `traceId`: what the platform's support asks for) where it sent them, and the platform's own
 * error as `cause`. `refused`: the platform answered no (a 4xx, or the token endpoint
 * refusing the credentials): trying the same again will not help.
 *
 * @example
 * ```ts
 * import { Till } from "@effect-mobilepay/sale"
 * import { Effect } from "effect"
 *
 * const sale = Till.run({ orderId: "order-9", amount: 500 }).pipe(
 *   Effect.catchTag("PlatformError", (error) =>
 *     Effect.logWarning(`${error.backend} said ${error.status} ${error.code} (${error.correlationId})`),
 *   ),
 * )
 * ```
 *
 * @since 0.2.0
 * @category errors
 */
export class PlatformError extends Schema.TaggedError<PlatformError>()("PlatformError", {
  backend: Schema.Literal("PosV10", "EPayment"),
  /** The platform error's own tag, e.g. `PaymentAlreadyActive` or `CustomerCannotPay`. */
  kind: Schema.String,
  refused: Schema.Boolean,
  status: Schema.optional(Schema.Number),
  code: Schema.optional(Schema.String),
  correlationId: Schema.optional(Schema.String),
  message: Schema.String,
  cause: Schema.Defect,
}) {}

// What a platform error may carry, read by name: V10's correlation id, ePayment's traceId.
const numberField = (error: object, name: string): number | undefined => {
  const value: unknown = Reflect.get(error, name)
  return typeof value === "number" ? value : undefined
}
const stringField = (error: object, name: string): string | undefined => {
  const value: unknown = Reflect.get(error, name)
  return typeof value === "string" ? value : undefined
}

// Refused: the platform (or its token endpoint) answered no; a timeout or a rate limit is not.
const isRefusal = (status: number | undefined, tag: string): boolean =>
  tag === "InvalidClientCredentials" ||
  tag === "TokenRequestRejected" ||
  (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429)

/**
 * `error` (a platform client's, or its token endpoint's) as a {@link PlatformError} of
 * `backend`: its status, code and correlation id (or `traceId`) where it has them, itself as
 * the `cause`.
 *
 * @example
 * ```ts
 * import { Till } from "@effect-mobilepay/sale"
 * import { Data } from "effect"
 *
 * class Refused extends Data.TaggedError("Refused")<{ status: number; code: string }> {}
 * const error = Till.platformError("EPayment", new Refused({ status: 400, code: "5040" }))
 * // error.status === 400, error.code === "5040", error.refused === true
 * ```
 *
 * @since 0.2.0
 * @category errors
 */
export const platformError = (
  backend: Backend,
  error: { readonly _tag: string; readonly message: string },
): PlatformError => {
  const status = numberField(error, "status")
  const code = stringField(error, "code")
  const correlationId = stringField(error, "correlationId") ?? stringField(error, "traceId")
  return new PlatformError({
    backend,
    kind: error._tag,
    refused: isRefusal(status, error._tag),
    ...(status === undefined ? {} : { status }),
    ...(code === undefined ? {} : { code }),
    ...(correlationId === undefined ? {} : { correlationId }),
    message: error.message,
    cause: error,
  })
}

const tillErrorTags: ReadonlySet<string> = new Set<TillError["_tag"]>([
  "InvalidInput",
  "PlatformError",
  "SaleInProgress",
  "OrderIdReused",
  "SaleUnresolved",
  "PartialCaptureUnavailable",
  "SaleOutcomeUnrecorded",
  "PaymentJournalError",
  "RefundNotPaidOut",
])

const isTillError = <E extends { readonly _tag: string }>(
  error: E | TillError,
): error is TillError => tillErrorTags.has(error._tag)

/**
 * A platform flow's error as a {@link TillError}: the errors every backend shares (and input
 * refused before sending) as they are, the platform's own wrapped in {@link PlatformError}.
 *
 * @example
 * ```ts
 * import { Till } from "@effect-mobilepay/sale"
 * import { Data, Effect } from "effect"
 *
 * class Refused extends Data.TaggedError("Refused")<{ status: number }> {}
 * const create: Effect.Effect<string, Refused | Till.TillError> = new Refused({ status: 503 })
 * // Refused becomes a PlatformError; a TillError (e.g. SaleInProgress) stays as it is.
 * const neutral = Effect.mapError(create, Till.fromPlatform("EPayment"))
 * ```
 *
 * @since 0.2.0
 * @category errors
 */
export const fromPlatform =
  (backend: Backend) =>
  <E extends { readonly _tag: string; readonly message: string }>(
    error: E | TillError,
  ): TillError =>
    isTillError(error) ? error : platformError(backend, error)

/**
 * A refund ended without paying out (the platform or the client cancelled it); `status` is the
 * platform's word for how it ended.
 *
 * @since 0.2.0
 * @category errors
 */
export class RefundNotPaidOut extends Schema.TaggedError<RefundNotPaidOut>()("RefundNotPaidOut", {
  backend: Schema.Literal("PosV10", "EPayment"),
  refundOrderId: Schema.String,
  status: Schema.String,
}) {
  override get message(): string {
    return `Refund ${this.refundOrderId} ended ${this.status} without paying out`
  }
}

/**
 * Every way a till call fails: input refused before anything was sent (`InvalidInput`), the
 * platform refusing or failing (`PlatformError`), the engine's errors as every flow has them
 * (`SaleInProgress`, `OrderIdReused`, `SaleUnresolved`: recovery finishes it,
 * `PartialCaptureUnavailable`, `SaleOutcomeUnrecorded`: says whether money moved), the
 * journal failing before anything moved, or a refund that was not paid out.
 *
 * @since 0.2.0
 * @category errors
 */
export type TillError =
  | InvalidInput.InvalidInput
  | PlatformError
  | SaleInProgress
  | OrderIdReused
  | SaleUnresolved
  | PartialCaptureUnavailable
  | SaleOutcomeUnrecorded
  | PaymentJournalError
  | RefundNotPaidOut

/**
 * A sale the till holds while the customer decides (see {@link Till}'s `start`).
 *
 * @since 0.2.0
 * @category models
 */
export interface HeldSale {
  readonly orderId: string
  /** The platform's id: V10's payment id, ePayment's `reference`. */
  readonly id: string
  /**
   * What the customer must see or scan, when the platform gave it (ePayment's dynamic QR);
   * `undefined` on V10, where the customer checks in on the till's own beacon.
   */
  readonly customerUrl: string | undefined
  /** The sale's states from now on (created, reserved, decided, finished), ending with finished. */
  readonly states: Stream.Stream<SaleState>
  /** How the sale ended: waits for the customer, then captures or cancels. */
  readonly await: Effect.Effect<Outcome, TillError>
  /**
   * The till gives up: a sale not yet decided is cancelled; one already decided (the customer
   * approved) is carried out as decided. Answers how it ended either way.
   */
  readonly cancel: Effect.Effect<Outcome, TillError>
}

/**
 * A till on one payment platform.
 *
 * @example
 * ```ts
 * import { Till } from "@effect-mobilepay/sale"
 * import { Effect } from "effect"
 *
 * // The same program runs on PosTill.layer (V10) and on EPaymentTill.layer (ePayment).
 * const ringUp = Effect.gen(function* () {
 *   const till = yield* Till.Till
 *   const outcome = yield* till.run({ orderId: "order-42", amount: 1250 }) // 12.50 DKK
 *   return Till.Outcome.$match(outcome, {
 *     Paid: ({ amount }) => `paid ${amount}`,
 *     NotPaid: ({ reason }) => `not paid: ${reason}`,
 *   })
 * }).pipe(Effect.catchTag("PlatformError", (error) => Effect.succeed(`refused: ${error.code}`)))
 * ```
 *
 * @since 0.2.0
 * @category services
 */
export class Till extends Context.Tag("@effect-mobilepay/sale/Till")<Till, Till.Service>() {}

/**
 * @since 0.2.0
 * @category services
 */
export declare namespace Till {
  /**
   * What a till can do.
   *
   * @since 0.2.0
   * @category services
   */
  export interface Service {
    /** The platform the till runs on. */
    readonly backend: Backend
    /** The currency of its amounts (ISO 4217, e.g. `DKK`). */
    readonly currency: string
    /**
     * Starts a sale and answers as soon as the platform has it and the journal has recorded
     * it; the sale goes on in the caller's scope (closing it leaves the sale to recovery).
     * Ringing an order up again resumes it: a paid one answers `Paid` without charging again.
     */
    readonly start: (sale: Sale) => Effect.Effect<HeldSale, TillError, Scope.Scope>
    /** Runs a sale to its outcome: `start`, then `await`. */
    readonly run: (sale: Sale) => Effect.Effect<Outcome, TillError>
    /** The order as the journal has it, and one read of the platform while it is unfinished. */
    readonly lookup: (orderId: string) => Effect.Effect<Option.Option<Looked>, TillError>
    /** Refunds (part of) a paid sale; answers what was paid out. */
    readonly refund: (refund: RefundRequest) => Effect.Effect<Refunded, TillError>
  }
}

/**
 * What a platform's till layer implements; {@link make} adds the checks and `run`.
 *
 * @since 0.2.0
 * @category constructors
 */
export interface Implementation {
  readonly backend: Backend
  readonly currency: string
  /** Starts a checked sale. */
  readonly start: (sale: Sale) => Effect.Effect<HeldSale, TillError, Scope.Scope>
  readonly lookup: (orderId: string) => Effect.Effect<Option.Option<Looked>, TillError>
  /** Refunds a checked amount of the sale with the platform's `id`. */
  readonly refund: (refund: {
    readonly refundOrderId: string
    readonly id: string
    readonly amount: number
  }) => Effect.Effect<Refunded, TillError>
}

const MinorUnits = Schema.Int.pipe(Schema.positive())
const decodeAmount = InvalidInput.decoder(MinorUnits, "amount")
const decodeOrderId = InvalidInput.decoder(Schema.NonEmptyTrimmedString, "orderId")
const decodeRefundOrderId = InvalidInput.decoder(Schema.NonEmptyTrimmedString, "refundOrderId")

const checkSale = (sale: Sale): Effect.Effect<Sale, InvalidInput.InvalidInput> =>
  Effect.all({ orderId: decodeOrderId(sale.orderId), amount: decodeAmount(sale.amount) })

/**
 * A {@link Till} from a platform's implementation: the amount (a positive whole number of
 * minor units) and the order ids are checked before anything is written or sent, and a refund
 * named by order id finds the sale's platform id in the journal.
 *
 * @example
 * ```ts
 * import { Till } from "@effect-mobilepay/sale"
 * import { Effect, Option, Stream } from "effect"
 *
 * // A till that knows no platform: every sale ends NotPaid at once (a stand-in for tests).
 * const closed = Till.make({
 *   backend: "EPayment",
 *   currency: "DKK",
 *   start: (sale) =>
 *     Effect.succeed({
 *       orderId: sale.orderId,
 *       id: sale.orderId,
 *       customerUrl: undefined,
 *       states: Stream.empty,
 *       await: Effect.succeed(closedOutcome(sale)),
 *       cancel: Effect.succeed(closedOutcome(sale)),
 *     }),
 *   lookup: () => Effect.succeed(Option.none()),
 *   refund: (refund) => Effect.succeed({ ...refund }),
 * })
 * const closedOutcome = (sale: Till.Sale) =>
 *   Till.Outcome.NotPaid({ orderId: sale.orderId, id: sale.orderId, reason: "Cancelled", status: "CLOSED" })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (implementation: Implementation): Till.Service => {
  const start = (sale: Sale) => Effect.flatMap(checkSale(sale), implementation.start)
  const refund = (request: RefundRequest): Effect.Effect<Refunded, TillError> =>
    Effect.gen(function* () {
      const refundOrderId = yield* decodeRefundOrderId(request.refundOrderId)
      const amount = yield* decodeAmount(request.amount)
      const id =
        request.id !== undefined
          ? yield* InvalidInput.decoder(Schema.NonEmptyTrimmedString, "id")(request.id)
          : yield* idOfOrder(request.orderId)
      return yield* implementation.refund({ refundOrderId, id, amount })
    })
  const idOfOrder = (orderId: string) =>
    Effect.flatMap(implementation.lookup(orderId), (found) =>
      Option.match(
        Option.flatMapNullable(found, (looked) => looked.id),
        {
          onNone: () =>
            Effect.fail(
              new InvalidInput.InvalidInput({
                field: "orderId",
                reason: `the journal has no ${implementation.backend} payment of order ${orderId}`,
              }),
            ),
          onSome: Effect.succeed,
        },
      ),
    )
  return {
    backend: implementation.backend,
    currency: implementation.currency,
    start,
    run: (sale) => Effect.scoped(Effect.flatMap(start(sale), (held) => held.await)),
    lookup: implementation.lookup,
    refund,
  }
}

/**
 * Starts a sale on the {@link Till} in context (see its `start`).
 *
 * @example
 * ```ts
 * import { Till } from "@effect-mobilepay/sale"
 * import { Effect } from "effect"
 *
 * const sale = Effect.scoped(
 *   Effect.gen(function* () {
 *     const held = yield* Till.start({ orderId: "order-7", amount: 4500 })
 *     yield* Effect.log(`show ${held.customerUrl ?? "the till's beacon"}`)
 *     return yield* held.await // or held.cancel when the customer walks away
 *   }),
 * )
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const start = (sale: Sale): Effect.Effect<HeldSale, TillError, Till | Scope.Scope> =>
  Effect.flatMap(Till, (till) => till.start(sale))

/**
 * Runs a sale to its outcome on the {@link Till} in context.
 *
 * @example
 * ```ts
 * import { Till } from "@effect-mobilepay/sale"
 *
 * const outcome = Till.run({ orderId: "order-8", amount: 1999 }) // 19.99
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const run = (sale: Sale): Effect.Effect<Outcome, TillError, Till> =>
  Effect.flatMap(Till, (till) => till.run(sale))

/**
 * Looks an order up on the {@link Till} in context.
 *
 * @example
 * ```ts
 * import { Till } from "@effect-mobilepay/sale"
 * import { Effect, Option } from "effect"
 *
 * const paid = Effect.map(Till.lookup("order-8"), (found) =>
 *   Option.exists(Option.flatMap(found, (order) => order.outcome), (o) => o._tag === "Paid"),
 * )
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const lookup = (orderId: string): Effect.Effect<Option.Option<Looked>, TillError, Till> =>
  Effect.flatMap(Till, (till) => till.lookup(orderId))

/**
 * Refunds (part of) a paid sale on the {@link Till} in context.
 *
 * @example
 * ```ts
 * import { Till } from "@effect-mobilepay/sale"
 *
 * // 5.00 of order-8 back, as the refund order order-8-r1.
 * const back = Till.refund({ refundOrderId: "order-8-r1", orderId: "order-8", amount: 500 })
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const refund = (request: RefundRequest): Effect.Effect<Refunded, TillError, Till> =>
  Effect.flatMap(Till, (till) => till.refund(request))
