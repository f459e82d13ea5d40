/**
 * What every ePayment variant, and the canned servers they talk to, share: the sales unit's
 * credentials and system headers, the paths, the token, and the sale's create body. Imports
 * nothing but a type, so that the servers can import it too.
 */
import type { Payment } from "@effect-mobilepay/epayment"

export const tokenPath = "/accesstoken/get"
export const paymentsPath = "/epayment/v1/payments"
/** The token the canned servers issue. */
export const accessToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcGF5bWVudC1iZW5jaCJ9.c2lnbmF0dXJl"
export const redirectUrl = "https://landing.vipps.no?token=eyJraWQiOiJqd3RrZXkiLCJhbGciOiJSUzI1NiJ9"
/** A sale's amount: 125.50 DKK. */
export const amount = { currency: "DKK", value: 12550 } as const

export const salesUnit = {
  clientId: "9a2d5c1e-7b3f-4e8a-b6d0-1c2e3f4a5b6c",
  clientSecret: "bench-client-secret",
  subscriptionKey: "bench-subscription-key",
  msn: "123456",
} as const
export const system = {
  name: "acme-pos",
  version: "3.2.1",
  pluginName: "effect-mobilepay-bench",
  pluginVersion: "0.2.0",
} as const

/** The create body of every variant: a push to the customer's phone at the till. */
export const createRequest = (reference: string, description = "Till 4, order 42") =>
  ({
    amount,
    paymentMethod: { type: "WALLET" },
    reference,
    userFlow: "PUSH_MESSAGE",
    customer: { phoneNumber: "4512345678" },
    customerInteraction: "CUSTOMER_PRESENT",
    paymentDescription: description,
  }) satisfies Payment.CreatePaymentRequest.Encoded

/** The headers of every ePayment call a hand-written integration sends. */
export const apiHeaders = (token: string): Record<string, string> => ({
  accept: "application/json",
  authorization: `Bearer ${token}`,
  "ocp-apim-subscription-key": salesUnit.subscriptionKey,
  "merchant-serial-number": salesUnit.msn,
  "vipps-system-name": system.name,
  "vipps-system-version": system.version,
  "vipps-system-plugin-name": system.pluginName,
  "vipps-system-plugin-version": system.pluginVersion,
})

/** The headers of a create: the call's, its JSON body's type, and its idempotency key. */
export const createHeaders = (
  headers: Record<string, string>,
  idempotencyKey: string,
): Record<string, string> => ({
  ...headers,
  "content-type": "application/json",
  "idempotency-key": idempotencyKey,
})

/** The headers of a hand-written integration's token request. */
export const tokenHeaders = {
  client_id: salesUnit.clientId,
  client_secret: salesUnit.clientSecret,
  "ocp-apim-subscription-key": salesUnit.subscriptionKey,
  "merchant-serial-number": salesUnit.msn,
}
