/**
 * Benchmark 5: one PoS call, side by side with what users would pick instead. `QueryPayment`
 * against a canned MobilePay in another process (server.ts, pinned to its own core where
 * `taskset` exists), made by raw undici (the limit here), `fetch`, `@effect/platform-node`'s
 * default client with Schema, and the full `PosClient.queryPayment` on each transport the
 * project ships. After a warm-up, the variants take turns (A B C … each round) at 1 and at 32
 * calls in flight; each gets the median of its rounds' calls per second, the median of its
 * per-round ratios to raw undici, and the client CPU per call. Then each variant of
 * {@link rssRuns} runs alone in a fresh process for its peak RSS, next to the floors under it.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { drive } from "./drive.js"
import { median } from "../harness/measure.js"
import { table } from "../harness/report.js"
import {
  onClientCore,
  pinned,
  pinThisProcess,
  startServerProcess,
} from "../harness/serverProcess.js"
import { type Variant, type VariantKey, variantNames } from "./variant.js"
import { checkAnswer, makeVariant, variantKeys } from "./variants.js"

const concurrencies = [1, 32] as const
const rounds = 5
/** Calls per variant per round, by concurrency. */
const callsPerRound: Record<(typeof concurrencies)[number], number> = { 1: 1_000, 32: 2_000 }
const warmupCalls = 2_000
/**
 * A heap limit as a deployment would set it. Under 2 GB, V8 lets the old space grow to at most
 * about twice what is live between full collections; from 2 GB on (the default here: 4 GB, from
 * the machine's memory) to about four times.
 */
const heapLimit = "--max-old-space-size=512"
/**
 * The solo runs for peak RSS, each in a fresh process: raw undici, then what a program that
 * loaded `PosClient`'s modules uses with no calls, with raw undici's calls, with those calls each
 * run by `runPromise`, and with `PosClient`'s own; then raw undici and `PosClient` again under
 * {@link heapLimit}.
 */
export const rssRuns: ReadonlyArray<{
  readonly key: VariantKey
  readonly calls: number
  readonly nodeFlags: ReadonlyArray<string>
}> = [
  { key: "undici", calls: 100_000, nodeFlags: [] },
  { key: "undiciLoaded", calls: 0, nodeFlags: [] },
  { key: "undiciLoaded", calls: 100_000, nodeFlags: [] },
  { key: "undiciInEffect", calls: 100_000, nodeFlags: [] },
  { key: "posUndici", calls: 100_000, nodeFlags: [] },
  { key: "undici", calls: 100_000, nodeFlags: [heapLimit] },
  { key: "posUndici", calls: 100_000, nodeFlags: [heapLimit] },
]
const rssConcurrency = 32

export interface PosRow {
  readonly variant: string
  readonly concurrency: number
  /** Median over the rounds. */
  readonly requestsPerSecond: number
  /** Median of the per-round ratios of calls per second to raw undici's. */
  readonly ratioToUndici: number
  readonly cpuMicrosPerCall: number
  readonly rounds: number
  readonly callsPerRound: number
}

export interface RssRow {
  readonly variant: string
  /** Besides the one call that checks the answer. */
  readonly calls: number
  readonly nodeFlags: ReadonlyArray<string>
  readonly concurrency: number
  readonly maxRssMB: number
  readonly cpuMicrosPerCall: number
}

export interface PosResult {
  readonly pinned: boolean
  readonly rows: ReadonlyArray<PosRow>
  readonly rss: ReadonlyArray<RssRow>
}

const here = fileURLToPath(new URL(".", import.meta.url))
const bench = fileURLToPath(new URL("..", import.meta.url))

// The solo runs are plain `node` on compiled JavaScript (the packages' dist/, the bench's
// files bundled by esbuild): a loader compiling TypeScript on the fly would add its own memory.
const compileSolo = async (): Promise<string> => {
  await new Promise<void>((resolve, reject) =>
    execFile("pnpm", ["-w", "run", "build"], { cwd: here }, (error) =>
      error === null ? resolve() : reject(error),
    ),
  )
  const outdir = `${bench}node_modules/.cache/pos-bench`
  await build({
    entryPoints: [`${here}solo.ts`],
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    packages: "external",
    outExtension: { ".js": ".mjs" },
    logLevel: "warning",
  })
  return `${outdir}/solo.mjs`
}

const solo = (script: string, run: (typeof rssRuns)[number], origin: string): Promise<RssRow> =>
  new Promise((resolve, reject) => {
    const [command, args] = onClientCore(process.execPath, [
      ...run.nodeFlags,
      "--conditions=@effect-mobilepay/dist",
      script,
      run.key,
      String(run.calls),
      String(rssConcurrency),
      origin,
    ])
    execFile(command, [...args], { cwd: here, maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error !== null) return reject(error)
      const result: unknown = JSON.parse(stdout.trim().split("\n").pop() ?? "")
      if (typeof result !== "object" || result === null) return reject(new Error(stdout))
      const field = (name: string): number => {
        const value: unknown = name in result ? Reflect.get(result, name) : undefined
        if (typeof value !== "number") throw new Error(`no ${name} in ${stdout}`)
        return value
      }
      resolve({
        variant: variantNames[run.key],
        calls: run.calls,
        nodeFlags: run.nodeFlags,
        concurrency: rssConcurrency,
        maxRssMB: field("maxRssMB"),
        cpuMicrosPerCall: field("cpuMicrosPerCall"),
      })
    })
  })

