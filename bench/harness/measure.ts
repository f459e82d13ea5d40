/**
 * A small benchmark harness: warm-up, then samples taken in interleaved rounds (every case
 * in turn, round after round) so that drift in the machine's speed hits each case alike.
 * Every count is fixed up front, so a run takes a bounded time.
 */

/** One thing to time. */
export interface Case {
  readonly name: string
  /** One sample: the operation `opsPerRun` times. */
  readonly run: () => Promise<unknown>
  /** Operations per sample; times are reported per operation. @default 1 */
  readonly opsPerRun?: number
}

export interface Plan {
  /** Samples thrown away per case before measuring. */
  readonly warmupRuns: number
  readonly rounds: number
  /** Samples per case in each round. */
  readonly runsPerRound: number
}

export interface Stats {
  readonly name: string
  /** Number of samples. */
  readonly n: number
  /** Nanoseconds per operation. */
  readonly mean: number
  readonly p50: number
  readonly p99: number
  /** Relative standard deviation of the samples (0.05 = ±5 %). */
  readonly rsd: number
}

/** The `p` percentile (0.5 = p50) of samples sorted ascending. */
export const percentile = (sorted: ArrayLike<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN

/** The median of values in any order (the mean of the middle two for an even count). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2
}

/** The stats of raw samples (nanoseconds per operation). */
export const summarize = (name: string, samples: ReadonlyArray<number>): Stats => {
  const sorted = [...samples].sort((a, b) => a - b)
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length
  const variance = sorted.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (sorted.length - 1)
  return {
    name,
    n: sorted.length,
    mean,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    rsd: Math.sqrt(variance) / mean,
  }
}

const timeOnce = async (testCase: Case): Promise<number> => {
  const start = process.hrtime.bigint()
  await testCase.run()
  return Number(process.hrtime.bigint() - start) / (testCase.opsPerRun ?? 1)
}

/** Measures every case under the same plan, interleaved; results in the order given. */
export const compare = async (
  cases: ReadonlyArray<Case>,
  plan: Plan,
): Promise<ReadonlyArray<Stats>> => {
  for (let i = 0; i < plan.warmupRuns; i++) {
    for (const testCase of cases) await testCase.run()
  }
  const samples = cases.map((): Array<number> => [])
  for (let round = 0; round < plan.rounds; round++) {
    for (const [index, testCase] of cases.entries()) {
      for (let i = 0; i < plan.runsPerRound; i++) samples[index]?.push(await timeOnce(testCase))
    }
  }
  return cases.map((testCase, index) => summarize(testCase.name, samples[index] ?? []))
}
