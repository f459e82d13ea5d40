/**
 * Benchmark 1: `TokenService.get` when the token is cached, against two baselines in the same
 * run: the cheapest Effect cache one could write (a `Ref` read and a `Clock` check) and
 * `Effect.cachedWithTTL`. Each sample is one `Effect.runPromise` of a loop of gets, so the
 * cost of starting a fiber is spread over the loop; a floor row shows what the loop alone costs.
 */
import { TokenService } from "@effect-mobilepay/token-service"
import { Clock, Effect, ManagedRuntime, Ref } from "effect"
import { type TokenEndpoint, tokenServiceLayer } from "./endpoint.js"
import { compare } from "../harness/measure.js"
import type { Section } from "../harness/report.js"

const getsPerSample = 10_000

const loop = (get: () => Effect.Effect<unknown, unknown>) =>
  Effect.gen(function* () {
    for (let i = 0; i < getsPerSample; i++) yield* get()
  })

export const tokenServiceHit = async (endpoint: TokenEndpoint): Promise<Section> => {
  const runtime = ManagedRuntime.make(tokenServiceLayer(endpoint))
  try {
    const service = await runtime.runPromise(TokenService.TokenService)
    const token = await Effect.runPromise(service.get())
    const usableUntil = token.expiresAt.epochMillis - 30_000

    // The same check TokenService makes, on a Ref: read the entry, read the clock, compare.
    const entry = await Effect.runPromise(Ref.make({ token, usableUntil }))
    const refHit = () =>
      Effect.flatMap(Ref.get(entry), (cached) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          now < cached.usableUntil ? Effect.succeed(cached.token) : Effect.dieMessage("expired"),
        ),
      )
    const cachedWithTTL = await Effect.runPromise(
      Effect.cachedWithTTL(Effect.succeed(token), "1 hour"),
    )
    await Effect.runPromise(cachedWithTTL)

    const cases: ReadonlyArray<{
      readonly name: string
      readonly get: () => Effect.Effect<unknown, unknown>
    }> = [
      { name: "Ref.get + Clock.currentTimeMillis", get: refHit },
      { name: "Effect.cachedWithTTL hit", get: () => cachedWithTTL },
      { name: "TokenService.get hit", get: () => service.get() },
      { name: "loop floor: yield* Effect.void", get: () => Effect.void },
    ]
    const rows = await compare(
      cases.map(({ name, get }) => ({
        name,
        opsPerRun: getsPerSample,
        run: () => Effect.runPromise(loop(get)),
      })),
      { warmupRuns: 20, rounds: 20, runsPerRound: 10 },
    )
    return {
      title: "TokenService.get, cache hit",
      unit: `one get, timed as one Effect.runPromise of ${getsPerSample.toLocaleString("en")} gets in a loop`,
      rows,
      baseline: "Ref.get + Clock.currentTimeMillis",
      notes: [`design target for a hit: < 1 µs`],
    }
  } finally {
    await runtime.dispose()
  }
}
