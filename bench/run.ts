/**
 * Runs every benchmark in turn and prints a table per benchmark; the results also go to
 * `results/latest.json`. `pnpm bench` from the repository root; `pnpm bench pos fleet` runs
 * only the benchmarks named (`hit`, `token`, `flight`, `fleet`, `pos`, `epayment`).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import { fileURLToPath } from "node:url"
import { type EPaymentResult, ePaymentCalls, renderEPayment } from "./epayment/calls.js"
import { ePaymentClientHeld } from "./epayment/reliability.js"
import { fleet } from "./token/fleet.js"
import { startTokenEndpoint, type TokenEndpoint } from "./token/endpoint.js"
import { type PosResult, posCalls, renderPos } from "./pos/calls.js"
import { variantKeys } from "./pos/variants.js"
import { render, type Section } from "./harness/report.js"
import { singleFlight } from "./token/singleFlight.js"
import { tokenRequest } from "./token/tokenRequest.js"
import { tokenServiceHit } from "./token/tokenServiceHit.js"

type Benchmark = (endpoint: TokenEndpoint) => Promise<Section | ReadonlyArray<Section>>
const benchmarks: ReadonlyArray<readonly [string, Benchmark]> = [
  ["hit", tokenServiceHit],
  ["token", tokenRequest],
  ["flight", singleFlight],
  ["fleet", fleet],
]
const chosen = process.argv.slice(2)
const wanted = (name: string) => chosen.length === 0 || chosen.includes(name)

const started = Date.now()
const cpus = Os.cpus()
const machine = `Node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}`
console.log(`effect-mobilepay benchmarks: ${machine}`)
console.log("times per op; × baseline = p50 / baseline p50 (lower is faster)\n")

const sections: Array<Section> = []
let pos: PosResult | undefined
let epayment: EPaymentResult | undefined
const endpoint = await startTokenEndpoint()
try {
  for (const [, benchmark] of benchmarks.filter(([name]) => wanted(name))) {
    const result = await benchmark(endpoint)
    for (const section of Array.isArray(result) ? result : [result]) {
      sections.push(section)
      console.log(render(section))
    }
  }
} finally {
  await endpoint.close()
}
// Last, so that the other benchmarks do not run on the core it pins this process to.
if (wanted("pos")) {
  // BENCH_POS_VARIANTS=undici,posUndici measures only those (while working on one of them).
  const only = process.env["BENCH_POS_VARIANTS"]?.split(",")
  pos = await posCalls(only === undefined ? undefined : variantKeys.filter((k) => only.includes(k)))
  console.log(renderPos(pos))
}
// Pinned like pos (and after it, so that the others do not run on the pinned core).
if (wanted("epayment")) {
  epayment = await ePaymentCalls()
  console.log(renderEPayment(epayment))
}
const seconds = (Date.now() - started) / 1000

const results = new URL("results/", import.meta.url)
mkdirSync(fileURLToPath(results), { recursive: true })
writeFileSync(
  fileURLToPath(new URL("latest.json", results)),
  `${JSON.stringify({ date: new Date().toISOString(), machine, seconds, sections, pos, epayment }, null, 2)}\n`,
)
console.log(`\ndone in ${seconds.toFixed(1)} s (results/latest.json)`)
if (
  sections.some((section) => section.notes?.some((note) => note.startsWith("FAILED"))) ||
  (epayment !== undefined && !ePaymentClientHeld(epayment.reliability))
) {
  process.exitCode = 1
}
