/**
 * The in-store flows of ePayment, journaled on the sale engine of `@effect-mobilepay/sale`:
 * push to a phone number, the merchant scanning the customer's personal QR, a dynamic QR on a
 * customer-facing screen, and the callback-QR sticker; each waits for the customer and
 * captures (all, or less), and refunds, partial and several. Like PoS V10's `PaymentFlow`,
 * every flow is written ahead in the `PaymentJournal`: a flow that crashes or loses an answer
 * is finished by `Recovery` exactly as decided, and ringing the same order up again resumes
 * it instead of making a second payment.
 *
 * What ePayment leaves to the client, these flows do:
 * - one open payment per till: with `till`, an unfinished payment of another order at that till
 *   is finished first (an undecided one cancelled, a decided one carried out), or the new sale
 *   fails with `SaleInProgress` when a live flow holds it;
 * - the customer's 10 minutes: a flow waits until the platform ends the payment, unless the
 *   till gives up (`cancelWhen`, or a `customerTimeout` it sets); a payment the customer may be
 *   approving is cancelled with `cancelTransactionOnly`;
 * - a reservation is captured only once a capture is recorded, and only after a read.
 *
 * @example
 * import { SaleFlow } from "@effect-mobilepay/epayment"
 * import * as Effect from "effect/Effect"
 *
 * const sale = SaleFlow.pushToPhone(
 *   { orderId: "till-1-order-42", amount: { currency: "DKK", value: 1250 }, phoneNumber: "4512345678" },
 *   { till: "till-1" },
 * ).pipe(
 *   Effect.tap((outcome) => Effect.logInfo(outcome._tag)), // Captured or NotCompleted
 *   Effect.catchTag("CustomerCannotPay", () => Effect.logInfo("offer another way to pay")),
 * )
 *
 * @since 0.2.0
 */
import * as DurationOption from "@effect-mobilepay/core/DurationOption"
import * as InvalidInput from "@effect-mobilepay/core/InvalidInput"
import * as Engine from "@effect-mobilepay/sale/Engine"
import {
  type Entry,
  PaymentJournal,
  type PaymentJournalError,
} from "@effect-mobilepay/sale/PaymentJournal"
import {
  type OrderIdReused,
  type PartialCaptureUnavailable,
  SaleInProgress,
  type SaleOutcomeUnrecorded,
  type SaleUnresolved,
} from "@effect-mobilepay/sale/SaleError"
import type { View } from "@effect-mobilepay/sale/SaleBackend"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { Reference } from "./Domain.js"
import { EPaymentClient, type EPaymentClientError } from "./EPaymentClient.js"
import * as EPaymentSale from "./EPaymentSale.js"
import type * as Payment from "./Payment.js"
import { WebhookReceiver } from "./WebhookReceiver.js"

/**
 * How a payment flow ended, as the journal recorded it: `Captured` with the amount captured
 * (minor units), or `NotCompleted` with how it ended without money (`ABORTED`: the customer
 * rejected it; `EXPIRED`: the customer's 10 minutes ran out; `TERMINATED` or `CANCELLED`: the
 * till cancelled it).
 *
 * @since 0.2.0
 * @category models
 */
export type SaleOutcome = Data.TaggedEnum<{
  Captured: { readonly orderId: string; readonly reference: string; readonly amount: number }
  NotCompleted: { readonly orderId: string; readonly reference: string; readonly status: string }
}>

/**
 * Constructors and matchers of {@link SaleOutcome}.
 *
 * @since 0.2.0
 * @category models
 */
export const SaleOutcome = Data.taggedEnum<SaleOutcome>()

/**
 * A refund that was paid out: `amount` (minor units) of the payment `reference`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Refunded {
  readonly orderId: string
  readonly reference: string
  readonly amount: number
}

/**
 * The callback-QR flow gave up waiting for a customer to scan the till's sticker (the till
 * cancelled, or `checkInTimeout` passed). Nothing was written or sent.
 *
 * @since 0.2.0
 * @category errors
 */
