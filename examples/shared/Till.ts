/**
 * A till's view of a payment platform, the same on MobilePay PoS V10 and on Vipps MobilePay
 * ePayment: start a sale (held: the call answers as soon as the payment exists and is
 * journaled), what the customer must see, await or cancel it, refund it. The till program is
 * written against {@link Till}; which platform it runs on is a layer: {@link layerV10} or
 * {@link layerEPayment}, chosen by `TILL_BACKEND` in {@link layer}.
 *
 * Amounts are minor units (øre, cents) here, as ePayment counts them; the V10 layer converts
 * to and from V10's kroner decimals.
 */
import type { EPaymentClient } from "@effect-mobilepay/epayment"
import { Recovery as EPaymentRecovery, SaleFlow } from "@effect-mobilepay/epayment"
import type { PaymentJournal, PosClient } from "@effect-mobilepay/pos"
import { PaymentFlow, PointOfSaleFlow, RefundFlow } from "@effect-mobilepay/pos"
import type { HttpClient } from "@effect/platform"
import { Config, Context, Data, Effect, Layer } from "effect"
import type { Scope } from "effect"
import * as Customer from "./Customer.js"
import * as Journal from "./Journal.js"
import type * as Main from "./Main.js"
import * as Platform from "./Platform.js"
import * as Target from "./Target.js"

/** Which platform the till runs on. */
export type Backend = "v10" | "epayment"

/** How a sale ended: paid (minor units), or not, with the platform's own word for why. */
export type Outcome =
  | { readonly _tag: "Paid"; readonly amount: number }
  | { readonly _tag: "NotPaid"; readonly status: string }

/** A V10 refund that ended without paying out (MobilePay or the client cancelled it). */
export class RefundNotPaidOut extends Data.TaggedError("RefundNotPaidOut")<{
  readonly refundOrderId: string
  readonly status: string
}> {}

/** Every way a till call fails: the V10 flows' errors, or ePayment's. */
export type TillError =
  | PaymentFlow.PaymentFlowError
  | RefundFlow.RefundFlowError
  | SaleFlow.SaleFlowError
  | RefundNotPaidOut

/** A sale the till holds while the customer decides. */
export interface HeldSale {
  readonly orderId: string
  /** The platform's id: V10's payment id, ePayment's `reference`. */
  readonly paymentId: string
  /** What the customer scans: the till's printed beacon QR (V10), a dynamic QR (ePayment). */
  readonly qr: string
  /** What the customer must see, in words for the till's screen. */
  readonly show: string
  readonly await: Effect.Effect<Outcome, TillError>
  /** The till gives up (the customer walked away): cancelled, or captured if already decided. */
  readonly cancel: Effect.Effect<Outcome, TillError>
}

/** The customer, played through the platform's sandbox: approves the sale on their phone. */
type Approve = (sale: HeldSale) => Effect.Effect<void, unknown>

export class Till extends Context.Tag("examples/Till")<
  Till,
  {
    readonly backend: Backend
    readonly description: string
    readonly currency: string
    readonly start: (sale: {
      readonly orderId: string
      readonly amount: number
    }) => Effect.Effect<HeldSale, TillError, Scope.Scope>
    /** Gives `amount` of a paid sale back, as its own order `refundOrderId`; answers the amount. */
    readonly refund: (refund: {
      readonly refundOrderId: string
      readonly paymentId: string
      readonly amount: number
    }) => Effect.Effect<number, TillError>
    readonly customerApproves: Approve
  }
>() {}

const toMinor = (kroner: number) => Math.round(kroner * 100)

// ---------------------------------------------------------------------------------------
// PoS V10: a point of sale with a printed beacon QR; the customer checks in on it.

