/**
 * A fleet on a busy machine, on the defaults: 4 processes × 50 merchants (test/fixtures/fleet-worker.ts)
 * sharing tokens through a private redis-server, each process's event loop blocked now and
 * then (50-250 ms every 0.3-1 s, as bursts of work, long GCs or a starved core block it). The
 * token endpoint is an independent counting one (test/fixtures/fleet-endpoint.ts) in a process of its
 * own: it counts the requests that reach it, and its tokens carry the expiry every handed-out
 * token is checked against.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import { freePort, newKey, startRedis } from "./support/Redis.js"
import {
  fleet,
  goAll,
  merchants,
  type Orders,
  result,
  sendAll,
  startEndpoint,
  type Target,
} from "./support/Fleet.js"

const processes = 4
const fifty = merchants(50)
const stalls = { everyMs: [300, 1_000], forMs: [50, 250] } as const

/** A private redis-server on a free port, stopped when the scope closes. */
const privateRedis = Effect.gen(function* () {
  const port = yield* freePort
  yield* startRedis(port)
  return `redis://127.0.0.1:${port}`
})

/**
 * Token requests per needed one, among those that arrived within [from, to): a request for a
 * merchant that arrives within 1.5 s of the previous one for it is one too many. (A 6 s token
 * is renewed 3 s, less at most 10 % jitter, before its expiry, counted from when its request
 * was sent: no sooner than 2.7 s after it.)
 */
const perNeeded = (
  log: ReadonlyArray<{ readonly merchant: string; readonly at: number }>,
  from: number,
  to: number,
) => {
  const previous = new Map<string, number>()
  let made = 0
  let needed = 0
  for (const { merchant, at } of log) {
    if (at >= from && at < to) {
      made++
      if (at - (previous.get(merchant) ?? -Infinity) >= 1_500) needed++
    }
    previous.set(merchant, at)
  }
  return { made, needed, ratio: needed === 0 ? Infinity : made / needed }
}

const Gets = Schema.Struct({
  phase: Schema.Literal("cold", "steady"),
  gets: Schema.Number,
  failures: Schema.Number,
  expired: Schema.Number,
  slowestGetMs: Schema.Number,
  requested: Schema.Number,
  fallbacks: Schema.optional(Schema.Number),
  degradedWarnings: Schema.optional(Schema.Number),
})
const Calls = Schema.Struct({
  calls: Schema.Number,
  requested: Schema.Number,
  failed: Schema.Record({ key: Schema.String, value: Schema.Number }),
  fallbacks: Schema.Number,
  degradedWarnings: Schema.Number,
})

const ordersOn = (redisUrl: string, mode: Orders["mode"]): Orders => ({
  mode,
  merchants: fifty,
  redisUrl,
  keyPrefix: "mobilepay:tokens",
  key: Redacted.value(newKey()),
  stalls,
})

const sum = (values: ReadonlyArray<number>) => values.reduce((total, n) => total + n, 0)

