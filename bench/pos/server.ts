/**
 * The canned MobilePay the PoS benchmark talks to, in a process of its own (so that its CPU is
 * not the client's): node:http with keep-alive on loopback, answering every token request with
 * one token and every `GET /pos/v10/payments/{id}` with the same payment. Prints its port on
 * stdout, then serves until stdin closes.
 */
import { serveCanned } from "../harness/cannedServer.js"
import { accessToken } from "./variant.js"

const tokenBody = JSON.stringify({
  access_token: accessToken,
  expires_in: 3700,
  token_type: "Bearer",
  scope: "integrator_scope",
})

/** A reserved payment as MobilePay answers `QueryPayment`: every field filled in. */
const paymentBody = (paymentId: string): string =>
  JSON.stringify({
    paymentId,
    posId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    orderId: "receipt-000042",
    amount: 125.5,
    currencyCode: "DKK",
    restrictions: { debitCardDisallowed: false, creditCardDisallowed: false },
    merchantPaymentLabel: "Till 4, evening",
    plannedCaptureDelay: "None",
    status: "Reserved",
    customerToken: "ct-9a8b7c6d5e4f3a2b1c0d",
    customerReceiptToken: "rt-0f1e2d3c4b5a69788796",
    loyaltyIds: ["loyalty-1"],
    paymentExpiresAt: "2026-11-28T18:07:45.4847176+00:00",
    partialCapturePossible: true,
    pollDelayInMs: 1000,
  })

const paymentPath = /^\/pos\/v10\/payments\/([0-9a-f-]{36})$/

serveCanned((req) => {
  const url = req.url ?? ""
  const payment = paymentPath.exec(url)
  const body =
    req.method === "POST" && url.endsWith("/connect/token")
      ? tokenBody
      : req.method === "GET" && payment !== null && req.headers.authorization !== undefined
        ? paymentBody(payment[1] ?? "")
        : undefined
  return body === undefined
    ? { status: 404, body: "" }
    : { status: 200, body, headers: { "x-correlation-id": "bench-correlation-id" } }
})
