/**
 * What a hand-written integration does: a token it got earlier, MobilePay's headers, and the
 * JSON parsed; over undici's `Pool` (the limit here) or the global `fetch`.
 */
import { Pool } from "undici"
import { clientId, paymentId, type Variant, variantNames } from "./variants.js"

const headers = {
  accept: "application/json",
  authorization: "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb3MtYmVuY2gifQ.c2lnbmF0dXJl",
  "x-ibm-client-id": clientId,
  "x-mobilepay-client-system-version": "1.0.0",
}
const path = `/pos/v10/payments/${paymentId}`

export const plainVariant = (key: "undici" | "fetch", origin: string): Variant => {
  if (key === "undici") {
    const pool = new Pool(origin)
    return {
      name: variantNames.undici,
      call: async () => {
        const response = await pool.request({ method: "GET", path, headers })
        const body: unknown = await response.body.json()
        if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`)
        return body
      },
      close: () => pool.close(),
    }
  }
  const url = `${origin}${path}`
  return {
    name: variantNames.fetch,
    call: async () => {
      const response = await fetch(url, { headers })
      const body: unknown = await response.json()
      if (response.status !== 200) throw new Error(`status ${response.status}`)
      return body
    },
    close: async () => {},
  }
}
