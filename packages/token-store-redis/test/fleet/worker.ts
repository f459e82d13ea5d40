/**
 * One process of a fleet, for the multi-process tests and the benchmark: a TokenService (on
 * the Redis store, or alone) and a PosClient against a sandbox. It reads its orders from the
 * MOBILEPAY_FLEET_WORKER variable (JSON), says `ready` on stdout, waits for `go` on stdin,
 * does its work and prints one JSON line with what it saw.
 */
import { ClientCredentials, Environment, TokenClient } from "@effect-mobilepay/core"
import { PosClient } from "@effect-mobilepay/pos"
import { RedisTokenStore } from "@effect-mobilepay/token-store-redis"
import { TokenService } from "@effect-mobilepay/token-service"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Clock, Effect, Layer, Logger, Metric, Redacted, Schema } from "effect"
import { createHash } from "node:crypto"
import { createInterface } from "node:readline"

const Orders = Schema.parseJson(
  Schema.Struct({
    mode: Schema.Literal("cold", "steady", "storm"),
    authUrl: Schema.String,
    posUrl: Schema.String,
    clientId: Schema.String,
    clientSecret: Schema.String,
    merchants: Schema.Array(Schema.String),
    /** Absent: each process on its own (the in-process store). */
    redis: Schema.optional(
      Schema.Struct({
        url: Schema.String,
        keyPrefix: Schema.String,
        key: Schema.String,
        lease: Schema.Number,
        commandTimeout: Schema.Number,
      }),
    ),
    /** steady: how long, and how often each merchant is asked for. */
    durationMs: Schema.optional(Schema.Number),
    intervalMs: Schema.optional(Schema.Number),
    /** steady: also make a PoS call with each token. */
    posCalls: Schema.optional(Schema.Boolean),
    /** TokenService's renewal lead and safety margin, in milliseconds. */
    refreshAhead: Schema.optional(Schema.Number),
    safetyMargin: Schema.optional(Schema.Number),
  }),
)

const say = (line: unknown) =>
  Effect.sync(() => {
    process.stdout.write(`${typeof line === "string" ? line : JSON.stringify(line)}\n`)
  })

const lines = createInterface({ input: process.stdin })
const heard = (expected: string) =>
  Effect.async<void>((resume) => {
    const listener = (line: string) => {
      if (line.trim() !== expected) return
      lines.off("line", listener)
      resume(Effect.void)
    }
    lines.on("line", listener)
  })

// Names a token across processes without printing it.
const fingerprint = (value: Redacted.Redacted<string>) =>
  createHash("sha256").update(Redacted.value(value)).digest("hex").slice(0, 16)

const count = (metric: Metric.Metric.Counter<number>) =>
  Effect.map(Metric.value(metric), (state) => state.count)

const program = Effect.gen(function* () {
  const orders = yield* Schema.decodeUnknown(Orders)(process.env["MOBILEPAY_FLEET_WORKER"])
  const environment = Environment.custom({ authUrl: orders.authUrl, posUrl: orders.posUrl })
  const credentials = yield* ClientCredentials.make({
    clientId: orders.clientId,
    clientSecret: Redacted.make(orders.clientSecret),
  })
  const store =
    orders.redis === undefined
      ? Layer.empty
      : RedisTokenStore.layer({
          url: orders.redis.url,
          keyPrefix: orders.redis.keyPrefix,
          key: Redacted.make(orders.redis.key),
          lease: orders.redis.lease,
          commandTimeout: orders.redis.commandTimeout,
        })
  const tokens = TokenService.layer({
    refreshAhead: orders.refreshAhead,
    safetyMargin: orders.safetyMargin,
  }).pipe(Layer.provide(store), Layer.provide(TokenClient.layer({ credentials, environment })))
  const services = PosClient.layer({ environment, clientSystemVersion: "1.0.0" }).pipe(
    Layer.provideMerge(tokens),
    Layer.provide(NodeHttpClient.layerUndici),
  )

  yield* Effect.gen(function* () {
    const service = yield* TokenService.TokenService
    const pos = yield* PosClient.PosClient
    yield* say("ready")
    yield* heard("go")

    if (orders.mode === "cold") {
      // Every merchant at once, five callers each.
      const got = yield* Effect.forEach(
        orders.merchants.flatMap((merchant) => Array.from({ length: 5 }, () => merchant)),
        (merchant) =>
          Effect.either(Effect.map(service.get(merchant), (token) => [merchant, token] as const)),
        { concurrency: "unbounded" },
      )
      const prints: Record<string, string> = {}
      let failures = 0
      for (const result of got) {
        if (result._tag === "Left") failures++
        else prints[result.right[0]] = fingerprint(result.right[1].value)
      }
      return yield* say({ failures, prints })
    }

    if (orders.mode === "storm") {
      // Warm, then (after the tokens were revoked) a PoS call per merchant: each gets a 401,
      // invalidates its token and retries with a new one.
      yield* Effect.forEach(orders.merchants, (merchant) => service.get(merchant), {
        concurrency: "unbounded",
      })
      yield* say("warm")
      yield* heard("go")
      const calls = yield* Effect.forEach(
        orders.merchants,
        (merchant) => Effect.either(pos.getStores(undefined, { merchantVat: merchant })),
        { concurrency: "unbounded" },
      )
      return yield* say({ failures: calls.filter((call) => call._tag === "Left").length })
    }

    // steady: every merchant every intervalMs, checking each token handed out. The first
    // round (cold) is not counted: from then on, no get should wait for a request.
    const durationMs = orders.durationMs ?? 10_000
    const intervalMs = orders.intervalMs ?? 100
    yield* Effect.forEach(orders.merchants, (merchant) => service.get(merchant), {
      concurrency: "unbounded",
    })
    const start = yield* Clock.currentTimeMillis
    let gets = 0
    let expired = 0
    let failures = 0
    let posCalls = 0
    let posFailures = 0
    let slowest = 0
    const missesBefore = yield* count(TokenService.metrics.misses)
    while ((yield* Clock.currentTimeMillis) - start < durationMs) {
      for (const merchant of orders.merchants) {
        const before = performance.now()
        const result = yield* Effect.either(service.get(merchant))
        slowest = Math.max(slowest, performance.now() - before)
        gets++
        if (result._tag === "Left") {
          failures++
          continue
        }
        if (result.right.expiresAt.epochMillis <= (yield* Clock.currentTimeMillis)) expired++
        if (orders.posCalls === true) {
          posCalls++
          const call = yield* Effect.either(pos.getStores(undefined, { merchantVat: merchant }))
          if (call._tag === "Left") {
            posFailures++
            yield* Effect.logWarning("PoS call failed").pipe(
              Effect.annotateLogs({ error: call.left._tag }),
            )
          }
        }
      }
      yield* Effect.sleep(intervalMs)
    }
    yield* say({
      gets,
      expired,
      failures,
      posCalls,
      posFailures,
      slowestGetMs: Math.round(slowest),
      misses: (yield* count(TokenService.metrics.misses)) - missesBefore,
      shared: yield* count(TokenService.metrics.shared),
      fallbacks: yield* count(TokenService.metrics.storeFallbacks),
      degraded: (yield* Metric.value(TokenService.metrics.storeDegraded)).value,
    })
  }).pipe(Effect.provide(services))
})

// Stdout carries the protocol; log lines go to stderr.
const logToStderr = Logger.replace(
  Logger.defaultLogger,
  Logger.withConsoleError(Logger.logfmtLogger),
)

Effect.runPromise(Effect.provide(program, logToStderr)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  },
)
