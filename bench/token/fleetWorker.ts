/**
 * One process of the fleet benchmark (started by fleet.ts with `node --import tsx`). It says
 * `ready`, then for each `run <json>` line builds a TokenService (alone, or on the Redis
 * store), says `built`, waits for `go`, and reports on stdout, one JSON line each:
 * `cold` (the latency of each first get, all merchants at once), `requested` (the token
 * requests its TokenService made for them, retries not counted), then `done` (hit latency
 * samples, and the gets of a steady phase that spans renewals).
 */
import { ClientCredentials, Environment, TokenClient } from "@effect-mobilepay/core"
import { RedisTokenStore } from "@effect-mobilepay/token-store-redis"
import { TokenService } from "@effect-mobilepay/token-service"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import {
  Effect,
  Layer,
  Logger,
  ManagedRuntime,
  Metric,
  MetricState,
  Redacted,
  Schema,
} from "effect"
import { createInterface } from "node:readline"

const Setup = Schema.parseJson(
  Schema.Struct({
    authUrl: Schema.String,
    clientId: Schema.String,
    clientSecret: Schema.String,
    merchants: Schema.Number,
    refreshAhead: Schema.Number,
    redisUrl: Schema.String,
    key: Schema.String,
  }),
)

const Run = Schema.parseJson(
  Schema.Struct({
    store: Schema.Literal("in-process", "redis"),
    keyPrefix: Schema.String,
    steadyMs: Schema.Number,
  }),
)

const input = createInterface({ input: process.stdin })
const pending: Array<string> = []
const waiting: Array<(line: string) => void> = []
input.on("line", (line) => {
  const resume = waiting.shift()
  if (resume === undefined) pending.push(line)
  else resume(line)
})
const nextLine = () =>
  new Promise<string>((resolve) => {
    const line = pending.shift()
    if (line === undefined) waiting.push(resolve)
    else resolve(line)
  })

const say = (line: string) => process.stdout.write(`${line}\n`)
const hitsPerSample = 10_000

const setup = Schema.decodeUnknownSync(Setup)(process.env["MOBILEPAY_FLEET_BENCH"])
const merchants = Array.from({ length: setup.merchants }, (_, i) => `DK${20_000_000 + i}`)
const credentials = Effect.runSync(
  ClientCredentials.make({
    clientId: setup.clientId,
    clientSecret: Redacted.make(setup.clientSecret),
  }),
)
const environment = Environment.custom({ authUrl: setup.authUrl, posUrl: "http://127.0.0.1:1" })
// Stdout carries the protocol; a warning (Redis unavailable) goes to stderr.
const logToStderr = Logger.replace(
  Logger.defaultLogger,
  Logger.withConsoleError(Logger.logfmtLogger),
)

// Token requests this process's TokenService made (its counter, every outcome): one per
// single-flight request, however many attempts its retries took at the endpoint.
const tokenRequestsMade = Effect.map(Metric.snapshot, (pairs) =>
  pairs
    .filter((pair) => pair.metricKey.name === "mobilepay_token_requests_total")
    .reduce(
      (sum, pair) =>
        sum + (MetricState.isCounterState(pair.metricState) ? Number(pair.metricState.count) : 0),
      0,
    ),
)

const runOnce = async (run: typeof Run.Type) => {
  const store =
    run.store === "redis"
      ? RedisTokenStore.layer({
          url: setup.redisUrl,
          key: Redacted.make(setup.key),
          keyPrefix: run.keyPrefix,
        })
      : Layer.empty
  // The store on its defaults: 16 busy processes on 2 cores are what they are tested for.
  const runtime = ManagedRuntime.make(
    TokenService.layer({ refreshAhead: setup.refreshAhead }).pipe(
      Layer.provide(store),
      // A 16-process cold start sends 1,600 requests at once to one loopback server.
      Layer.provide(TokenClient.layer({ credentials, environment, timeout: "30 seconds" })),
      Layer.provide(NodeHttpClient.layerUndici),
      Layer.provide(logToStderr),
    ),
  )
  const service = await runtime.runPromise(TokenService.TokenService)
  say("built")
  await nextLine() // go
  const requestedBefore = await runtime.runPromise(tokenRequestsMade)

  // Cold: every merchant at once; each get timed from its own start.
  let failed = 0
  const cold = await Promise.all(
    merchants.map(async (merchant) => {
      const start = process.hrtime.bigint()
      const result = await runtime.runPromise(Effect.either(service.get(merchant)))
      if (result._tag === "Left") failed++
      return Number(process.hrtime.bigint() - start)
    }),
  )
  say(`cold ${JSON.stringify(cold)}`)
  say(`requested ${(await runtime.runPromise(tokenRequestsMade)) - requestedBefore}`)

  // Hits: loops of gets over the merchants, as tokenServiceHit.ts times them.
  const hits: Array<number> = []
  const loop = Effect.gen(function* () {
    for (let i = 0; i < hitsPerSample; i++) {
      const result = yield* Effect.either(service.get(merchants[i % merchants.length]))
      if (result._tag === "Left") failed++
    }
  })
  for (let sample = 0; sample < 30; sample++) {
    const start = process.hrtime.bigint()
    await runtime.runPromise(loop)
    if (sample >= 10) hits.push(Number(process.hrtime.bigint() - start) / hitsPerSample)
  }

  // Steady: every merchant every 100 ms across renewals; no token handed out may be expired.
  let expired = 0
  const until = Date.now() + run.steadyMs
  while (Date.now() < until) {
    for (const merchant of merchants) {
      const result = await runtime.runPromise(Effect.either(service.get(merchant)))
      if (result._tag === "Left") failed++
      else if (result.right.expiresAt.epochMillis <= Date.now()) expired++
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const fallbacks = await runtime.runPromise(Metric.value(TokenService.metrics.storeFallbacks))
  say(`done ${JSON.stringify({ hits, expired, failed, fallbacks: fallbacks.count })}`)
  await runtime.dispose()
}

say("ready")
for (;;) {
  const line = await nextLine()
  if (!line.startsWith("run ")) break
  await runOnce(Schema.decodeUnknownSync(Run)(line.slice(4)))
}
process.exit(0)
