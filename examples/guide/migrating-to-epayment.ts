/**
 * The code of docs/migrating-to-epayment.md, type-checked with the examples: each of the
 * guide's TypeScript blocks is a piece of this file, word for word (test/guide.test.ts).
 */
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import { NodeEPayment, NodeMobilePay } from "@effect-mobilepay/node"
import { PaymentFlow, PaymentJournal, PosTill, RefundFlow, Recovery } from "@effect-mobilepay/pos"
import {
  EPaymentTill,
  QrClient,
  Recovery as EPaymentRecovery,
  SaleFlow,
  WebhookReceiver,
  WebhooksClient,
} from "@effect-mobilepay/epayment"
import * as SaleRecovery from "@effect-mobilepay/sale/Recovery"
import * as Till from "@effect-mobilepay/sale/Till"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Effect, Layer, Option } from "effect"
import type { Redacted } from "effect"

declare const posId: string
declare const storeId: string
declare const screen: { readonly show: (qr: string | undefined) => Effect.Effect<void> }
declare const cashierPressedCancel: Effect.Effect<void>

// -- configuration -------------------------------------------------------------------------

// The journal: the same file before and after.
const Journal = SqlPaymentJournal.layer().pipe(
  Layer.provide(SqliteClient.layer({ filename: "payments.db" })),
)

// Before: PoS V10, from MOBILEPAY_CLIENT_ID, _CLIENT_SECRET, _CLIENT_SYSTEM_VERSION,
// _MERCHANT_VAT, _ENVIRONMENT.
const V10Live = Recovery.layer({ exclusive: true }).pipe(
  Layer.provideMerge(Layer.merge(NodeMobilePay.layerConfig(), Journal)),
)

// After: ePayment, from VIPPS_MOBILEPAY_CLIENT_ID, _CLIENT_SECRET, _SUBSCRIPTION_KEY, _MSN,
// _ENVIRONMENT (test or production) and _SYSTEM_NAME / _SYSTEM_VERSION.
const EPaymentLive = EPaymentRecovery.layer({ exclusive: true }).pipe(
  Layer.provideMerge(Layer.merge(NodeEPayment.layerConfig(), Journal)),
)

// -- while both run: one journal, one recovery over both platforms -------------------------

const BothLive = Layer.unwrapEffect(
  Effect.gen(function* () {
    const v10 = yield* Recovery.recoverable()
    const ePayment = yield* EPaymentRecovery.recoverable
    return SaleRecovery.layer([v10, ePayment], { exclusive: true })
  }),
).pipe(
  Layer.provideMerge(
    Layer.mergeAll(NodeMobilePay.layerConfig(), NodeEPayment.layerConfig(), Journal),
  ),
)

// -- or change only the layer: one till program on Till -----------------------------------

// A till program on `Till` alone: amounts in minor units (øre, cents), the same on both.
const ringUp = (orderId: string, amount: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const sale = yield* Till.start({ orderId, amount })
      yield* screen.show(sale.customerUrl) // ePayment's dynamic QR; none on V10 (the beacon)
      return yield* sale.await // Paid { amount } or NotPaid { reason, status }
    }),
  ).pipe(Effect.catchTag("PlatformError", (error) => Effect.fail(error.code ?? error.message)))

// Before: the V10 till (its point of sale ensured at start). After: the ePayment till.
const V10TillLive = PosTill.layer({ pointOfSale: { merchantPosId: "till-1", storeId } }).pipe(
  Layer.provideMerge(V10Live),
)
const EPaymentTillLive = EPaymentTill.layer({ till: "till-1" }).pipe(
  Layer.provideMerge(EPaymentLive),
)

// -- a sale, to the end --------------------------------------------------------------------

const v10Sale = PaymentFlow.payAndCapture(
  { posId, orderId: "receipt-42", amount: 125.5, currencyCode: "DKK", plannedCaptureDelay: "None" },
  { recoverActivePayment: true, customerTimeout: "2 minutes" },
).pipe(Effect.provide(V10Live))

const ePaymentSale = SaleFlow.dynamicQr(
  { orderId: "receipt-42", amount: { currency: "DKK", value: 12550 } },
  { till: "till-1", onCreated: ({ redirectUrl }) => screen.show(redirectUrl) },
).pipe(Effect.provide(EPaymentLive))

// -- a sale the till holds, awaits or cancels ----------------------------------------------

