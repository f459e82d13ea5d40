/**
 * ePayment with the customer's personal QR: the customer shows the QR code in their MobilePay
 * app, the till's scanner reads it, and the payment request goes to that customer's app; the
 * customer approves; the till captures.
 *
 *   pnpm example epayment-personal-qr                              # against the embedded sandbox
 *   VIPPS_MOBILEPAY_CLIENT_ID=... pnpm example epayment-personal-qr  # the test environment
 */
import { EPaymentClient } from "@effect-mobilepay/epayment"
import { Effect } from "effect"
import * as Main from "./shared/Main.js"
import * as Platform from "./shared/Platform.js"

const program = Effect.gen(function* () {
  const platform = yield* Platform.Platform
  const client = yield* EPaymentClient.EPaymentClient
  yield* Effect.log(`talking to ${platform.description}`)

  // What the till's scanner read from the customer's app.
  const personalQr = yield* platform.personalQr
  const reference = yield* Platform.newReference("personal-qr")
  const value = 8995
  yield* client.create({
    amount: { currency: platform.currency, value },
    paymentMethod: { type: "WALLET" },
    reference,
    userFlow: "PUSH_MESSAGE",
    customer: { personalQr },
    customerInteraction: "CUSTOMER_PRESENT",
    paymentDescription: "Lunch",
  })
  yield* Effect.log(
    `payment ${reference} of ${Platform.amount(value, platform.currency)} sent to the scanned personal QR`,
  )
  // The sandbox's customer with that QR; in the test environment, you.
  yield* Effect.fork(
    Platform.customerApproves(reference, {
      instructions: `approve ${reference} in the MobilePay test app whose personal QR was scanned`,
    }),
  )
  const payment = yield* Platform.awaitCustomer(reference)
  yield* Effect.log(`payment ${reference}: ${payment.state}`)
  return yield* Platform.captureAll(payment)
})

Main.run(program, Platform.layer)
