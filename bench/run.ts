/**
 * Runs every benchmark in turn against one loopback token endpoint and prints a table per
 * benchmark. `pnpm bench` from the repository root.
 */
import * as Os from "node:os"
import { startTokenEndpoint } from "./loopback.js"
import { fleet } from "./fleet.js"
import { render, type Section } from "./report.js"
import { singleFlight } from "./singleFlight.js"
import { tokenRequest } from "./tokenRequest.js"
import { tokenServiceHit } from "./tokenServiceHit.js"

const started = Date.now()
const cpus = Os.cpus()
console.log(
  `effect-mobilepay benchmarks: Node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}`,
)
console.log("times per op; × baseline = p50 / baseline p50 (lower is faster)\n")

const endpoint = await startTokenEndpoint()
const sections: Array<Section> = []
try {
  for (const benchmark of [tokenServiceHit, tokenRequest, singleFlight, fleet]) {
    const result = await benchmark(endpoint)
    for (const section of Array.isArray(result) ? result : [result]) {
      sections.push(section)
      console.log(render(section))
    }
  }
} finally {
  await endpoint.close()
}
console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
if (sections.some((section) => section.notes?.some((note) => note.startsWith("FAILED")))) {
  process.exitCode = 1
}
