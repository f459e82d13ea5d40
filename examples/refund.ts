/**
 * A refund: take a payment, then give part of it back.
 *
 *   pnpm example refund
 */
import { PaymentFlow, PointOfSaleFlow, RefundFlow } from "@effect-mobilepay/pos"
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

  yield* Effect.fork(Customer.checkInAndAccept(pos.beaconId))
  const orderId = `refund-${Date.now()}`
  const payment = yield* PaymentFlow.payAndCapture(
    { posId: pos.posId, orderId, amount: 200, currencyCode: "DKK", plannedCaptureDelay: "None" },
    { recoverActivePayment: true, customerTimeout: "1 minute" },
  )
  if (payment._tag !== "Captured") {
    return yield* Effect.fail(new Error(`payment ended ${payment.status}: nothing to refund`))
  }
  yield* Effect.log(
    `payment ${payment.paymentId} captured: ${Main.amount(payment.amount)}; the customer returns one item`,
  )

  const refund = yield* RefundFlow.refund({
    paymentId: payment.paymentId,
    refundOrderId: `${orderId}-r1`,
    amount: 49.5,
    currencyCode: "DKK",
  })
  return yield* RefundFlow.RefundOutcome.$match(refund, {
    Refunded: ({ refundId, amount }) =>
      Effect.succeed(
        `${Main.amount(payment.amount)} captured, refund ${refundId} gave ${Main.amount(amount)} back`,
      ),
    NotRefunded: ({ refundId, status }) =>
      Effect.fail(new Error(`refund ${refundId} ended ${status}`)),
  })
})

Main.run(program, layerMobilePay)
