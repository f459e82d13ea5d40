/**
 * What a hand-written integration does: a token it got earlier, MobilePay's headers, and the
 * JSON parsed; over undici's `Pool` (the limit here) or the global `fetch`.
 */
import { Pool } from "undici"
import { headers, paymentPath as path, type Variant, variantNames } from "./variant.js"

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
