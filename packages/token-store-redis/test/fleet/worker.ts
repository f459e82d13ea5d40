/**
 * One process of a fleet, for the multi-process tests and the benchmark: a TokenService (on
 * the Redis store, or alone) and a PosClient against a sandbox. It reads its orders from the
 * MOBILEPAY_FLEET_WORKER variable (JSON), says `ready` on stdout, waits for `go` on stdin,
 * does its work and prints one JSON line with what it saw.
 */
import {
  type AccessToken,
  ClientCredentials,
  Environment,
  TokenClient,
} from "@effect-mobilepay/core"
import { PosClient } from "@effect-mobilepay/pos"
import { RedisTokenStore } from "@effect-mobilepay/token-store-redis"
import { TokenService } from "@effect-mobilepay/token-service"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Clock, Duration, Effect, Layer, Logger, Metric, Option, Redacted, Schema } from "effect"
import { createHash } from "node:crypto"
import { createInterface } from "node:readline"

const Orders = Schema.parseJson(
  Schema.Struct({
    mode: Schema.Literal("cold", "steady", "storm", "busy", "revocations"),
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
        /** Absent: the store's defaults. */
        lease: Schema.optional(Schema.Number),
        commandTimeout: Schema.optional(Schema.Number),
      }),
    ),
    /** A busy machine: the event loop blocked for `forMs` every `everyMs` (each drawn at random). */
    stalls: Schema.optional(
      Schema.Struct({
        everyMs: Schema.Tuple(Schema.Number, Schema.Number),
        forMs: Schema.Tuple(Schema.Number, Schema.Number),
      }),
    ),
    /** steady: how long, and how often each merchant is asked for. */
    durationMs: Schema.optional(Schema.Number),
    intervalMs: Schema.optional(Schema.Number),
    /** steady: also make a PoS call with each token. */
    posCalls: Schema.optional(Schema.Boolean),
    /** PosClient's timeout of a read, in milliseconds (absent: its default). */
    posReadTimeout: Schema.optional(Schema.Number),
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

// The token requests this process's TokenService made (an attempt its TokenClient retried
// counts once; the endpoint sees each attempt).
const requested = Effect.map(
  Effect.forEach(
    [
      "success",
      "TokenEndpointUnreachable",
      "TokenEndpointError",
      "MalformedTokenResponse",
      "interrupted",
    ],
    (outcome) => count(TokenService.metrics.requests.pipe(Metric.tagged("outcome", outcome))),
  ),
  (counts) => counts.reduce((sum, n) => sum + n, 0),
)

// The expiry the endpoint wrote into a token (a JWT): the truth a handed-out token is
// checked against, independent of what the TokenService believes.
const Claims = Schema.parseJson(Schema.Struct({ exp: Schema.Number }))
const serverExpiry = (token: AccessToken.AccessToken) =>
  Option.map(
    Schema.decodeUnknownOption(Claims)(
      Buffer.from(Redacted.value(token.value).split(".")[1] ?? "", "base64url").toString(),
    ),
    (claims) => claims.exp * 1000,
  )

interface Outcome {
  readonly failed: boolean
  readonly expired: boolean
  readonly waitedMs: number
}

const timedGet = (service: TokenService.TokenService.Service, merchant: string) =>
  Effect.gen(function* () {
    const before = performance.now()
    const result = yield* Effect.either(service.get(merchant))
    const waitedMs = performance.now() - before
    if (result._tag === "Left") {
      yield* Effect.logWarning("get failed").pipe(Effect.annotateLogs({ error: result.left._tag }))
      return { failed: true, expired: false, waitedMs }
    }
    const expired = Option.match(serverExpiry(result.right), {
      onNone: () => true,
      onSome: (expiresAt) => Date.now() >= expiresAt,
    })
    return { failed: false, expired, waitedMs } satisfies Outcome
  })

const tally = (outcomes: ReadonlyArray<Outcome>) => ({
  gets: outcomes.length,
  failures: outcomes.filter((o) => o.failed).length,
  expired: outcomes.filter((o) => o.expired).length,
  slowestGetMs: Math.round(Math.max(0, ...outcomes.map((o) => o.waitedMs))),
})

