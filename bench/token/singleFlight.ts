/**
 * Benchmark 3: a cold single flight. 1,000 fibers call `TokenService.get` at once for a key
 * that has no token yet; exactly one token request must reach the endpoint. The time is
 * compared with one caller on a cold key (one request, no one joining), and shown next to
 * what forking 1,000 fibers costs by itself and 1,000 gets on a warm key. Each cold sample
 * uses a new merchant, hence a cold key.
 */
import { TokenService } from "@effect-mobilepay/token-service"
import { Effect, ManagedRuntime } from "effect"
import { merchantVat as warmKey, type TokenEndpoint, tokenServiceLayer } from "./endpoint.js"
import { compare } from "../harness/measure.js"
import type { Section } from "../harness/report.js"

const callers = 1_000
const fanOut = (effect: () => Effect.Effect<unknown, unknown>) =>
  Effect.forEach(Array.from({ length: callers }), effect, {
    concurrency: "unbounded",
    discard: true,
  })

export const singleFlight = async (endpoint: TokenEndpoint): Promise<Section> => {
  const runtime = ManagedRuntime.make(tokenServiceLayer(endpoint))
  try {
    const service = await runtime.runPromise(TokenService.TokenService)
    await Effect.runPromise(service.get(warmKey))
    const thousand = callers.toLocaleString("en")
    let merchant = 0
    const coldKey = () => `DK${String(++merchant).padStart(8, "0")}`
    // Requests reaching the endpoint per sample, in the order taken: each must be 1.
    const requestsPerSample: Array<number> = []
    const counted = (effect: Effect.Effect<unknown, unknown>) => async () => {
      const before = endpoint.requests()
      await Effect.runPromise(effect)
      requestsPerSample.push(endpoint.requests() - before)
    }

    const rows = await compare(
      [
        {
          name: "1 caller, cold key",
          run: () => counted(service.get(coldKey()))(),
        },
        {
          name: `${thousand} concurrent gets, cold key`,
          run: () => {
            const merchantVat = coldKey()
            return counted(fanOut(() => service.get(merchantVat)))()
          },
        },
        {
          name: `${thousand} concurrent gets, warm key`,
          run: () => Effect.runPromise(fanOut(() => service.get(warmKey))),
        },
        {
          name: `${thousand} concurrent Effect.void (fork floor)`,
          run: () => Effect.runPromise(fanOut(() => Effect.void)),
        },
      ],
      { warmupRuns: 10, rounds: 10, runsPerRound: 10 },
    )
    const wrong = requestsPerSample.filter((count) => count !== 1)
    return {
      title: "Cold single flight",
      unit: "all callers answered, from the first get to the last token",
      rows,
      baseline: "1 caller, cold key",
      notes: [
        wrong.length === 0
          ? `token requests: exactly 1 per cold key in all ${requestsPerSample.length} samples`
          : `FAILED: ${wrong.length} of ${requestsPerSample.length} samples made other than 1 request (${wrong.slice(0, 5).join(", ")})`,
      ],
    }
  } finally {
    await runtime.dispose()
  }
}
