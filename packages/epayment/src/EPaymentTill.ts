/**
 * The {@link Till} on Vipps MobilePay ePayment: each sale a dynamic QR on the till's
 * customer-facing screen (`userFlow: QR`; the held sale's `customerUrl` is the QR), through
 * `SaleFlow.start` with one open payment per till; refunds through `SaleFlow.refund`. Amounts
 * are minor units on both sides.
 *
 * @since 0.2.0
 */
import type { PaymentJournal } from "@effect-mobilepay/sale/PaymentJournal"
import type { Entry } from "@effect-mobilepay/sale/PaymentJournal"
import * as Till from "@effect-mobilepay/sale/Till"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Currency } from "./Domain.js"
import type { EPaymentClient } from "./EPaymentClient.js"
import type * as Payment from "./Payment.js"
import * as SaleFlow from "./SaleFlow.js"

/**
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /** The till's id: the library keeps one open payment per till (see `SaleFlow.FlowOptions`). */
  readonly till: string
  /** @default "DKK" */
  readonly currency?: Currency | undefined
  /**
   * The QR's format: an image to show, or (`TEXT/TARGETURL`) the URL to render as a QR.
   * @default { format: "IMAGE/SVG+XML" }
   */
  readonly qrFormat?: Payment.QrFormat | undefined
  /** What the customer's app shows for each sale. */
  readonly paymentDescription?: string | undefined
  /** The sale flows' options (`SaleFlow.start`'s), besides the till. */
  readonly flow?: Omit<SaleFlow.FlowOptions, "till" | "cancelWhen"> | undefined
}

const backend = "EPayment"
const neutral = Till.fromPlatform(backend)

const reasonOf = (status: string): Till.NotPaidReason => {
  switch (status) {
    case "ABORTED":
      return "CustomerDeclined"
    case "EXPIRED":
      return "Expired"
    case "NOT_CREATED":
      return "NotCreated"
    default:
      return "Cancelled"
  }
}

const outcomeOf = (outcome: SaleFlow.SaleOutcome): Till.Outcome =>
  outcome._tag === "Captured"
    ? Till.Outcome.Paid({ orderId: outcome.orderId, id: outcome.reference, amount: outcome.amount })
    : Till.Outcome.NotPaid({
        orderId: outcome.orderId,
        id: outcome.reference,
        reason: reasonOf(outcome.status),
        status: outcome.status,
      })

// The outcome of a finished entry, as the journal recorded it.
const recordedOutcome = (entry: Entry, id: string): Option.Option<Till.Outcome> =>
  Option.flatMap(entry.outcome, (outcome) => {
    const orderId = entry.orderId
    if (outcome._tag === "NotCreated") {
      return Option.some(
        Till.Outcome.NotPaid({ orderId, id, reason: "NotCreated", status: "NOT_CREATED" }),
      )
    }
    if (outcome.status === "CAPTURED") {
      return outcome.amount === undefined
        ? Option.none()
        : Option.some(Till.Outcome.Paid({ orderId, id, amount: outcome.amount }))
    }
    return Option.some(
      Till.Outcome.NotPaid({
        orderId,
        id,
        reason: reasonOf(outcome.status),
        status: outcome.status,
      }),
    )
  })

/**
 * Builds the ePayment till.
 *
 * @example
 * ```ts
 * import { EPaymentTill } from "@effect-mobilepay/epayment"
 * import { Effect } from "effect"
 *
 * const till = EPaymentTill.make({ till: "kiosk-2", qrFormat: { format: "TEXT/TARGETURL" } })
 * const program = Effect.flatMap(till, (t) => t.run({ orderId: "order-1", amount: 1250 }))
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<Till.Till.Service, never, EPaymentClient | PaymentJournal> =>
  Effect.gen(function* () {
    const context = yield* Effect.context<EPaymentClient | PaymentJournal>()
    const currency = options.currency ?? "DKK"
    const merchant =
      options.flow?.merchantSerialNumber === undefined
        ? {}
        : { merchantSerialNumber: options.flow.merchantSerialNumber }
    return Till.make({
      backend,
      currency,
      start: (sale) =>
        SaleFlow.start(
          {
            orderId: sale.orderId,
            amount: { currency, value: sale.amount },
            userFlow: "QR",
            qrFormat: options.qrFormat ?? { format: "IMAGE/SVG+XML" },
            ...(options.paymentDescription === undefined
              ? {}
              : { paymentDescription: options.paymentDescription }),
          },
          { ...options.flow, till: options.till },
        ).pipe(
          Effect.map((held): Till.HeldSale => ({
            orderId: held.orderId,
            id: held.reference,
            customerUrl: held.redirectUrl,
            states: held.stages,
            await: Effect.mapBoth(held.await, { onFailure: neutral, onSuccess: outcomeOf }),
            cancel: Effect.mapBoth(held.cancel, { onFailure: neutral, onSuccess: outcomeOf }),
          })),
          Effect.mapError(neutral),
          Effect.provide(context),
        ),
      lookup: (orderId) =>
        SaleFlow.lookup(orderId, merchant).pipe(
          Effect.map(
            Option.map(({ entry, reference, view }): Till.Looked => ({
              orderId: entry.orderId,
              id: Option.isSome(entry.resourceId) ? reference : undefined,
              entry,
              view,
              outcome: recordedOutcome(entry, reference),
            })),
          ),
          Effect.mapError(neutral),
          Effect.provide(context),
        ),
      refund: (refund) =>
        SaleFlow.refund(
          {
            orderId: refund.refundOrderId,
            reference: refund.id,
            amount: { currency, value: refund.amount },
          },
          { ...options.flow },
        ).pipe(
          Effect.map((refunded): Till.Refunded => ({
            refundOrderId: refunded.orderId,
            id: refunded.reference,
            amount: refunded.amount,
          })),
          Effect.mapError(neutral),
          Effect.provide(context),
        ),
    })
  })

/**
 * The {@link Till} on ePayment, each sale a dynamic QR at the till `till`. A till program
 * written against `Till` runs here unchanged, and on PoS V10 with `PosTill.layer` instead.
 *
 * @example
 * ```ts
 * import { EPaymentTill } from "@effect-mobilepay/epayment"
 * import { Till } from "@effect-mobilepay/sale"
 * import { Effect } from "effect"
 *
 * const TillLayer = EPaymentTill.layer({ till: "till-1" })
 * // Needs EPaymentClient and PaymentJournal (e.g. NodeEPayment.layer and a SqlPaymentJournal).
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const sale = yield* Till.start({ orderId: "order-1", amount: 1250 })
 *     yield* Effect.log(`show the QR ${sale.customerUrl}`)
 *     return yield* sale.await
 *   }),
 * ).pipe(Effect.provide(TillLayer))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<Till.Till, never, EPaymentClient | PaymentJournal> =>
  Layer.effect(Till.Till, make(options))