export const posCalls = async (
  keys: ReadonlyArray<VariantKey> = variantKeys,
): Promise<PosResult> => {
  pinThisProcess()
  const server = await startServerProcess("pos/server.ts")
  const variants: Array<Variant> = []
  try {
    for (const key of keys) variants.push(await makeVariant(key, server.origin))
    for (const variant of variants) {
      checkAnswer(await variant.call())
      await drive(variant.call, warmupCalls, 32)
    }
    const rows: Array<PosRow> = []
    for (const concurrency of concurrencies) {
      const calls = callsPerRound[concurrency]
      const perSecond = variants.map((): Array<number> => [])
      const ratios = variants.map((): Array<number> => [])
      const cpu = variants.map((): Array<number> => [])
      for (let round = 0; round < rounds; round++) {
        const thisRound: Array<number> = []
        for (const [index, variant] of variants.entries()) {
          const result = await drive(variant.call, calls, concurrency)
          thisRound.push(result.calls / result.seconds)
          perSecond[index]?.push(result.calls / result.seconds)
          cpu[index]?.push(result.cpuMicrosPerCall)
        }
        const baseline = thisRound[0] ?? NaN
        thisRound.forEach((rate, index) => ratios[index]?.push(rate / baseline))
      }
      variants.forEach((variant, index) =>
        rows.push({
          variant: variant.name,
          concurrency,
          requestsPerSecond: median(perSecond[index] ?? []),
          ratioToUndici: median(ratios[index] ?? []),
          cpuMicrosPerCall: median(cpu[index] ?? []),
          rounds,
          callsPerRound: calls,
        }),
      )
    }
    for (const variant of variants.splice(0)) await variant.close()
    const script = await compileSolo()
    const rss: Array<RssRow> = []
    // The runs of the variants chosen, and the floors (which only run alone) with them.
    for (const run of rssRuns.filter((r) => keys.includes(r.key) || !variantKeys.includes(r.key))) {
      rss.push(await solo(script, run, server.origin))
    }
    return { pinned, rows, rss }
  } finally {
    for (const variant of variants) await variant.close()
    await server.close()
  }
}

const formatRate = (perSecond: number): string =>
  perSecond >= 1_000 ? `${(perSecond / 1_000).toFixed(1)} k` : perSecond.toFixed(0)

/** The side-by-side table, then the peak RSS of the solo runs. */
export const renderPos = (result: PosResult): string => {
  const byName = new Map(result.rows.map((row) => [row.variant, row]))
  const names = [...byName.keys()]
  const cell = (variant: string, concurrency: number, f: (row: PosRow) => string) => {
    const row = result.rows.find((r) => r.variant === variant && r.concurrency === concurrency)
    return row === undefined ? "-" : f(row)
  }
  const lines = names.map((name) => [
    name,
    ...concurrencies.flatMap((c) => [
      cell(name, c, (row) => formatRate(row.requestsPerSecond)),
      cell(name, c, (row) => `${row.ratioToUndici.toFixed(2)}×`),
      cell(name, c, (row) => row.cpuMicrosPerCall.toFixed(0)),
    ]),
  ])
  const rss = result.rss.map((row) => {
    const flags = row.nodeFlags.join(" ")
    const raw = result.rss.find(
      (r) => r.variant === variantNames.undici && r.nodeFlags.join(" ") === flags,
    )
    return [
      row.variant,
      flags === "" ? "-" : flags,
      `${row.maxRssMB.toFixed(0)} MB`,
      raw === undefined ? "-" : `${(row.maxRssMB / raw.maxRssMB).toFixed(2)}×`,
      row.calls === 0
        ? "modules loaded, one call"
        : `${row.calls.toLocaleString("en")} calls, ${row.concurrency} in flight`,
    ]
  })
  return [
    table(
      "PoS call, side by side (QueryPayment: authorised GET + decode of a 550-byte payment)",
      ["variant", "c=1 req/s", "× undici", "CPU µs", "c=32 req/s", "× undici", "CPU µs"],
      lines,
    ),
    `   medians of ${result.rows[0]?.rounds ?? 0} alternated rounds; × undici = median of per-round ratios of req/s; CPU = client CPU per call`,
    result.pinned
      ? "   client and server each pinned to a core of their own (taskset)"
      : "   not pinned: client and server share the cores",
    "",
    table(
      "Peak RSS, each variant alone in a fresh process",
      ["variant", "node flags", "peak RSS", "× undici", "run"],
      rss,
    ),
  ].join("\n")
}
