/**
 * ePayment with a dynamic QR on a customer-facing screen: the till creates the payment with
 * `userFlow: "QR"`, shows the QR image the platform returns, the customer scans it with their
 * phone and approves; the till captures.
 *
 *   pnpm example epayment-dynamic-qr                              # against the embedded sandbox
 *   VIPPS_MOBILEPAY_CLIENT_ID=... pnpm example epayment-dynamic-qr  # the test environment
 */
import { EPaymentClient } from "@effect-mobilepay/epayment"
import { Effect } from "effect"
import * as Main from "./shared/Main.js"
import * as Platform from "./shared/Platform.js"

const program = Effect.gen(function* () {
  const platform = yield* Platform.Platform
  const client = yield* EPaymentClient.EPaymentClient
  yield* Effect.log(`talking to ${platform.description}`)

  const reference = yield* Platform.newReference("screen")
  const value = 4500
  // TEXT/TARGETURL: the screen renders the QR itself from this URL (IMAGE/SVG+XML and IMAGE/PNG
  // give an image to show instead).
  const created = yield* client.create({
    amount: { currency: platform.currency, value },
    paymentMethod: { type: "WALLET" },
    reference,
    userFlow: "QR",
    qrFormat: { format: "TEXT/TARGETURL" },
    customerInteraction: "CUSTOMER_PRESENT",
    paymentDescription: "Parking, 2 hours",
  })
  const target = created.redirectUrl ?? ""
  yield* Effect.log(
    `payment ${reference} of ${Platform.amount(value, platform.currency)}: the screen shows a QR of ${target}`,
  )
  yield* Effect.fork(
    Platform.customerApproves(reference, {
      scanned: target,
      instructions: `scan a QR code of ${target} with the MobilePay test app and approve`,
    }),
  )
  const payment = yield* Platform.awaitCustomer(reference)
  yield* Effect.log(`payment ${reference}: ${payment.state}`)
  return yield* Platform.captureAll(payment)
})

Main.run(program, Platform.layer)