// A busy machine, made in the process itself: the event loop blocked now and then, as a
// burst of work, a long GC or a starved core would block it. Atomics.wait blocks the thread
// without burning CPU, so that the stalls do not slow the rest of the machine.
const stall = (stalls: {
  everyMs: readonly [number, number]
  forMs: readonly [number, number]
}) => {
  const draw = ([low, high]: readonly [number, number]) => low + Math.random() * (high - low)
  const blocker = new Int32Array(new SharedArrayBuffer(4))
  const next = () => {
    setTimeout(() => {
      Atomics.wait(blocker, 0, 0, draw(stalls.forMs))
      next()
    }, draw(stalls.everyMs)).unref()
  }
  next()
}

// The "shared token store unavailable" warnings this process logged.
const warnings = { degraded: 0 }
const countingLogger = Logger.make(({ message }) => {
  if (String(message).includes("shared token store unavailable")) warnings.degraded++
})

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
  const services = PosClient.layer({
    environment,
    clientSystemVersion: "1.0.0",
    readTimeout: orders.posReadTimeout,
  }).pipe(Layer.provideMerge(tokens), Layer.provide(NodeHttpClient.layerUndici))

  yield* Effect.gen(function* () {
    const service = yield* TokenService.TokenService
    const pos = yield* PosClient.PosClient
    yield* say("ready")
    yield* heard("go")
    if (orders.stalls !== undefined) stall(orders.stalls)

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

    if (orders.mode === "busy") {
      // Cold: every merchant at once, five callers each. Then steady: each merchant asked
      // for every 100-300 ms by a fiber of its own. Every token handed out is checked against
      // the expiry the endpoint put in it.
      const cold = yield* Effect.forEach(
        orders.merchants.flatMap((merchant) => Array.from({ length: 5 }, () => merchant)),
        (merchant) => timedGet(service, merchant),
        { concurrency: "unbounded" },
      )
      yield* say({ phase: "cold", ...tally(cold), requested: yield* requested })
      const durationMs = orders.durationMs ?? 10_000
      const until = performance.now() + durationMs
      const steady = yield* Effect.forEach(
        orders.merchants,
        (merchant) =>
          Effect.gen(function* () {
            const outcomes: Array<Outcome> = []
            while (performance.now() < until) {
              yield* Effect.sleep(Duration.millis(100 + Math.floor(Math.random() * 200)))
              outcomes.push(yield* timedGet(service, merchant))
            }
            return outcomes
          }),
        { concurrency: "unbounded" },
      )
      return yield* say({
        phase: "steady",
        ...tally(steady.flat()),
        requested: yield* requested,
        fallbacks: yield* count(TokenService.metrics.storeFallbacks),
        degradedWarnings: warnings.degraded,
      })
    }

    if (orders.mode === "revocations") {
      // Warm, then a PoS call per merchant every 2 s until told to stop; the test revokes
      // every token now and then. A call meeting a revoked token invalidates it and retries
      // once with a new one.
      yield* Effect.forEach(orders.merchants, (merchant) => service.get(merchant), {
        concurrency: "unbounded",
      })
      yield* say(`warm ${yield* requested}`)
      yield* heard("go")
      let calls = 0
      const failed: Record<string, number> = {}
      const calling = Effect.forEach(
        orders.merchants,
        (merchant) =>
          Effect.forever(
            Effect.gen(function* () {
              calls++
              const call = yield* Effect.either(pos.getStores(undefined, { merchantVat: merchant }))
              if (call._tag === "Left") failed[call.left._tag] = (failed[call.left._tag] ?? 0) + 1
              yield* Effect.sleep("2 seconds")
            }),
          ),
        { concurrency: "unbounded", discard: true },
      )
      yield* Effect.raceFirst(calling, heard("stop"))
      return yield* say({
        calls,
        failed,
        requested: yield* requested,
        fallbacks: yield* count(TokenService.metrics.storeFallbacks),
        degradedWarnings: warnings.degraded,
      })
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
  Logger.zipRight(Logger.withConsoleError(Logger.logfmtLogger), countingLogger),
)

Effect.runPromise(Effect.provide(program, logToStderr)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  },
)
