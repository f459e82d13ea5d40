/**
 * The {@link Till} on MobilePay PoS V10: a point of sale with the till's beacon (ensured when
 * the layer is built), sales through `PaymentFlow.start`, refunds through `RefundFlow.refund`.
 * The till counts minor units (øre, cents); V10 counts kroner with two decimals: amounts are
 * converted both ways exactly (`1` is `0.01`).
 *
 * @since 0.2.0
 */
import type { Entry } from "@effect-mobilepay/sale/PaymentJournal"
import * as Till from "@effect-mobilepay/sale/Till"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { CurrencyCode } from "./Domain.js"
import * as PaymentFlow from "./PaymentFlow.js"
import type { PaymentJournal } from "./PaymentJournal.js"
import * as PointOfSaleFlow from "./PointOfSaleFlow.js"
import type { PosClient } from "./PosClient.js"
import * as RefundFlow from "./RefundFlow.js"

/**
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /** The till's point of sale: found by `merchantPosId`, created when missing. */
  readonly pointOfSale: {
    readonly merchantPosId: string
    readonly storeId: string
    /** @default "Till" */
    readonly name?: string | undefined
  }
  /** @default "DKK" */
  readonly currency?: CurrencyCode | undefined
  /**
   * The sale flows' options (`PaymentFlow.start`'s). `recoverActivePayment` is on unless set:
   * a till's point of sale blocked by a payment left behind (409, 1301) is cleared first.
   */
  readonly flow?: Omit<PaymentFlow.FlowOptions, "merchantVat"> | undefined
  /** The refund flow's options. */
  readonly refund?: Omit<RefundFlow.RefundOptions, "merchantVat"> | undefined
  /** The merchant, when not the client's default. */
  readonly merchantVat?: string | undefined
}

const backend = "PosV10"
const neutral = Till.fromPlatform(backend)

// Minor units to kroner and back: n / 100 is the double nearest the two-decimal number (the
// one its JSON spells); k * 100 may miss the integer by an ulp (19.99 * 100 is
// 1998.9999999999998), so it is rounded, never truncated.
const toKroner = (minor: number): number => minor / 100
const toMinor = (kroner: number): number => Math.round(kroner * 100)

const reasonOf = (
  status: Extract<PaymentFlow.PaymentOutcome, { _tag: "NotCompleted" }>["status"],
): Till.NotPaidReason => {
  switch (status) {
    case "CancelledByUser":
      return "CustomerDeclined"
    case "ExpiredAndCancelled":
      return "Expired"
    case "CancelledByClient":
    case "CancelledByMobilePay":
      return "Cancelled"
  }
}

const outcomeOf =
  (orderId: string) =>
  (outcome: PaymentFlow.PaymentOutcome): Till.Outcome =>
    outcome._tag === "Captured"
      ? Till.Outcome.Paid({ orderId, id: outcome.paymentId, amount: toMinor(outcome.amount) })
      : Till.Outcome.NotPaid({
          orderId,
          id: outcome.paymentId,
          reason: reasonOf(outcome.status),
          status: outcome.status,
        })

// The outcome of a finished entry, as the journal recorded it.
const recordedOutcome = (entry: Entry): Option.Option<Till.Outcome> => {
  const id = Option.getOrElse(entry.resourceId, () => "")
  const orderId = entry.orderId
  return Option.flatMap(entry.outcome, (outcome): Option.Option<Till.Outcome> => {
    if (outcome._tag === "NotCreated") {
      return Option.some(
        Till.Outcome.NotPaid({ orderId, id, reason: "NotCreated", status: "NotCreated" }),
      )
    }
    switch (outcome.status) {
      case "Captured":
        return outcome.amount === undefined
          ? Option.none()
          : Option.some(Till.Outcome.Paid({ orderId, id, amount: toMinor(outcome.amount) }))
      case "CancelledByUser":
      case "ExpiredAndCancelled":
      case "CancelledByClient":
      case "CancelledByMobilePay":
        return Option.some(
          Till.Outcome.NotPaid({
            orderId,
            id,
            reason: reasonOf(outcome.status),
            status: outcome.status,
          }),
        )
      default:
        return Option.none()
    }
  })
}