export class NoCheckIn extends Schema.TaggedError<NoCheckIn>()("NoCheckIn", {
  orderId: Schema.String,
  merchantQrId: Schema.String,
}) {
  override get message(): string {
    return `No customer checked in at callback QR ${this.merchantQrId} for order ${this.orderId}; nothing was sent`
  }
}

/**
 * Every way a flow fails: input refused before anything was written or sent, the platform
 * refusing the payment (e.g. `CustomerCannotPay`, `RefundAmountTooHigh`), the order being
 * worked on elsewhere or the till busy with a sale a live flow holds (`SaleInProgress`), the
 * order id belonging to another sale (`OrderIdReused`), a sale that cannot be finished now
 * (`SaleUnresolved`: recovery will), a sale that ended whose outcome the journal could not
 * record (`SaleOutcomeUnrecorded`, which says whether money moved), or the journal failing
 * before anything moved.
 *
 * @since 0.2.0
 * @category errors
 */
export type SaleFlowError =
  | EPaymentClientError
  | SaleInProgress
  | OrderIdReused
  | SaleUnresolved
  | PartialCaptureUnavailable
  | SaleOutcomeUnrecorded
  | PaymentJournalError

/**
 * @since 0.2.0
 * @category options
 */
export interface FlowOptions extends EPaymentSale.Options {
  /**
   * The till the sale is at: the library keeps one open payment per till (ePayment knows no
   * tills). Before this sale's payment is created, an unfinished payment of another order at
   * this till is finished as the journal says (an undecided one is cancelled).
   */
  readonly till?: string | undefined
  /**
   * Completes when the till gives up on the sale: the payment is cancelled (with
   * `cancelTransactionOnly` while the customer has not approved) and the flow ends
   * `NotCompleted`.
   * @default Effect.never
   */
  readonly cancelWhen?: Effect.Effect<void> | undefined
  /**
   * How long to wait for the customer before cancelling. By default the flow waits until the
   * platform ends the payment (the customer's 10 minutes): a till that cancels earlier makes a
   * customer who approves a second later pay for nothing.
   * @default Infinity
   */
  readonly customerTimeout?: Duration.DurationInput | undefined
  /**
   * The longest pause between reads after failed reads.
   * @default "30 seconds"
   */
  readonly maxFailureDelay?: Duration.DurationInput | undefined
  /**
   * How long the flow's hold on its journal entry lasts without renewal (renewed while the
   * flow runs): recovery elsewhere takes the sale over this long after a crash.
   * @default "15 seconds"
   */
  readonly lease?: Duration.DurationInput | undefined
  /** The sales unit, when not the client's (4 to 10 digits). */
  readonly merchantSerialNumber?: string | undefined
}

/**
 * @since 0.2.0
 * @category options
 */
export interface CaptureOptions extends FlowOptions {
  /** Capture less than the amount (minor units); the rest of the reservation is released. */
  readonly captureAmount?: number | undefined
}

/**
 * What every in-store sale has: the order (the payment's `reference`: 8 to 64 of `A-Z`,
 * `a-z`, `0-9` and `-`), the amount, and what the app shows.
 *
 * @since 0.2.0
 * @category models
 */
export interface Sale {
  readonly orderId: string
  readonly amount: Payment.CreatePaymentRequest.Encoded["amount"]
  readonly paymentDescription?: string | undefined
}

/**
 * A payment of any in-store kind: the create request without its `reference` (the order id
 * is), plus the order id.
 *
 * @since 0.2.0
 * @category models
 */
export type PaymentRequest = Omit<Payment.CreatePaymentRequest.Encoded, "reference"> & {
  readonly orderId: string
}

// ---------------------------------------------------------------------------------------
// Sessions and plans