const makeV10 = Effect.gen(function* () {
  const target = yield* Target.Target
  const context = yield* Effect.context<PosClient.PosClient | PaymentJournal.PaymentJournal>()
  const pos = yield* PointOfSaleFlow.ensurePos({
    merchantPosId: "effect-mobilepay-example-till",
    storeId: yield* target.storeId,
    name: "Example till",
    supportedBeaconTypes: ["QR"],
  })
  const outcome = (outcome: PaymentFlow.PaymentOutcome): Outcome =>
    outcome._tag === "Captured"
      ? { _tag: "Paid", amount: toMinor(outcome.amount) }
      : { _tag: "NotPaid", status: outcome.status }
  return Till.of({
    backend: "v10",
    description: target.description,
    currency: "DKK",
    start: (sale) =>
      Effect.map(
        PaymentFlow.start(
          {
            posId: pos.posId,
            orderId: sale.orderId,
            amount: sale.amount / 100,
            currencyCode: "DKK",
            plannedCaptureDelay: "None",
          },
          { recoverActivePayment: true, customerTimeout: "2 minutes" },
        ),
        (held): HeldSale => ({
          orderId: held.orderId,
          paymentId: held.paymentId,
          qr: pos.beaconId,
          show: `check in on the till's beacon QR ${pos.beaconId}`,
          await: Effect.map(held.await, outcome),
          cancel: Effect.map(held.cancel, outcome),
        }),
      ).pipe(Effect.provide(context)),
    refund: (refund) =>
      RefundFlow.refund({
        paymentId: refund.paymentId,
        refundOrderId: refund.refundOrderId,
        amount: refund.amount / 100,
        currencyCode: "DKK",
      }).pipe(
        Effect.flatMap((refunded) =>
          refunded._tag === "Refunded"
            ? Effect.succeed(toMinor(refunded.amount))
            : Effect.fail(
                new RefundNotPaidOut({
                  refundOrderId: refund.refundOrderId,
                  status: refunded.status,
                }),
              ),
        ),
        Effect.provide(context),
      ),
    customerApproves: () => Effect.provide(Customer.checkInAndAccept(pos.beaconId), context),
  })
})

// ---------------------------------------------------------------------------------------
// ePayment: a dynamic QR on the customer-facing screen; the customer scans and approves.

const makeEPayment = Effect.gen(function* () {
  const platform = yield* Platform.Platform
  const context = yield* Effect.context<
    | EPaymentClient.EPaymentClient
    | PaymentJournal.PaymentJournal
    | Platform.Platform
    | HttpClient.HttpClient
  >()
  const currency = platform.currency
  const outcome = (outcome: SaleFlow.SaleOutcome): Outcome =>
    outcome._tag === "Captured"
      ? { _tag: "Paid", amount: outcome.amount }
      : { _tag: "NotPaid", status: outcome.status }
  return Till.of({
    backend: "epayment",
    description: platform.description,
    currency,
    start: (sale) =>
      Effect.map(
        SaleFlow.start(
          {
            orderId: sale.orderId,
            amount: { currency, value: sale.amount },
            userFlow: "QR",
            qrFormat: { format: "TEXT/TARGETURL" },
            paymentDescription: "Example till",
          },
          { till: "effect-mobilepay-example-till" },
        ),
        (held): HeldSale => ({
          orderId: held.orderId,
          paymentId: held.reference,
          qr: held.redirectUrl ?? "",
          show: `scan the QR of ${held.redirectUrl ?? "(none)"} on the screen`,
          await: Effect.map(held.await, outcome),
          cancel: Effect.map(held.cancel, outcome),
        }),
      ).pipe(Effect.provide(context)),
    refund: (refund) =>
      SaleFlow.refund({
        orderId: refund.refundOrderId,
        reference: refund.paymentId,
        amount: { currency, value: refund.amount },
      }).pipe(
        Effect.map((refunded) => refunded.amount),
        Effect.provide(context),
      ),
    customerApproves: (sale) =>
      Effect.provide(
        Platform.customerApproves(sale.paymentId, {
          scanned: sale.qr,
          instructions: `${sale.show} with the MobilePay test app and approve`,
        }),
        context,
      ),
  })
})

/** The till on PoS V10, with its SQLite journal and V10 recovery at start-up. */
export const layerV10: Layer.Layer<Till | Main.Requests, unknown> = Layer.effect(
  Till,
  makeV10,
).pipe(Layer.provideMerge(Target.layerMobilePay))

/** The till on ePayment, with its SQLite journal and ePayment recovery at start-up. */
export const layerEPayment: Layer.Layer<Till | Main.Requests, unknown> = Layer.effect(
  Till,
  makeEPayment,
).pipe(
  Layer.provideMerge(
    EPaymentRecovery.layer({ exclusive: true, interval: "1 minute" }).pipe(
      Layer.provideMerge(Layer.merge(Platform.layer, Journal.layer)),
    ),
  ),
)

/** `TILL_BACKEND`: `v10` or `epayment` (the default: V10 no longer moves money). */
export const backend = Config.literal(
  "v10",
  "epayment",
)("TILL_BACKEND").pipe(Config.withDefault("epayment" as const))

/** The till on the platform `TILL_BACKEND` names. */
export const layer = Layer.unwrapEffect(
  Effect.map(backend, (name) => (name === "v10" ? layerV10 : layerEPayment)),
)
