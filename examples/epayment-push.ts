/**
 * ePayment in a shop, the simplest flow: the till asks the customer's phone number and pushes
 * the payment request to their MobilePay app; the customer approves; the till captures.
 *
 *   pnpm example epayment-push                              # against the embedded sandbox
 *   VIPPS_MOBILEPAY_CLIENT_ID=... pnpm example epayment-push  # the test environment (see shared/Platform.ts)
 */
import { EPaymentClient } from "@effect-mobilepay/epayment"
import { Effect } from "effect"
import * as Main from "./shared/Main.js"
import * as Platform from "./shared/Platform.js"

const program = Effect.gen(function* () {
  const platform = yield* Platform.Platform
  const client = yield* EPaymentClient.EPaymentClient
  yield* Effect.log(`talking to ${platform.description}`)

  const phoneNumber = yield* platform.phoneNumber
  const reference = yield* Platform.newReference("push")
  const value = 12550
  // One Idempotency-Key per logical create, made by the client and sent on every retry.
  yield* client.create({
    amount: { currency: platform.currency, value },
    paymentMethod: { type: "WALLET" },
    reference,
    userFlow: "PUSH_MESSAGE",
    customer: { phoneNumber },
    customerInteraction: "CUSTOMER_PRESENT",
    paymentDescription: "Coffee and a cinnamon bun",
  })
  yield* Effect.log(
    `payment ${reference} of ${Platform.amount(value, platform.currency)} pushed to ${phoneNumber}`,
  )
  yield* Effect.fork(
    Platform.customerApproves(reference, {
      instructions: `approve ${reference} in the MobilePay test app on ${phoneNumber}`,
    }),
  )
  const payment = yield* Platform.awaitCustomer(reference)
  yield* Effect.log(`payment ${reference}: ${payment.state}`)
  return yield* Platform.captureAll(payment)
})

Main.run(program, Platform.layer)
