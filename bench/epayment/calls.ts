/**
 * Benchmark 6: one in-store ePayment sale's calls, create then get, side by side with what
 * users would pick instead, against a canned Vipps MobilePay in another process
 * (server.ts, pinned to its own core where `taskset` exists): raw undici (the limit
 * here), `fetch`, the official `@vippsmobilepay/sdk`, and `EPaymentClient` on each transport.
 * After a warm-up the variants take turns (A B C … each round) at 1 and at 32 sales in flight;
 * each gets the median of its rounds' sales per second, the median of its per-round ratios to
 * raw undici, p50 and p99 of a sale's latency over all rounds, the client CPU per sale, and the
 * token requests it made while measured. Then the reliability comparison
 * (reliability.ts).
 */
import { median, percentile } from "../harness/measure.js"
import { table } from "../harness/report.js"
import { pinned, pinThisProcess, startServerProcess } from "../harness/serverProcess.js"
import { type ReliabilityRow, reliability, renderReliability, saleCount } from "./reliability.js"
import { routeSdk, sdkTestOrigin } from "./sdkRoute.js"
import { checkAnswer, makeVariant, type Variant, type VariantKey, variantKeys } from "./variants.js"

const concurrencies = [1, 32] as const
const rounds = 5
/** Sales per variant per round, by concurrency. */
const salesPerRound: Record<(typeof concurrencies)[number], number> = { 1: 300, 32: 600 }
const warmupSales = 500

export interface EPaymentRow {
  readonly variant: string
  readonly concurrency: number
  /** Median over the rounds. */
  readonly salesPerSecond: number
  /** Median of the per-round ratios of sales per second to raw undici's. */
  readonly ratioToUndici: number
  /** Of one sale (create + get), over every round, in microseconds. */
  readonly p50Micros: number
  readonly p99Micros: number
  readonly cpuMicrosPerSale: number
  /** Token requests the server answered while this variant was measured. */
  readonly tokenRequests: number
  readonly rounds: number
  readonly salesPerRound: number
}

export interface EPaymentResult {
  readonly pinned: boolean
  readonly sdkRouted: string
  readonly rows: ReadonlyArray<EPaymentRow>
  readonly reliability: ReadonlyArray<ReliabilityRow>
}

interface Timed {
  readonly seconds: number
  readonly cpuMicrosPerSale: number
  /** Each sale's latency in microseconds. */
  readonly latencies: Float64Array
}

/** References no other sale of the run has (the pattern is `[a-zA-Z0-9-]{8,64}`). */
const referenceSequence = (): (() => string) => {
  let sequence = 0
  return () => `bench-sale-${(sequence++).toString().padStart(9, "0")}`
}

/** `sales` sales with `concurrency` in flight, each timed, each answer checked. */
const drive = async (
  variant: Variant,
  sales: number,
  concurrency: number,
  nextReference: () => string,
): Promise<Timed> => {
  const latencies = new Float64Array(sales)
  let started = 0
  const worker = async () => {
    while (started < sales) {
      const index = started++
      const reference = nextReference()
      const start = process.hrtime.bigint()
      const answer = await variant.sale(reference)
      latencies[index] = Number(process.hrtime.bigint() - start) / 1e3
      checkAnswer(answer, reference)
    }
  }
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  await Promise.all(Array.from({ length: Math.min(concurrency, sales) }, worker))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const used = process.cpuUsage(cpu)
  return { seconds, cpuMicrosPerSale: (used.user + used.system) / sales, latencies }
}

const tokenRequests = async (origin: string): Promise<number> => {
  const counts: unknown = await fetch(`${origin}/bench/counts`).then((r) => r.json())
  if (typeof counts !== "object" || counts === null || !("tokens" in counts)) {
    throw new Error("the server sent no counts")
  }
  return Number(counts.tokens)
}