describe("a fleet on a busy machine, on the defaults", () => {
  it.scopedLive(
    "4 processes × 50 merchants, cold then steady on 6 s tokens: one request per merchant and per renewal, none failed or expired",
    () =>
      Effect.gen(function* () {
        const redisUrl = yield* privateRedis
        const endpoint = yield* startEndpoint(6)
        const target: Target = endpoint
        const workers = yield* fleet(processes, target, {
          ...ordersOn(redisUrl, "busy"),
          durationMs: 9_000,
        })
        const goAt = Date.now()
        yield* goAll(workers)
        const cold = yield* Effect.forEach(workers, result(Gets))
        const coldDoneAt = Date.now()
        const steady = yield* Effect.forEach(workers, result(Gets))
        const log = yield* endpoint.log
        const coldRequests = perNeeded(log, goAt, coldDoneAt)
        const steadyRequests = perNeeded(log, coldDoneAt, Infinity)
        const figures = {
          coldRequestsPerMerchant: coldRequests.ratio,
          cold: JSON.stringify(coldRequests),
          coldMs: coldDoneAt - goAt,
          steadyRequestsPerRenewal: steadyRequests.ratio,
          steady: JSON.stringify(steadyRequests),
          // Requests the TokenServices made; the endpoint sees more if a TokenClient retried.
          requestedByTheFleet: sum(steady.map((r) => r.requested)),
          requestsAtTheEndpoint: log.length,
          gets: sum([...cold, ...steady].map((r) => r.gets)),
          failed: sum([...cold, ...steady].map((r) => r.failures)),
          expired: sum([...cold, ...steady].map((r) => r.expired)),
          fallbacks: sum(steady.map((r) => r.fallbacks ?? 0)),
          degradedWarnings: steady.map((r) => r.degradedWarnings ?? 0),
          slowestColdGetMs: Math.max(...cold.map((r) => r.slowestGetMs)),
          slowestSteadyGetMs: Math.max(...steady.map((r) => r.slowestGetMs)),
        }
        yield* Effect.logInfo("busy fleet, cold and steady").pipe(Effect.annotateLogs(figures))
        expect(figures.failed).toBe(0)
        expect(figures.expired).toBe(0)
        expect(coldRequests.needed).toBeGreaterThanOrEqual(fifty.length)
        expect(coldRequests.ratio).toBeLessThanOrEqual(1.05)
        // 9 s of 6 s tokens renewed ~3 s ahead: about 3 renewals per merchant.
        expect(steadyRequests.needed).toBeGreaterThanOrEqual(2 * fifty.length)
        expect(steadyRequests.ratio).toBeLessThanOrEqual(1.1)
      }),
    { timeout: 60_000 },
  )

  it.scopedLive(
    "2 revocations while 4 processes × 50 merchants call PoS every 2 s: one new token per merchant each, no call fails",
    () =>
      Effect.gen(function* () {
        const redisUrl = yield* privateRedis
        const endpoint = yield* startEndpoint(3600)
        // PosClient's 500 ms read timeout is counted by a plain timer, which a stalled process
        // runs out before it reads the answer: these calls wait longer, so that what fails
        // here is what the tokens make fail.
        const workers = yield* fleet(processes, endpoint, {
          ...ordersOn(redisUrl, "revocations"),
          posReadTimeout: 5_000,
        })
        yield* goAll(workers)
        let warmRequested = 0
        for (const worker of workers) {
          const [said, requested] = (yield* worker.line).split(" ")
          expect(said).toBe("warm")
          warmRequested += Number(requested)
        }
        // The TokenServices asked once per merchant (the endpoint may see retried attempts).
        expect(warmRequested).toBe(fifty.length)
        yield* endpoint.clear
        yield* goAll(workers)
        const revocations = 2
        for (let revocation = 0; revocation < revocations; revocation++) {
          yield* Effect.sleep("3 seconds")
          yield* endpoint.revoke
        }
        yield* Effect.sleep("3 seconds")
        yield* sendAll(workers, "stop")
        const outcomes = yield* Effect.forEach(workers, result(Calls))
        const log = yield* endpoint.log
        const figures = {
          requestsPerMerchantPerRevocation: log.length / (fifty.length * revocations),
          requestedByTheFleet: sum(outcomes.map((o) => o.requested)) - warmRequested,
          calls: sum(outcomes.map((o) => o.calls)),
          failedCalls: sum(outcomes.map((o) => sum(Object.values(o.failed)))),
          failedByTag: outcomes.map((o) => o.failed),
          fallbacks: sum(outcomes.map((o) => o.fallbacks)),
          degradedWarnings: outcomes.map((o) => o.degradedWarnings),
        }
        yield* Effect.logInfo("busy fleet, revocations").pipe(Effect.annotateLogs(figures))
        expect(figures.failedCalls).toBe(0)
        // Every process called every merchant after each revocation (a call every 2 s).
        expect(figures.calls).toBeGreaterThanOrEqual(processes * fifty.length * revocations)
        expect(figures.requestsPerMerchantPerRevocation).toBeGreaterThanOrEqual(1)
        expect(figures.requestsPerMerchantPerRevocation).toBeLessThanOrEqual(1.1)
      }),
    { timeout: 60_000 },
  )
})