type Session = Engine.Session<EPaymentSale.Plan, EPaymentSale.PlanEncoded, EPaymentClientError>

const session = (options: FlowOptions) =>
  Effect.gen(function* () {
    const journal = yield* PaymentJournal
    const client = yield* EPaymentClient
    const backend = yield* EPaymentSale.make(options)
    const lease = yield* DurationOption.timeout("lease", options.lease, "15 seconds")
    const within =
      options.customerTimeout === undefined
        ? Duration.infinity
        : yield* DurationOption.decode("customerTimeout", options.customerTimeout, {
            allowInfinite: true,
          })
    const maxFailureDelay = yield* DurationOption.timeout(
      "maxFailureDelay",
      options.maxFailureDelay,
      "30 seconds",
    )
    const session: Session = {
      engine: { backend, journal, lease },
      mode: {
        _tag: "Flow",
        wait: { within, maxFailureDelay, interrupted: options.cancelWhen ?? Effect.never },
      },
      merchant: options.merchantSerialNumber ?? client.merchantSerialNumber,
      owner: Engine.owner(journal),
    }
    return session
  })

const decodeOrderId = InvalidInput.decoder(Reference, "orderId")
const decodeRefundOrderId = InvalidInput.decoder(Schema.NonEmptyTrimmedString, "orderId")
const decodePaymentPlan = InvalidInput.decoder(EPaymentSale.PaymentPlan, "request", {
  onExcessProperty: "error",
})
const decodeRefundPlan = InvalidInput.decoder(EPaymentSale.RefundPlan, "refund")

const paymentPlan = (request: PaymentRequest, options: CaptureOptions) =>
  Effect.gen(function* () {
    const { orderId, ...create } = request
    const reference = yield* decodeOrderId(orderId)
    const captureAmount = options.captureAmount ?? create.amount.value
    if (captureAmount > create.amount.value) {
      return yield* new InvalidInput.InvalidInput({
        field: "captureAmount",
        reason: `must not exceed the amount (${create.amount.value})`,
      })
    }
    return yield* decodePaymentPlan({
      _tag: "Payment",
      request: { ...create, reference },
      captureAmount,
      ...(options.till === undefined ? {} : { till: options.till }),
    })
  })

const outcomeOf = (entry: Entry, plan: EPaymentSale.PaymentPlan): SaleOutcome => {
  const reference = Option.getOrElse(entry.resourceId, () => EPaymentSale.referenceOf(entry))
  const outcome = Option.getOrUndefined(entry.outcome)
  if (outcome?._tag === "Final" && outcome.status === "CAPTURED") {
    return SaleOutcome.Captured({
      orderId: entry.orderId,
      reference,
      amount: outcome.amount ?? plan.captureAmount,
    })
  }
  return SaleOutcome.NotCompleted({
    orderId: entry.orderId,
    reference,
    status: outcome?._tag === "Final" ? outcome.status : "NOT_CREATED",
  })
}

// ---------------------------------------------------------------------------------------
// One open payment per till

// Finishes the unfinished payments of other orders at `till` as the journal says: each is
// taken over (its lease) and driven as recovery drives it. One a live flow holds fails the new
// sale, naming the till and both orders.
const clearTill = (session: Session, till: string, requestedOrderId: string | undefined) =>
  Effect.gen(function* () {
    const { engine, owner, merchant } = session
    const unfinished = yield* engine.journal.query({
      backend: EPaymentSale.name,
      kind: "Payment",
      merchant,
      finished: false,
    })
    const cleared: Array<string> = []
    for (const entry of unfinished) {
      if (entry.orderId === requestedOrderId) continue
      const plan = yield* Engine.planOf(engine, entry)
      if (plan._tag !== "Payment" || plan.till !== till) continue
      const claimed = yield* engine.journal.claim(entry.key, owner, { duration: engine.lease })
      if (Option.isNone(claimed)) {
        return yield* new SaleInProgress({
          kind: "Payment",
          orderId: entry.orderId,
          key: entry.key,
          leaseUntil: Option.getOrUndefined(entry.leaseUntil),
          posId: till,
          requestedOrderId,
        })
      }
      yield* Engine.driveHeld(engine, { _tag: "Recover" }, owner, claimed.value)
      yield* Effect.logInfo(`till ${till}: finished order ${entry.orderId}'s payment first`)
      cleared.push(entry.orderId)
    }
    return cleared
  })

