/**
 * The main job of a point of sale: make sure the till exists, take a payment, capture it.
 *
 *   pnpm start                           # against the embedded sandbox
 *   MOBILEPAY_CLIENT_ID=... pnpm start   # against MobilePay or `pnpm sandbox` (see the README)
 */
import { PaymentFlow, PointOfSaleFlow } from "@effect-mobilepay/pos"
import { Effect } from "effect"
import * as Customer from "./shared/Customer.js"
import * as Main from "./shared/Main.js"
import { layerMobilePay, Target } from "./shared/Target.js"

const program = Effect.gen(function* () {
  const target = yield* Target
  yield* Effect.log(`talking to ${target.description}`)

  const pos = yield* PointOfSaleFlow.ensurePos({
    merchantPosId: "effect-mobilepay-example-till",
    storeId: yield* target.storeId,
    name: "Example till",
    supportedBeaconTypes: ["QR"],
  })
  yield* Effect.log(`point of sale ${pos.posId} ready, beacon ${pos.beaconId}`)

  // The customer walks up, checks in and accepts, while the till waits for the reservation.
  yield* Effect.fork(Customer.checkInAndAccept(pos.beaconId))
  const outcome = yield* PaymentFlow.payAndCapture(
    {
      posId: pos.posId,
      orderId: `example-${Date.now()}`,
      amount: 125.5,
      currencyCode: "DKK",
      plannedCaptureDelay: "None",
    },
    { recoverActivePayment: true, customerTimeout: "1 minute" },
  )
  return yield* PaymentFlow.PaymentOutcome.$match(outcome, {
    Captured: ({ paymentId, amount }) =>
      Effect.succeed(`payment ${paymentId} captured: ${Main.amount(amount)}`),
    NotCompleted: ({ paymentId, status }) =>
      Effect.fail(new Error(`payment ${paymentId} ended ${status}, not captured`)),
  })
})

Main.run(program, layerMobilePay)
