/**
 * The till of examples/till.ts on either platform. The till itself is the library's `Till`
 * (`@effect-mobilepay/sale`): `PosTill.layer` on MobilePay PoS V10, `EPaymentTill.layer` on
 * Vipps MobilePay ePayment, chosen by `TILL_BACKEND` in {@link layer}. What is left here is
 * the example's own: where it runs, what the till's screen says, and the customer, played
 * through the platform's sandbox ({@link Counter}).
 */
import { EPaymentTill, Recovery as EPaymentRecovery } from "@effect-mobilepay/epayment"
import { PointOfSaleFlow, PosTill } from "@effect-mobilepay/pos"
import type { Till } from "@effect-mobilepay/sale"
import { Config, Context, Effect, Layer } from "effect"
import * as Customer from "./Customer.js"
import * as Journal from "./Journal.js"
import type * as Main from "./Main.js"
import * as Platform from "./Platform.js"
import * as Target from "./Target.js"

/** Which platform the till runs on, as `TILL_BACKEND` names it. */
export type Backend = "v10" | "epayment"

/** The example's side of the till: where it runs, the screen's words, the customer. */
export class Counter extends Context.Tag("examples/Counter")<
  Counter,
  {
    readonly backend: Backend
    readonly description: string
    /** What the customer must do, in words for the till's screen. */
    readonly show: (sale: Till.HeldSale) => string
    /** The customer, played through the platform's sandbox: approves the sale on their phone. */
    readonly customerApproves: (sale: Till.HeldSale) => Effect.Effect<void, unknown>
  }
>() {}

const merchantPosId = "effect-mobilepay-example-till"

// ---------------------------------------------------------------------------------------
// PoS V10: a point of sale with a printed beacon QR; the customer checks in on it.

const v10Till = Layer.unwrapEffect(
  Effect.gen(function* () {
    const target = yield* Target.Target
    return PosTill.layer({
      pointOfSale: { merchantPosId, storeId: yield* target.storeId, name: "Example till" },
      flow: { customerTimeout: "2 minutes" },
    })
  }),
)

const v10Counter = Layer.effect(
  Counter,
  Effect.gen(function* () {
    const target = yield* Target.Target
    const context = yield* Effect.context<Layer.Layer.Success<typeof Target.layerMobilePay>>()
    // The till's point of sale, as PosTill.layer ensured it: its beacon is what the customer scans.
    const pos = yield* PointOfSaleFlow.ensurePos({
      merchantPosId,
      storeId: yield* target.storeId,
      name: "Example till",
      supportedBeaconTypes: ["QR"],
    })
    return {
      backend: "v10" as const,
      description: target.description,
      show: () => `check in on the till's beacon QR ${pos.beaconId}`,
      customerApproves: () => Effect.provide(Customer.checkInAndAccept(pos.beaconId), context),
    }
  }),
)

// ---------------------------------------------------------------------------------------
// ePayment: a dynamic QR on the customer-facing screen; the customer scans and approves.

const ePaymentTill = Layer.unwrapEffect(
  Effect.map(Platform.Platform, (platform) =>
    EPaymentTill.layer({
      till: merchantPosId,
      currency: platform.currency,
      qrFormat: { format: "TEXT/TARGETURL" },
      paymentDescription: "Example till",
    }),
  ),
)

const ePaymentCounter = Layer.effect(
  Counter,
  Effect.gen(function* () {
    const platform = yield* Platform.Platform
    const context = yield* Effect.context<Layer.Layer.Success<typeof Platform.layer>>()
    const show = (sale: Till.HeldSale) =>
      `scan the QR of ${sale.customerUrl ?? "(none)"} on the screen`
    return {
      backend: "epayment" as const,
      description: platform.description,
      show,
      customerApproves: (sale: Till.HeldSale) =>
        Effect.provide(
          Platform.customerApproves(sale.id, {
            ...(sale.customerUrl === undefined ? {} : { scanned: sale.customerUrl }),
            instructions: `${show(sale)} with the MobilePay test app and approve`,
          }),
          context,
        ),
    }
  }),
)

/** The till on PoS V10, with its SQLite journal and V10 recovery at start-up. */
export const layerV10: Layer.Layer<Till.Till | Counter | Main.Requests, unknown> = Layer.merge(
  v10Till,
  v10Counter,
).pipe(Layer.provideMerge(Target.layerMobilePay))

/** The till on ePayment, with its SQLite journal and ePayment recovery at start-up. */
export const layerEPayment: Layer.Layer<Till.Till | Counter | Main.Requests, unknown> = Layer.merge(
  ePaymentTill,
  ePaymentCounter,
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
