/**
 * A prepared payment: the till opens a payment before the total is known (the customer checks
 * in while the order is rung up), sends the amount when it is, and captures.
 *
 *   pnpm example prepared-payment
 */
import { PaymentFlow, PointOfSaleFlow } from "@effect-mobilepay/pos"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import * as Console from "./shared/Console.js"
import * as Customer from "./shared/Customer.js"
import { layerMobilePay, Target } from "./shared/Target.js"

const program = Effect.gen(function* () {
  const target = yield* Target
  yield* Effect.log(`talking to ${target.description}`)
  const pos = yield* PointOfSaleFlow.ensurePos({
    merchantPosId: "effect-mobilepay-example-kiosk",
    storeId: yield* target.storeId,
    name: "Example kiosk",
    supportedBeaconTypes: ["QR", "NFC"],
  })
  yield* Effect.log(`point of sale ${pos.posId} ready, beacon ${pos.beaconId}`)

  yield* Effect.fork(Customer.checkInAndAccept(pos.beaconId, "+4520031804"))
  const outcome = yield* PaymentFlow.preparedPayment(
    {
      posId: pos.posId,
      orderId: `prepared-${Date.now()}`,
      amount: 89.95,
      currencyCode: "DKK",
      plannedCaptureDelay: "None",
    },
    { recoverActivePayment: true, customerTimeout: "1 minute" },
  )
  yield* PaymentFlow.PaymentOutcome.$match(outcome, {
    Captured: ({ paymentId, amount }) => Effect.log(`payment ${paymentId} captured: ${amount} DKK`),
    NotCompleted: ({ paymentId, status }) =>
      Effect.fail(new Error(`payment ${paymentId} ended ${status}, not captured`)),
  })
})

program.pipe(
  Effect.provide(Layer.merge(layerMobilePay, Console.layer)),
  NodeRuntime.runMain({ disablePrettyLogger: true }),
)