/**
 * Builds the V10 till: ensures its point of sale, then answers the {@link Till} service.
 *
 * @example
 * ```ts
 * import { PosTill } from "@effect-mobilepay/pos"
 * import { Effect } from "effect"
 *
 * const till = PosTill.make({
 *   pointOfSale: { merchantPosId: "till-1", storeId: "00000000-0000-0000-0000-000000000000" },
 * })
 * const program = Effect.flatMap(till, (t) => t.run({ orderId: "order-1", amount: 1250 }))
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<Till.Till.Service, Till.TillError, PosClient | PaymentJournal> =>
  Effect.gen(function* () {
    const context = yield* Effect.context<PosClient | PaymentJournal>()
    const currency = options.currency ?? "DKK"
    const merchant = options.merchantVat === undefined ? {} : { merchantVat: options.merchantVat }
    const pos = yield* PointOfSaleFlow.ensurePos(
      {
        merchantPosId: options.pointOfSale.merchantPosId,
        storeId: options.pointOfSale.storeId,
        name: options.pointOfSale.name ?? "Till",
        supportedBeaconTypes: ["QR"],
      },
      merchant,
    ).pipe(Effect.mapError(neutral))
    const flow = { recoverActivePayment: true, ...options.flow, ...merchant }
    return Till.make({
      backend,
      currency,
      start: (sale) =>
        PaymentFlow.start(
          {
            posId: pos.posId,
            orderId: sale.orderId,
            amount: toKroner(sale.amount),
            currencyCode: currency,
            plannedCaptureDelay: "None",
          },
          flow,
        ).pipe(
          Effect.map((held): Till.HeldSale => ({
            orderId: held.orderId,
            id: held.paymentId,
            customerUrl: undefined,
            states: held.states,
            await: Effect.mapBoth(held.await, {
              onFailure: neutral,
              onSuccess: outcomeOf(held.orderId),
            }),
            cancel: Effect.mapBoth(held.cancel, {
              onFailure: neutral,
              onSuccess: outcomeOf(held.orderId),
            }),
          })),
          Effect.mapError(neutral),
          Effect.provide(context),
        ),
      lookup: (orderId) =>
        PaymentFlow.lookup(orderId, merchant).pipe(
          Effect.map(
            Option.map(({ entry, view }): Till.Looked => ({
              orderId: entry.orderId,
              id: Option.getOrUndefined(entry.resourceId),
              entry,
              view,
              outcome: recordedOutcome(entry),
            })),
          ),
          Effect.mapError(neutral),
          Effect.provide(context),
        ),
      refund: (refund) =>
        RefundFlow.refund(
          {
            paymentId: refund.id,
            refundOrderId: refund.refundOrderId,
            amount: toKroner(refund.amount),
            currencyCode: currency,
          },
          { ...options.refund, ...merchant },
        ).pipe(
          Effect.mapError(neutral),
          Effect.flatMap((refunded) =>
            refunded._tag === "Refunded"
              ? Effect.succeed({
                  refundOrderId: refund.refundOrderId,
                  id: refund.id,
                  amount: toMinor(refunded.amount),
                })
              : Effect.fail(
                  new Till.RefundNotPaidOut({
                    backend,
                    refundOrderId: refund.refundOrderId,
                    status: refunded.status,
                  }),
                ),
          ),
          Effect.provide(context),
        ),
    })
  })

/**
 * The {@link Till} on PoS V10, its point of sale ensured when the layer is built. A till
 * program written against `Till` runs here unchanged, and on ePayment with
 * `EPaymentTill.layer` instead.
 *
 * @example
 * ```ts
 * import { PosTill } from "@effect-mobilepay/pos"
 * import { Till } from "@effect-mobilepay/sale"
 * import { Effect } from "effect"
 *
 * const TillLayer = PosTill.layer({
 *   pointOfSale: { merchantPosId: "till-1", storeId: "00000000-0000-0000-0000-000000000000" },
 * })
 * // Needs PosClient and PaymentJournal (e.g. NodeMobilePay.layer and a SqlPaymentJournal).
 * const program = Till.run({ orderId: "order-1", amount: 1250 }).pipe(Effect.provide(TillLayer))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<Till.Till, Till.TillError, PosClient | PaymentJournal> =>
  Layer.effect(Till.Till, make(options))
