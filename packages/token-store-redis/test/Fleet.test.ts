/**
 * A fleet of real processes (child processes running test/fixtures/fleet-worker.ts) sharing tokens
 * through the machine's Redis, against an in-process sandbox on the real clock: the sandbox's
 * request log counts what reaches the token endpoint.
 */
import { Fault, Sandbox } from "@effect-mobilepay/sandbox"
import { Services } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Redacted, Schema } from "effect"
import { dump, freePort, isolatedPrefix, killRedis, newKey, startRedis } from "./support/Redis.js"
import {
  fleet,
  goAll,
  merchants,
  type Orders,
  result,
  tokenRequests,
  total,
} from "./support/Fleet.js"

const redisUrl = Services.redisUrl()
const ColdResult = Schema.Struct({
  failures: Schema.Number,
  prints: Schema.Record({ key: Schema.String, value: Schema.String }),
})
const SteadyResult = Schema.Struct({
  gets: Schema.Number,
  expired: Schema.Number,
  failures: Schema.Number,
  posCalls: Schema.Number,
  posFailures: Schema.Number,
  slowestGetMs: Schema.Number,
  misses: Schema.Number,
  shared: Schema.Number,
  fallbacks: Schema.Number,
  degraded: Schema.Number,
})
const StormResult = Schema.Struct({ failures: Schema.Number })