const runPayment = (session: Session, plan: EPaymentSale.PaymentPlan) =>
  Effect.gen(function* () {
    const orderId = plan.request.reference
    if (plan.till !== undefined) yield* clearTill(session, plan.till, orderId)
    const entry = yield* Engine.run(session, orderId, plan, Effect.fail)
    return outcomeOf(entry, plan)
  })

// ---------------------------------------------------------------------------------------
// Flows

/**
 * Any in-store payment: creates it (journaled first), waits for the customer, and captures
 * `captureAmount` (all by default) once they approved; the customer rejecting it, the
 * platform expiring it, or the till cancelling it end `NotCompleted`. The four flows below are
 * this with their `userFlow` and `customer` filled in. `paymentMethod` is `WALLET` and
 * `customerInteraction` `CUSTOMER_PRESENT` unless given.
 *
 * @example
 * ```ts
 * import { SaleFlow } from "@effect-mobilepay/epayment"
 * import { Effect } from "effect"
 *
 * // A payment to the customer whose phone number is known, captured once they approve.
 * const sale = SaleFlow.payAndCapture(
 *   {
 *     orderId: "till-1-order-43",
 *     amount: { currency: "NOK", value: 49900 },
 *     userFlow: "PUSH_MESSAGE",
 *     customer: { phoneNumber: "4791234567" },
 *   },
 *   { till: "till-1", captureAmount: 39900 },
 * ).pipe(
 *   Effect.map((outcome) =>
 *     SaleFlow.SaleOutcome.$match(outcome, {
 *       Captured: ({ amount }) => `captured ${amount}`,
 *       NotCompleted: ({ status }) => `not paid: ${status}`,
 *     }),
 *   ),
 * )
 * ```
 *
 * @since 0.2.0
 * @category flows
 */
export const payAndCapture = (
  request: Omit<PaymentRequest, "paymentMethod"> & {
    readonly paymentMethod?: PaymentRequest["paymentMethod"] | undefined
  },
  options: CaptureOptions = {},
): Effect.Effect<SaleOutcome, SaleFlowError, EPaymentClient | PaymentJournal> =>
  Effect.gen(function* () {
    const plan = yield* paymentPlan(
      {
        ...request,
        paymentMethod: request.paymentMethod ?? { type: "WALLET" },
        customerInteraction: request.customerInteraction ?? "CUSTOMER_PRESENT",
      },
      options,
    )
    return yield* runPayment(yield* session(options), plan)
  }).pipe(Effect.withSpan("SaleFlow.payAndCapture", { captureStackTrace: false }))

// The fields every in-store sale shares, as create takes them.
const saleFields = (sale: Sale) => ({
  orderId: sale.orderId,
  amount: sale.amount,
  ...(sale.paymentDescription === undefined ? {} : { paymentDescription: sale.paymentDescription }),
})