export const ePaymentCalls = async (
  keys: ReadonlyArray<VariantKey> = variantKeys,
): Promise<EPaymentResult> => {
  pinThisProcess()
  const server = await startServerProcess("epayment/server.ts")
  const route = routeSdk()
  const variants: Array<Variant> = []
  const nextReference = referenceSequence()
  try {
    await route.to(server.origin)
    for (const key of keys) variants.push(await makeVariant(key, server.origin))
    for (const variant of variants) {
      const reference = nextReference()
      checkAnswer(await variant.sale(reference), reference)
      await drive(variant, warmupSales, 32, nextReference)
    }
    const rows: Array<EPaymentRow> = []
    for (const concurrency of concurrencies) {
      const sales = salesPerRound[concurrency]
      const perSecond = variants.map((): Array<number> => [])
      const ratios = variants.map((): Array<number> => [])
      const cpu = variants.map((): Array<number> => [])
      const latencies = variants.map((): Array<Float64Array> => [])
      const tokens = variants.map(() => 0)
      for (let round = 0; round < rounds; round++) {
        const thisRound: Array<number> = []
        for (const [index, variant] of variants.entries()) {
          const before = await tokenRequests(server.origin)
          const result = await drive(variant, sales, concurrency, nextReference)
          tokens[index] = (tokens[index] ?? 0) + (await tokenRequests(server.origin)) - before
          thisRound.push(sales / result.seconds)
          perSecond[index]?.push(sales / result.seconds)
          cpu[index]?.push(result.cpuMicrosPerSale)
          latencies[index]?.push(result.latencies)
        }
        const baseline = thisRound[0] ?? NaN
        thisRound.forEach((rate, index) => ratios[index]?.push(rate / baseline))
      }
      variants.forEach((variant, index) => {
        const all = Float64Array.from((latencies[index] ?? []).flatMap((round) => [...round]))
        all.sort()
        rows.push({
          variant: variant.name,
          concurrency,
          salesPerSecond: median(perSecond[index] ?? []),
          ratioToUndici: median(ratios[index] ?? []),
          p50Micros: percentile(all, 0.5),
          p99Micros: percentile(all, 0.99),
          cpuMicrosPerSale: median(cpu[index] ?? []),
          tokenRequests: tokens[index] ?? 0,
          rounds,
          salesPerRound: sales,
        })
      })
    }
    for (const variant of variants.splice(0)) await variant.close()
    return {
      pinned,
      sdkRouted: sdkTestOrigin,
      rows,
      reliability: await reliability(route, keys),
    }
  } finally {
    for (const variant of variants) await variant.close()
    await route.close()
    await server.close()
  }
}

const formatRate = (perSecond: number): string =>
  perSecond >= 1_000 ? `${(perSecond / 1_000).toFixed(2)} k` : perSecond.toFixed(0)

const formatMicros = (micros: number): string =>
  micros >= 1_000 ? `${(micros / 1_000).toFixed(2)} ms` : `${micros.toFixed(0)} µs`

/** The side-by-side table per concurrency, then the reliability table. */
export const renderEPayment = (result: EPaymentResult): string => {
  const sections = concurrencies.map((concurrency) =>
    table(
      `ePayment sale (create + get), ${concurrency === 1 ? "sequential" : `${concurrency} in flight`}`,
      ["variant", "sales/s", "× undici", "p50", "p99", "CPU µs", "token requests"],
      result.rows
        .filter((row) => row.concurrency === concurrency)
        .map((row) => [
          row.variant,
          formatRate(row.salesPerSecond),
          `${row.ratioToUndici.toFixed(2)}×`,
          formatMicros(row.p50Micros),
          formatMicros(row.p99Micros),
          row.cpuMicrosPerSale.toFixed(0),
          String(row.tokenRequests),
        ]),
    ),
  )
  const first = result.rows[0]
  return [
    ...sections,
    `   medians of ${first?.rounds ?? 0} alternated rounds of ${result.rows
      .map((r) => r.salesPerRound)
      .filter((n, i, all) => all.indexOf(n) === i)
      .join(
        " / ",
      )} sales; × undici = median of per-round ratios of sales/s; p50/p99 of one sale over all rounds; CPU = client CPU per sale`,
    "   token requests = answered while the variant was measured; the baselines and the SDK use one token fetched up front (the SDK takes a token from its caller on every call, caches none and fetches none itself); EPaymentClient's comes from AccessTokenService",
    `   the SDK has no base-URL option (${result.sdkRouted} is built in): its unmodified requests reach the loopback server through a global undici dispatcher (sdkRoute.ts)`,
    result.pinned
      ? "   client and server each pinned to a core of their own (taskset)"
      : "   not pinned: client and server share the cores",
    "",
    renderReliability(result.reliability, saleCount),
  ].join("\n")
}