describe.skipIf(redisUrl === undefined)("a fleet of processes on one Redis", () => {
  const url = redisUrl ?? ""
  const shared = () =>
    Effect.map(isolatedPrefix(url), (keyPrefix) => ({
      redisUrl: url,
      keyPrefix,
      key: Redacted.value(newKey()),
    }))

  it.scopedLive(
    "4 processes × 50 merchants, cold, all at once: exactly 1 token request per merchant",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make()
        const fifty = merchants(50)
        const workers = yield* fleet(4, sandbox, {
          mode: "cold",
          merchants: fifty,
          ...(yield* shared()),
        })
        yield* goAll(workers)
        const results = yield* Effect.forEach(workers, result(ColdResult))
        for (const { failures } of results) expect(failures).toBe(0)
        const requests = yield* tokenRequests(sandbox)
        expect(total(requests)).toBe(50)
        for (const merchant of fifty) expect(requests.get(merchant)).toBe(1)
        // Every process holds the same token for a merchant.
        for (const merchant of fifty) {
          expect(new Set(results.map((r) => r.prints[merchant])).size).toBe(1)
        }
      }),
    { timeout: 60_000 },
  )

  it.scopedLive(
    "5 token lifetimes, 4 processes × 25 merchants calling steadily: one renewal per merchant for the fleet, none expired, no get waits",
    () =>
      Effect.gen(function* () {
        // 2 s tokens renewed 600 ms ahead, for the fleet. The sandbox's `exp` claim is in whole
        // seconds, so by its own claim a token lives 1 to 2 s, and the client never counts a
        // token as living longer than its claim: renewals come every 0.4 to 1.4 s (about 0.9 s
        // on average), 8 to 14 requests per merchant in 10 s. Four processes on their own
        // would make four times as many.
        const sandbox = yield* Sandbox.make({
          tokenLifetime: "2 seconds",
          requestLogLimit: 100_000,
        })
        const some = merchants(25)
        const workers = yield* fleet(4, sandbox, {
          mode: "steady",
          merchants: some,
          durationMs: 10_000,
          intervalMs: 100,
          refreshAhead: 600,
          safetyMargin: 300,
          ...(yield* shared()),
        })
        yield* goAll(workers)
        const results = yield* Effect.forEach(workers, result(SteadyResult))
        const requests = yield* tokenRequests(sandbox)
        for (const r of results) {
          expect(r).toMatchObject({ failures: 0, expired: 0 })
          expect(r.gets).toBeGreaterThan(1_500)
          // A get that misses waits for a request; in steady state the renewal comes first.
          // (A starved machine may delay a renewal past the margin now and then.)
          expect(r.misses).toBeLessThanOrEqual(Math.ceil(r.gets / 100))
        }
        for (const merchant of some) {
          expect(requests.get(merchant)).toBeGreaterThanOrEqual(6)
          expect(requests.get(merchant)).toBeLessThanOrEqual(16)
        }
      }),
    { timeout: 90_000 },
  )

  it.scopedLive(
    "a process killed while holding the lease: another takes over after the lease, no caller fails",
    () =>
      Effect.gen(function* () {
        // The first token request hangs: its process holds the lease when it is killed.
        const sandbox = yield* Sandbox.make({
          faults: [
            {
              route: "POST /integrator-authentication/connect/token",
              fault: Fault.Fault.Latency({ delay: Duration.seconds(30) }),
              times: 1,
            },
          ],
        })
        const orders: Orders = {
          mode: "cold",
          merchants: ["DK90000028"],
          lease: 1_000,
          ...(yield* shared()),
        }
        const [holder, ...others] = yield* fleet(4, sandbox, orders)
        yield* holder!.send("go")
        while (total(yield* tokenRequests(sandbox)) === 0) yield* Effect.sleep("20 millis")
        yield* goAll(others)
        yield* Effect.sleep("200 millis") // the others are waiting for the holder
        holder!.child.kill("SIGKILL")
        const started = Date.now()
        const results = yield* Effect.forEach(others, result(ColdResult))
        for (const { failures } of results) expect(failures).toBe(0)
        expect(new Set(results.map((r) => r.prints["DK90000028"])).size).toBe(1)
        // The hung request, and one more once the lease had lapsed.
        expect(total(yield* tokenRequests(sandbox))).toBe(2)
        expect(Date.now() - started).toBeLessThan(5_000)
      }),
    { timeout: 60_000 },
  )

  it.scopedLive(
    "a 401 storm across 4 processes: one new token per merchant, no PoS call fails",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make()
        const twenty = merchants(20)
        const workers = yield* fleet(4, sandbox, {
          mode: "storm",
          merchants: twenty,
          ...(yield* shared()),
        })
        yield* goAll(workers)
        for (const worker of workers) expect(yield* worker.line).toBe("warm")
        expect(total(yield* tokenRequests(sandbox))).toBe(20)
        expect(yield* sandbox.revokeTokens()).toBe(20)
        yield* sandbox.clearRequests
        yield* goAll(workers)
        const results = yield* Effect.forEach(workers, result(StormResult))
        for (const { failures } of results) expect(failures).toBe(0)
        const requests = yield* tokenRequests(sandbox)
        for (const merchant of twenty) expect(requests.get(merchant)).toBe(1)
        const unauthorized = (yield* sandbox.requests).filter((r) => r.path.endsWith("/stores"))
        expect(unauthorized.length).toBeGreaterThanOrEqual(4 * 20) // every process met the storm
      }),
    { timeout: 60_000 },
  )

  it.scopedLive(
    "Redis stopped mid-run: no PoS call fails while tokens are good, and the fleet rejoins when it returns",
    () =>
      Effect.gen(function* () {
        const port = yield* freePort
        const privateUrl = `redis://127.0.0.1:${port}`
        yield* startRedis(port)
        const sandbox = yield* Sandbox.make({
          tokenLifetime: "2 seconds",
          requestLogLimit: 100_000,
        })
        const keyPrefix = yield* isolatedPrefix(privateUrl)
        const workers = yield* fleet(4, sandbox, {
          mode: "steady",
          merchants: merchants(3),
          durationMs: 9_000,
          intervalMs: 100,
          posCalls: true,
          refreshAhead: 600,
          safetyMargin: 300,
          commandTimeout: 50,
          lease: 1_000,
          redisUrl: privateUrl,
          keyPrefix,
          key: Redacted.value(newKey()),
        })
        yield* goAll(workers)
        yield* Effect.sleep("2500 millis")
        yield* killRedis(port)
        yield* Effect.sleep("3 seconds")
        yield* startRedis(port)
        const results = yield* Effect.forEach(workers, result(SteadyResult))
        for (const r of results) {
          expect(r).toMatchObject({ failures: 0, expired: 0, posFailures: 0, degraded: 0 })
          expect(r.posCalls).toBeGreaterThan(100)
          expect(r.fallbacks).toBeGreaterThan(0) // each process noticed, and went on alone
        }
        // Back on Redis: the fleet stores its tokens in the restarted server.
        const names = (yield* dump(privateUrl, keyPrefix)).map((entry) => entry.name)
        expect(names.filter((name) => name.endsWith(":token")).length).toBe(3)
      }),
    { timeout: 60_000 },
  )
})