/**
 * The cashier types the customer's phone number: the payment request is pushed to their app.
 * `CustomerCannotPay` (7010): offer another way to pay; never say the number is wrong.
 *
 * @example
 * ```ts
 * import { EPayment, SaleFlow } from "@effect-mobilepay/epayment"
 * import { PaymentJournal } from "@effect-mobilepay/sale"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 *
 * const sale = SaleFlow.pushToPhone(
 *   { orderId: "till-1-order-42", amount: { currency: "DKK", value: 1250 }, phoneNumber: "4512345678" },
 *   { till: "till-1" },
 * ).pipe(
 *   Effect.tap((outcome) => Effect.logInfo(outcome._tag)), // Captured or NotCompleted
 *   Effect.catchTag("CustomerCannotPay", () => Effect.logInfo("offer another way to pay")),
 * )
 *
 * // The clients from VIPPS_MOBILEPAY_* variables; the journal in memory here, in SQL in
 * // production (`SqlPaymentJournal.layer` from `@effect-mobilepay/journal-sql`).
 * const program = sale.pipe(
 *   Effect.provide(Layer.merge(EPayment.layerConfig(), PaymentJournal.layerMemory)),
 *   Effect.provide(FetchHttpClient.layer),
 * )
 * ```
 *
 * @since 0.2.0
 * @category flows
 */
export const pushToPhone = (
  sale: Sale & { readonly phoneNumber: string },
  options: CaptureOptions = {},
): Effect.Effect<SaleOutcome, SaleFlowError, EPaymentClient | PaymentJournal> =>
  payAndCapture(
    {
      ...saleFields(sale),
      userFlow: "PUSH_MESSAGE" as const,
      customer: { phoneNumber: sale.phoneNumber },
    },
    options,
  )

/**
 * The merchant scans the customer's personal QR (its full content): the payment request
 * reaches its owner's app.
 *
 * @since 0.2.0
 * @category flows
 */
export const scanPersonalQr = (
  sale: Sale & { readonly personalQr: string },
  options: CaptureOptions = {},
): Effect.Effect<SaleOutcome, SaleFlowError, EPaymentClient | PaymentJournal> =>
  payAndCapture(
    {
      ...saleFields(sale),
      userFlow: "PUSH_MESSAGE" as const,
      customer: { personalQr: sale.personalQr },
    },
    options,
  )

/**
 * A dynamic QR on a customer-facing screen (`userFlow: QR`): `onCreated` receives the QR's
 * `redirectUrl` as soon as the payment exists (the image to show, or with `TEXT/TARGETURL`
 * the URL to render), before the customer can act; a payment resumed from the journal shows
 * its QR again.
 *
 * @example
 * ```ts
 * import { SaleFlow } from "@effect-mobilepay/epayment"
 * import { Console } from "effect"
 *
 * // The QR to show on the customer's screen arrives as soon as the payment exists.
 * const sale = SaleFlow.dynamicQr(
 *   { orderId: "kiosk-2-order-7", amount: { currency: "DKK", value: 4500 } },
 *   {
 *     till: "kiosk-2",
 *     onCreated: ({ redirectUrl }) => Console.log(`show the QR of ${redirectUrl}`),
 *   },
 * )
 * ```
 *
 * @since 0.2.0
 * @category flows
 */
export const dynamicQr = (
  sale: Sale & { readonly qrFormat?: Payment.QrFormat | undefined },
  options: CaptureOptions & {
    readonly onCreated: (created: EPaymentSale.Created) => Effect.Effect<void>
  },
): Effect.Effect<SaleOutcome, SaleFlowError, EPaymentClient | PaymentJournal> =>
  payAndCapture(
    {
      ...saleFields(sale),
      userFlow: "QR" as const,
      qrFormat: sale.qrFormat ?? { format: "IMAGE/SVG+XML" as const },
    },
    options,
  )

/**
 * The till's callback-QR sticker: waits for a customer to scan the QR `merchantQrId` (a
 * `user.checked-in.v1` webhook, taken from the {@link WebhookReceiver}: the latest unused
 * check-in of the last 15 minutes, or the next), then pushes the payment to them with its
 * `customerToken` and captures. The till is the QR's unless `till` says otherwise. An order
 * resumed from the journal keeps its check-in; `NoCheckIn` when the till gives up first
 * (`cancelWhen`, `checkInTimeout`).
 *
 * @since 0.2.0
 * @category flows
 */