const v10Held = Effect.gen(function* () {
  const held = yield* PaymentFlow.start({
    posId,
    orderId: "receipt-43",
    amount: 45,
    currencyCode: "DKK",
    plannedCaptureDelay: "None",
  })
  yield* Effect.log(`payment ${held.paymentId}: the customer checks in on the till's beacon`)
  return yield* Effect.raceFirst(held.await, Effect.zipRight(cashierPressedCancel, held.cancel))
}).pipe(Effect.scoped, Effect.provide(V10Live))

const ePaymentHeld = Effect.gen(function* () {
  const sale = yield* SaleFlow.start(
    { orderId: "receipt-43", amount: { currency: "DKK", value: 4500 }, userFlow: "QR" },
    { till: "till-1" },
  )
  yield* screen.show(sale.redirectUrl) // the customer scans it
  return yield* Effect.raceFirst(sale.await, Effect.zipRight(cashierPressedCancel, sale.cancel))
}).pipe(Effect.scoped, Effect.provide(EPaymentLive))

// -- refund --------------------------------------------------------------------------------

const v10Refund = RefundFlow.refund({
  paymentId: "a V10 payment id",
  refundOrderId: "receipt-42-r1",
  amount: 49.5,
  currencyCode: "DKK",
}).pipe(Effect.provide(V10Live))

const ePaymentRefund = SaleFlow.refund({
  orderId: "receipt-42-r1",
  reference: "receipt-42",
  amount: { currency: "DKK", value: 4950 },
}).pipe(Effect.provide(EPaymentLive))

// -- lookup --------------------------------------------------------------------------------

const v10Lookup = PaymentFlow.lookup("receipt-42").pipe(
  Effect.map(Option.map(({ entry, view }) => ({ paymentId: entry.resourceId, view }))),
  Effect.provide(V10Live),
)

const ePaymentLookup = SaleFlow.lookup("receipt-42").pipe(
  Effect.map(Option.map(({ reference, view }) => ({ reference, view }))),
  Effect.provide(EPaymentLive),
)

// -- set-up, once per sales unit -----------------------------------------------------------

const setUp = Effect.gen(function* () {
  const webhooks = yield* WebhooksClient.WebhooksClient
  const qr = yield* QrClient.QrClient
  // The webhook: payment events wake the flows; check-ins start callback-QR sales. Keep the
  // secret it returns (once) where the receiver reads it.
  const registration = yield* webhooks.register({
    url: "https://shop.example/hooks/vipps",
    events: [
      "epayments.payment.authorized.v1",
      "epayments.payment.aborted.v1",
      "epayments.payment.expired.v1",
      "epayments.payment.terminated.v1",
      "user.checked-in.v1",
    ],
  })
  // A callback-QR sticker per till (created or updated; print its image).
  yield* qr.putCallbackQr("till-1", { locationDescription: "Kasse 1", category: "IN_STORE" })
  const sticker = yield* qr.getCallbackQr("till-1", { format: "PNG", size: 400 })
  // Or keep the till's printed V10 QR: scans then arrive with merchantQrId = its beacon id.
  yield* qr.migrateBeacon("a V10 beacon id", { locationDescription: "Kasse 2" })
  return { secret: registration.secret, image: sticker.qrImageUrl }
}).pipe(Effect.provide(NodeEPayment.layerConfig()))

// The receiver, mounted at the registered URL's path in your own router; the flows find it in
// context and learn a payment's state from its events (polling covers lost ones).
declare const secret: Redacted.Redacted<string>

const Receiver = WebhookReceiver.layer({ url: "https://shop.example/hooks/vipps", secrets: secret })
const routes = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/hooks/vipps",
    Effect.flatMap(WebhookReceiver.WebhookReceiver, (receiver) => receiver.handler),
  ),
)

// -- the journal ---------------------------------------------------------------------------

// Every entry names its platform: what is still open on V10 while the tills move over.
const openOnV10 = Effect.flatMap(PaymentJournal.PaymentJournal, (journal) =>
  journal.query({ backend: "PosV10", finished: false }),
).pipe(Effect.provide(Journal))

// -- amounts -------------------------------------------------------------------------------

// V10 counts kroner (a decimal with at most 2 places); ePayment counts øre (an integer).
const toMinorUnits = (kroner: number): number => Math.round(kroner * 100)
const toKroner = (minorUnits: number): number => minorUnits / 100

export {
  BothLive,
  EPaymentTillLive,
  ePaymentHeld,
  ePaymentLookup,
  ePaymentRefund,
  ePaymentSale,
  openOnV10,
  Receiver,
  ringUp,
  routes,
  setUp,
  toKroner,
  toMinorUnits,
  v10Held,
  v10Lookup,
  v10Refund,
  v10Sale,
  V10TillLive,
}
