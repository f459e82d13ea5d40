/**
 * Runs a fixed number of calls with a fixed number in flight, and measures the wall time and
 * the CPU time this process spent (the server runs elsewhere, so that is the client's cost).
 */

export interface Drive {
  readonly calls: number
  readonly seconds: number
  /** Client CPU (user + system) per call, in microseconds. */
  readonly cpuMicrosPerCall: number
}

export const drive = async (
  call: () => Promise<unknown>,
  calls: number,
  concurrency: number,
): Promise<Drive> => {
  let started = 0
  const worker = async () => {
    while (started < calls) {
      started++
      await call()
    }
  }
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const used = process.cpuUsage(cpu)
  return {
    calls,
    seconds,
    cpuMicrosPerCall: calls === 0 ? 0 : (used.user + used.system) / calls,
  }
}
