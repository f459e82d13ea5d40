/**
 * A prepared payment: the till opens a payment before the total is known (the customer checks
 * in while the order is rung up), sends the amount when it is, and captures.
 *
 *   pnpm example prepared-payment
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
  return yield* PaymentFlow.PaymentOutcome.$match(outcome, {
    Captured: ({ paymentId, amount }) =>
      Effect.succeed(`prepared payment ${paymentId} captured: ${Main.amount(amount)}`),
    NotCompleted: ({ paymentId, status }) =>
      Effect.fail(new Error(`payment ${paymentId} ended ${status}, not captured`)),
  })
})

Main.run(program, layerMobilePay)