export const callbackQr = (
  sale: Sale & { readonly merchantQrId: string },
  options: CaptureOptions & { readonly checkInTimeout?: Duration.DurationInput | undefined } = {},
): Effect.Effect<
  SaleOutcome,
  SaleFlowError | NoCheckIn,
  EPaymentClient | PaymentJournal | WebhookReceiver
> =>
  Effect.gen(function* () {
    const flowOptions = { ...options, till: options.till ?? sale.merchantQrId }
    const s = yield* session(flowOptions)
    const { engine, merchant } = s
    const orderId = yield* decodeOrderId(sale.orderId)
    const checkInTimeout =
      options.checkInTimeout === undefined
        ? Duration.infinity
        : yield* DurationOption.decode("checkInTimeout", options.checkInTimeout, {
            allowInfinite: true,
          })
    // A sale already under way keeps its plan: its customer checked in already.
    const last = (yield* engine.journal.attempts(
      EPaymentSale.name,
      "Payment",
      merchant,
      orderId,
    )).at(-1)
    const recorded =
      last !== undefined && (!last.isFinished || Engine.holdsMoney(engine.backend, last))
        ? Option.some(yield* Engine.planOf(engine, last))
        : Option.none()
    if (Option.isSome(recorded) && recorded.value._tag === "Payment") {
      return yield* runPayment(s, recorded.value)
    }
    yield* clearTill(s, flowOptions.till, orderId)
    const receiver = yield* WebhookReceiver
    const noCheckIn = new NoCheckIn({ orderId, merchantQrId: sale.merchantQrId })
    const checkIn = yield* receiver
      .takeCheckIn(sale.merchantQrId)
      .pipe(
        Effect.raceFirst(
          Effect.zipRight(options.cancelWhen ?? Effect.never, Effect.fail(noCheckIn)),
        ),
        Duration.isFinite(checkInTimeout)
          ? Effect.timeoutFail({ duration: checkInTimeout, onTimeout: () => noCheckIn })
          : (effect) => effect,
      )
    const plan = yield* paymentPlan(
      {
        ...saleFields({ ...sale, orderId }),
        paymentMethod: { type: "WALLET" as const },
        userFlow: "PUSH_MESSAGE" as const,
        customer: { customerToken: Redacted.value(checkIn.customerToken) },
        customerInteraction: "CUSTOMER_PRESENT" as const,
      },
      flowOptions,
    )
    return yield* runPayment(s, plan)
  }).pipe(Effect.withSpan("SaleFlow.callbackQr", { captureStackTrace: false }))

/**
 * Refunds `amount` (minor units) of the captured payment `reference`, as its own journaled
 * sale: `orderId` is the refund's order id, so several partial refunds of one payment are
 * several orders, and ringing one up again resumes it instead of refunding twice.
 *
 * @example
 * ```ts
 * import { SaleFlow } from "@effect-mobilepay/epayment"
 * import { Effect } from "effect"
 *
 * // A refund is an order of its own: ringing it up again resumes it, never refunds twice.
 * const refund = SaleFlow.refund({
 *   orderId: "till-1-order-42-refund-1",
 *   reference: "till-1-order-42",
 *   amount: { currency: "DKK", value: 500 },
 * }).pipe(Effect.tap(({ amount }) => Effect.logInfo(`refunded ${amount}`)))
 * ```
 *
 * @since 0.2.0
 * @category flows
 */
