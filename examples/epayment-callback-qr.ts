/**
 * ePayment with a callback-QR sticker at the till and a webhook: the shop prints the sticker
 * once (QrClient); a customer scans it with their MobilePay app; the platform tells the shop's
 * webhook receiver who checked in where (`user.checked-in.v1`, with a 15-minute customer
 * token); the till sends the payment request to that customer, learns from the webhook that it
 * was approved, and captures.
 *
 *   pnpm example epayment-callback-qr     # against the embedded sandbox
 *   VIPPS_MOBILEPAY_CLIENT_ID=... VIPPS_MOBILEPAY_WEBHOOK_URL=https://... pnpm example epayment-callback-qr
 */
import type { WebhookEvent } from "@effect-mobilepay/epayment"
import {
  EPaymentClient,
  QrClient,
  WebhookReceiver,
  WebhooksClient,
} from "@effect-mobilepay/epayment"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Fiber, Redacted, Stream } from "effect"
import { createServer } from "node:http"
import * as Main from "./shared/Main.js"
import * as Platform from "./shared/Platform.js"

const tillQr = "example-till-1"

const program = Effect.gen(function* () {
  const platform = yield* Platform.Platform
  const client = yield* EPaymentClient.EPaymentClient
  const webhooks = yield* WebhooksClient.WebhooksClient
  const qr = yield* QrClient.QrClient
  yield* Effect.log(`talking to ${platform.description}`)

  // The shop's webhook endpoint: a server of its own with the receiver mounted on a route.
  const webhook = yield* platform.webhook
  const server = yield* NodeHttpServer.make(() => createServer(), {
    port: webhook.port,
    host: "127.0.0.1",
  })
  const port = server.address._tag === "TcpAddress" ? server.address.port : webhook.port
  const url = webhook.url.replace("{port}", String(port))
  const registration = yield* Effect.acquireRelease(
    webhooks.register({
      url,
      events: ["user.checked-in.v1", "epayments.payment.authorized.v1"],
    }),
    // A sales unit has one check-in registration: give it back when the example ends.
    (made) => Effect.orDie(webhooks.delete(made.id)),
  )
  yield* Effect.log(`webhook ${registration.id} registered for ${url}`)
  const receiver = yield* WebhookReceiver.make({ url, secrets: registration.secret })
  // Every path of this server is the webhook: a proxy in front may rewrite the public one.
  yield* server.serve(HttpRouter.empty.pipe(HttpRouter.post("*", receiver.handler)))

  // The sticker, made once per till (safe to repeat: it is created or updated).
  yield* qr.putCallbackQr(tillQr, { locationDescription: "Example till", category: "IN_STORE" })
  const sticker = yield* qr.getCallbackQr(tillQr, { format: "SVG" })
  yield* Effect.log(`sticker ${tillQr} at the till: ${sticker.qrImageUrl ?? "(no image)"}`)

  // A customer walks up and scans it: the webhook says who, where.
  const checkIns = receiver.events.pipe(
    Stream.filter((event): event is WebhookEvent.CheckedIn => event._tag === "CheckedIn"),
    Stream.filter((event) => event.merchantQrId === tillQr),
  )
  const arrival = yield* Effect.fork(Stream.runHead(checkIns))
  yield* Platform.customerScansSticker(
    sticker.qrContent ?? "",
    yield* Effect.orElseSucceed(platform.phoneNumber, () => ""),
    "Example till",
  )
  const checkIn = yield* Effect.flatten(Fiber.join(arrival))
  yield* Effect.log(`a customer checked in at ${checkIn.merchantQrId} (webhook ${checkIn._tag})`)

  const reference = yield* Platform.newReference("sticker")
  const value = 3900
  const events = yield* receiver.watchPayment(reference)
  const authorized = yield* Effect.fork(
    Stream.runHead(Stream.filter(events, (event) => event.name !== "CREATED")),
  )
  yield* client.create({
    amount: { currency: platform.currency, value },
    paymentMethod: { type: "WALLET" },
    reference,
    userFlow: "PUSH_MESSAGE",
    // The check-in's token: the app that scanned shows this request at once.
    customer: { customerToken: Redacted.value(checkIn.customerToken) },
    customerInteraction: "CUSTOMER_PRESENT",
    paymentDescription: "Sandwich and juice",
  })
  yield* Effect.log(
    `payment ${reference} of ${Platform.amount(value, platform.currency)} sent to the customer who checked in`,
  )
  yield* Effect.fork(
    Platform.customerApproves(reference, {
      instructions: `approve ${reference} in the MobilePay test app that scanned the sticker`,
    }),
  )
  const outcome = yield* Effect.flatten(Fiber.join(authorized))
  yield* Effect.log(`webhook: payment ${reference} ${outcome.name}`)
  const payment = yield* client.get(reference)
  return yield* Platform.captureAll(payment)
})

Main.run(Effect.scoped(program), Platform.layer)
