/**
 * One PoS benchmark variant alone in its own process, for what only a process of its own can
 * show: its peak RSS over many calls, and a CPU profile (`node --cpu-prof`).
 *
 *   node --import tsx pos/solo.ts <variant> <calls> <concurrency> [origin]
 *
 * Without an origin it starts the canned server itself. Prints one JSON line.
 */
import { drive } from "./drive.js"
import { startServerProcess } from "../harness/serverProcess.js"
import { type VariantKey, variantNames } from "./variant.js"
import { checkAnswer, makeVariant } from "./variants.js"

const [key = "", callsText = "", concurrencyText = "", given] = process.argv.slice(2)
const isVariant = (k: string): k is VariantKey => Object.keys(variantNames).includes(k)
if (!isVariant(key)) {
  throw new Error(
    `usage: pos/solo.ts <${Object.keys(variantNames).join("|")}> <calls> <concurrency>`,
  )
}
const server = given === undefined ? await startServerProcess("pos/server.ts") : undefined
const variant = await makeVariant(key, given ?? server?.origin ?? "")
try {
  checkAnswer(await variant.call())
  const result = await drive(variant.call, Number(callsText), Number(concurrencyText))
  console.log(
    JSON.stringify({
      variant: variant.name,
      ...result,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    }),
  )
} finally {
  await variant.close()
  await server?.close()
}