export const refund = (
  refund: {
    readonly orderId: string
    readonly reference: string
    readonly amount: Payment.ModificationRequest.Encoded["modificationAmount"]
  },
  options: Pick<FlowOptions, "lease" | "merchantSerialNumber" | "maxFailureDelay"> = {},
): Effect.Effect<Refunded, SaleFlowError, EPaymentClient | PaymentJournal> =>
  Effect.gen(function* () {
    const orderId = yield* decodeRefundOrderId(refund.orderId)
    const plan = yield* decodeRefundPlan({
      _tag: "Refund",
      reference: refund.reference,
      amount: refund.amount,
    })
    const s = yield* session(options)
    const entry = yield* Engine.run(s, orderId, plan, Effect.fail)
    const outcome = Option.getOrUndefined(entry.outcome)
    return {
      orderId,
      reference: plan.reference,
      amount: outcome?._tag === "Final" ? (outcome.amount ?? plan.amount.value) : plan.amount.value,
    }
  }).pipe(Effect.withSpan("SaleFlow.refund", { captureStackTrace: false }))

/**
 * Finishes every unfinished payment at `till` as the journal says (an undecided one is
 * cancelled, a decided one carried out), so the till can start a new sale; fails with
 * `SaleInProgress` when a live flow holds one. Returns the order ids finished.
 *
 * @since 0.2.0
 * @category flows
 */
export const finishTill = (
  till: string,
  options: Pick<FlowOptions, "lease" | "merchantSerialNumber"> = {},
): Effect.Effect<ReadonlyArray<string>, SaleFlowError, EPaymentClient | PaymentJournal> =>
  Effect.flatMap(session(options), (s) => clearTill(s, till, undefined))

// ---------------------------------------------------------------------------------------
// A sale the till holds

/**
 * A sale that runs on while the till does other things: its ids and QR once the payment exists
 * and is journaled, where it stands as it is read, its outcome, and the till's cancel.
 *
 * @since 0.2.0
 * @category held sales
 */
export interface HeldSale {
  readonly orderId: string
  /** The payment's `reference` (the order id, or `<orderId>-<attempt>` for a later attempt). */
  readonly reference: string
  /** What the customer must see: a dynamic QR's image (or target URL). */
  readonly redirectUrl: string | undefined
  /** Where the payment stands, each time it is read: the latest at once, then each new one; ends with the sale. */
  readonly states: Stream.Stream<View>
  /**
   * The sale's stages as the engine reaches them (created, reserved, decided, finished), ending
   * with finished: what `PaymentFlow.HeldPayment.states` gives on V10.
   */
  readonly stages: Stream.Stream<Engine.SaleState>
  /** The outcome, once the sale ends. */
  readonly await: Effect.Effect<SaleOutcome, SaleFlowError>
  /**
   * Gives up on the sale: cancels the payment (with `cancelTransactionOnly` while the customer
   * has not approved; on `6060` the reservation is released too) and answers the outcome. A
   * sale that was captured meanwhile answers `Captured`.
   */
  readonly cancel: Effect.Effect<SaleOutcome, SaleFlowError>
}

/**
 * Starts a sale of any in-store kind (as {@link payAndCapture} takes it) and returns as soon as
 * its payment exists and is journaled, with what the till needs to go on: the reference, the
 * QR to show, the states, `await` and `cancel`. The sale runs in the scope: closing it (a
 * program shutting down) stops the flow where it stands, and `Recovery` finishes it as the
 * journal says. An order already finished answers at once (its `await` gives the outcome); a
 * refusal or input error before the payment exists fails here.
 *
 * @example
 * import { SaleFlow } from "@effect-mobilepay/epayment"
 * import * as Effect from "effect/Effect"
 *
 * const kiosk = Effect.gen(function* () {
 *   const sale = yield* SaleFlow.start(
 *     { orderId: "kiosk-2-order-8", amount: { currency: "DKK", value: 4500 }, userFlow: "QR" },
 *     { till: "kiosk-2" },
 *   )
 *   yield* Effect.logInfo(`show ${sale.redirectUrl}`)
 *   return yield* sale.await
 * }).pipe(Effect.scoped)
 *
 * @since 0.2.0
 * @category held sales
 */
