/**
 * What every variant of the PoS benchmark shares, and what the canned server answers to: the
 * call (`QueryPayment` of one payment, for one merchant, with one integrator's credentials and
 * MobilePay's headers) and the shape of a variant. Imports nothing, so that the variants and
 * the server can all import it.
 */

export const paymentId = "6f1f2d1e-8a7b-4c3d-9e0f-112233445566"
export const merchantVat = "DK90000028"
export const clientId = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
export const clientSecret = "bench-secret"
export const clientSystemVersion = "1.0.0"
/** The token the canned server issues, and the one the hand-written variants send. */
export const accessToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb3MtYmVuY2gifQ.c2lnbmF0dXJl"

/** The path of the call on the canned server. */
export const paymentPath = `/pos/v10/payments/${paymentId}`

/** The headers a hand-written integration sends with the call. */
export const headers = {
  accept: "application/json",
  authorization: `Bearer ${accessToken}`,
  "x-ibm-client-id": clientId,
  "x-mobilepay-client-system-version": clientSystemVersion,
}

export interface Variant {
  readonly name: string
  /** One `QueryPayment`, its answer read and decoded. */
  readonly call: () => Promise<unknown>
  readonly close: () => Promise<void>
}

export const variantNames = {
  undici: "raw undici Pool.request",
  fetch: "global fetch",
  platform: "NodeHttpClient + Schema",
  posPlatform: "PosClient.queryPayment (NodeHttpClient)",
  posUndici: "PosClient.queryPayment (UndiciHttpClient)",
  undiciInEffect: "raw undici in Effect.promise, PosClient's modules loaded",
  undiciLoaded: "raw undici, PosClient's modules loaded",
} as const

export type VariantKey = keyof typeof variantNames
