/**
 * The canned Vipps MobilePay the ePayment benchmark talks to, in a process of its own (so that
 * its CPU is not the client's): node:http with keep-alive on loopback. It answers
 * `POST /accesstoken/get` with one token, `POST /epayment/v1/payments` with 201 and the
 * `reference` of the body it read, and `GET /epayment/v1/payments/{reference}` with an
 * authorized payment of that reference. A request without the API's headers (the bearer token,
 * the subscription key, the MSN, the `Vipps-System-*` headers, and on create an
 * `Idempotency-Key` and a JSON body) is answered 400, so that every variant sends the same.
 * `GET /bench/counts` tells how many of each it answered. Prints its port on stdout, then
 * serves until stdin closes.
 */
import type * as Http from "node:http"
import { serveCanned } from "../harness/cannedServer.js"
import { accessToken, amount, paymentsPath, redirectUrl, tokenPath } from "./sale.js"

const tokenBody = JSON.stringify({
  token_type: "Bearer",
  expires_in: 3600,
  ext_expires_in: 3600,
  access_token: accessToken,
})

/** An authorized ePayment as `getPayment` answers it (every field the contract lists). */
const paymentBody = (reference: string): string =>
  JSON.stringify({
    aggregate: {
      authorizedAmount: amount,
      cancelledAmount: { currency: "DKK", value: 0 },
      capturedAmount: { currency: "DKK", value: 0 },
      refundedAmount: { currency: "DKK", value: 0 },
    },
    amount,
    state: "AUTHORIZED",
    paymentMethod: { type: "WALLET", cardBin: "540185" },
    profile: { sub: "c06c4afe-d9e1-4c5d-939a-177d752a0944" },
    pspReference: "8f3a1c0e-5b7d-4e2a-9c6f-0d1e2f3a4b5c",
    redirectUrl,
    reference,
    metadata: { till: "4", order: "42" },
  })

const paymentPath = new RegExp(`^${paymentsPath}/([a-zA-Z0-9-]{8,64})$`)

const counts = { tokens: 0, creates: 0, gets: 0, refused: 0 }

// What every ePayment call carries, whichever client made it.
const hasApiHeaders = (headers: Http.IncomingHttpHeaders): boolean =>
  headers.authorization?.startsWith("Bearer ") === true &&
  headers["ocp-apim-subscription-key"] !== undefined &&
  headers["merchant-serial-number"] !== undefined &&
  headers["vipps-system-name"] !== undefined &&
  headers["vipps-system-version"] !== undefined &&
  headers["vipps-system-plugin-name"] !== undefined &&
  headers["vipps-system-plugin-version"] !== undefined

const referenceOf = (body: string): string | undefined => {
  try {
    const json: unknown = JSON.parse(body)
    return typeof json === "object" &&
      json !== null &&
      "reference" in json &&
      typeof json.reference === "string"
      ? json.reference
      : undefined
  } catch {
    return undefined
  }
}

const answer = (req: Http.IncomingMessage, body: string): readonly [number, string] | undefined => {
  const url = req.url ?? ""
  if (req.method === "POST" && url === tokenPath) {
    if (req.headers["client_id"] === undefined || req.headers["client_secret"] === undefined) {
      return undefined
    }
    counts.tokens++
    return [200, tokenBody]
  }
  if (req.method === "GET" && url === "/bench/counts") return [200, JSON.stringify(counts)]
  if (!hasApiHeaders(req.headers)) return undefined
  if (req.method === "POST" && url === paymentsPath) {
    const reference = referenceOf(body)
    if (
      reference === undefined ||
      req.headers["idempotency-key"] === undefined ||
      !req.headers["content-type"]?.startsWith("application/json")
    ) {
      return undefined
    }
    counts.creates++
    return [
      201,
      JSON.stringify({
        reference,
        redirectUrl,
      }),
    ]
  }
  const payment = paymentPath.exec(url)
  if (req.method === "GET" && payment !== null) {
    counts.gets++
    return [200, paymentBody(payment[1] ?? "")]
  }
  return undefined
}

serveCanned((req, body) => {
  const answered = answer(req, body)
  if (answered === undefined) {
    counts.refused++
    return {
      status: 400,
      body: JSON.stringify({ title: "Bad Request", status: 400, detail: "refused by the bench" }),
      headers: { "content-type": "application/problem+json" },
    }
  }
  const [status, answerBody] = answered
  return { status, body: answerBody }
})