export const start = (
  request: Parameters<typeof payAndCapture>[0],
  options: CaptureOptions = {},
): Effect.Effect<HeldSale, SaleFlowError, EPaymentClient | PaymentJournal | Scope.Scope> =>
  Effect.gen(function* () {
    const created = yield* Deferred.make<EPaymentSale.Created>()
    const seen = yield* SubscriptionRef.make(Option.none<View>())
    const { onCreated, onRead } = options
    const flowOptions: CaptureOptions = {
      ...options,
      onCreated: (payment) =>
        Effect.zipRight(
          Deferred.succeed(created, payment),
          onCreated === undefined ? Effect.void : onCreated(payment),
        ),
      onRead: (view) =>
        Effect.zipRight(
          SubscriptionRef.set(seen, Option.some(view)),
          onRead === undefined ? Effect.void : onRead(view),
        ),
    }
    const plan = yield* paymentPlan(
      {
        ...request,
        paymentMethod: request.paymentMethod ?? { type: "WALLET" },
        customerInteraction: request.customerInteraction ?? "CUSTOMER_PRESENT",
      },
      flowOptions,
    )
    const s = yield* session(flowOptions)
    const orderId = plan.request.reference
    if (plan.till !== undefined) yield* clearTill(s, plan.till, orderId)
    const sale = yield* Engine.start(s, orderId, plan, Effect.fail)
    const ended = Effect.map(sale.await, (entry) => outcomeOf(entry, plan))
    // The QR: from the create call, or (a payment resumed from the journal) its first read; a
    // sale that had ended already has none, and its reference is its outcome's.
    const shown = yield* Effect.raceFirst(
      Effect.map(Deferred.await(created), Option.some),
      Effect.as(Effect.either(sale.await), Option.none<EPaymentSale.Created>()),
    )
    const reference = Option.isSome(shown) ? shown.value.reference : (yield* ended).reference
    return {
      orderId,
      reference,
      redirectUrl: Option.getOrUndefined(shown)?.redirectUrl,
      states: seen.changes.pipe(
        Stream.filterMap((view) => view),
        Stream.changesWith((a, b) => a.stage === b.stage && a.status === b.status),
        Stream.interruptWhen(Effect.either(sale.await)),
      ),
      stages: sale.states,
      await: ended,
      cancel: Effect.map(sale.cancel, (entry) => outcomeOf(entry, plan)),
    }
  }).pipe(Effect.withSpan("SaleFlow.start", { captureStackTrace: false }))

/**
 * A sale as the journal and the platform know it now, for support and reconciliation: the
 * order's latest journal entry and, once its payment exists, one read of where it stands.
 *
 * @since 0.2.0
 * @category held sales
 */
export interface LookedUp {
  readonly entry: Entry
  readonly reference: string
  /** One read of the payment; `None` when it was never created. */
  readonly view: Option.Option<View>
}

/**
 * Looks up the sale of `orderId`: `None` when the journal has none. (`PaymentJournal.query`
 * lists sales by state and time for reconciliation.)
 *
 * @since 0.2.0
 * @category held sales
 */
export const lookup = (
  orderId: string,
  options: Pick<FlowOptions, "merchantSerialNumber"> = {},
): Effect.Effect<
  Option.Option<LookedUp>,
  EPaymentClientError | PaymentJournalError,
  EPaymentClient | PaymentJournal
> =>
  Effect.gen(function* () {
    const journal = yield* PaymentJournal
    const client = yield* EPaymentClient
    const merchant = options.merchantSerialNumber ?? client.merchantSerialNumber
    const entry = (yield* journal.attempts(EPaymentSale.name, "Payment", merchant, orderId)).at(-1)
    if (entry === undefined) return Option.none()
    const reference = Option.getOrElse(entry.resourceId, () => EPaymentSale.referenceOf(entry))
    const view = Option.isSome(entry.resourceId)
      ? Option.some(
          EPaymentSale.viewOf(yield* client.get(reference, { merchantSerialNumber: merchant })),
        )
      : Option.none()
    return Option.some({ entry, reference, view })
  })
