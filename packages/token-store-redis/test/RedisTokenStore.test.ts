/**
 * What only a shared store does: several TokenServices (as several processes would) on one
 * Redis, encryption at rest, key rotation, and going on alone when Redis is unreachable.
 */
import type { AccessToken } from "@effect-mobilepay/core"
import { RedisTokenStore } from "@effect-mobilepay/token-store-redis"
import { Observe, Services, Time, TokenEndpoint } from "@effect-mobilepay/test-support"
import { SharedTokenStore, TokenService } from "@effect-mobilepay/token-service"
import { describe, expect, it } from "@effect/vitest"
import {
  ConfigProvider,
  Effect,
  Exit,
  Fiber,
  Layer,
  Metric,
  Option,
  Redacted,
  Scope,
  TestClock,
} from "effect"
import { Redis } from "ioredis"
import {
  clientId,
  clientSecret,
  dump,
  freePort,
  isolatedPrefix,
  newKey,
  startRedis,
  storeLayer,
  tokenService,
} from "./support/Redis.js"

const redisUrl = Services.redisUrl()

const jwt = (index: number) =>
  `eyJhbGciOiJSUzI1NiJ9.eyJqdGkiOiJ0b2tlbi0ke${index}In0.c2lnbmF0dXJl${index}`
const issue = (index: number) =>
  TokenEndpoint.respond(
    200,
    TokenEndpoint.tokenBody({ access_token: jwt(index), expires_in: 3600 }),
  )
const value = (token: AccessToken.AccessToken) => Redacted.value(token.value)

describe.skipIf(redisUrl === undefined)("RedisTokenStore", () => {
  const url = redisUrl ?? ""

  /** Two services sharing one Redis prefix, as two processes of one integrator would. */
  const fleetOfTwo = (script: (index: number) => TokenEndpoint.Reply) =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make(script)
      const keyPrefix = yield* isolatedPrefix(url)
      const key = newKey()
      const a = yield* tokenService(
        endpoint,
        Option.some(storeLayer({ redisUrl: url, keyPrefix, key })),
      )
      const b = yield* tokenService(
        endpoint,
        Option.some(storeLayer({ redisUrl: url, keyPrefix, key })),
      )
      return { a, b, keyPrefix, requestCount: Effect.map(endpoint.received, (all) => all.length) }
    })

  it.scoped("two processes getting a cold key at once make one request between them", () =>
    Effect.gen(function* () {
      const { a, b, requestCount } = yield* fleetOfTwo(issue)
      const tokens = yield* Effect.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).get("DK90000028")),
        { concurrency: "unbounded" },
      )
      expect(yield* requestCount).toBe(1)
      expect(new Set(tokens.map(value))).toEqual(new Set([jwt(0)]))
    }),
  )

  it.scoped("a 401 in one process drops the token in the other too; both get one new token", () =>
    Effect.gen(function* () {
      const { a, b, requestCount } = yield* fleetOfTwo(issue)
      const stale = yield* a.get("DK90000028")
      expect(value(yield* b.get("DK90000028"))).toBe(jwt(0))
      yield* a.invalidate(stale)
      // B hears of the deletion (published), then misses and requests for the fleet.
      yield* Time.waitUntil(Effect.map(b.get("DK90000028"), (token) => value(token) !== jwt(0)))
      expect(value(yield* a.get("DK90000028"))).toBe(jwt(1))
      expect(yield* requestCount).toBe(2)
    }),
  )

  it.scoped("a late 401 for an old token leaves the fleet's newer token in Redis", () =>
    Effect.gen(function* () {
      const { a, b, requestCount } = yield* fleetOfTwo(issue)
      yield* a.get()
      const old = yield* b.get() // the same token, as B holds it
      yield* a.refresh() // token 1 is now the fleet's
      yield* b.invalidate(old)
      expect(value(yield* b.get())).toBe(jwt(1))
      expect(yield* requestCount).toBe(2)
    }),
  )

  it.scoped("a failed request is shared: the other process fails alike and sends nothing", () =>
    Effect.gen(function* () {
      const { a, b, requestCount } = yield* fleetOfTwo((index) =>
        index === 0 ? TokenEndpoint.respond(503, "down") : issue(index),
      )
      expect(yield* Effect.flip(a.get())).toMatchObject({ _tag: "TokenEndpointError", status: 503 })
      expect(yield* Effect.flip(b.get())).toMatchObject({ _tag: "TokenEndpointError", status: 503 })
      expect(yield* requestCount).toBe(1)
      yield* TestClock.adjust("1 second")
      expect(value(yield* b.get())).toBe(jwt(1))
      expect(value(yield* a.get())).toBe(jwt(1))
      expect(yield* requestCount).toBe(2)
    }),
  )

  it.scoped("a Redis dump shows neither the token nor the secret, and key names no secret", () =>
    Effect.gen(function* () {
      const { a, keyPrefix } = yield* fleetOfTwo(() => TokenEndpoint.respond(503, "down"))
      yield* Effect.flip(a.get("FI90000040")) // a stored failure
      const endpoint = yield* TokenEndpoint.make(issue)
      const service = yield* tokenService(
        endpoint,
        Option.some(storeLayer({ redisUrl: url, keyPrefix })),
      )
      const token = yield* service.get("DK90000028")
      const entries = yield* dump(url, keyPrefix)
      expect(entries.map((entry) => entry.name).sort()).toEqual([
        `${keyPrefix}:{${clientId}:DK90000028}:token`,
        `${keyPrefix}:{${clientId}:FI90000040}:failure`,
      ])
      const everything = JSON.stringify(entries)
      for (const secret of [value(token), clientSecret, "eyJhbGciOiJSUzI1NiJ9", "down"]) {
        expect(everything).not.toContain(secret)
        expect(everything).not.toContain(Buffer.from(secret).toString("base64"))
      }
    }),
  )

  it.scoped("after a key rotation, values sealed with the previous key are still read", () =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make(issue)
      const keyPrefix = yield* isolatedPrefix(url)
      const [oldKey, newKeyValue, unrelated] = [newKey(), newKey(), newKey()]
      const before = yield* tokenService(
        endpoint,
        Option.some(storeLayer({ redisUrl: url, keyPrefix, key: oldKey })),
      )
      const rotated = yield* tokenService(
        endpoint,
        Option.some(
          storeLayer({ redisUrl: url, keyPrefix, key: newKeyValue, previousKeys: [oldKey] }),
        ),
      )
      const stranger = yield* tokenService(
        endpoint,
        Option.some(storeLayer({ redisUrl: url, keyPrefix, key: unrelated })),
      )
      const token = yield* before.get("DK90000028")
      expect(value(yield* rotated.get("DK90000028"))).toBe(value(token))
      expect((yield* endpoint.received).length).toBe(1)
      // A process without the key reads nothing it can open, and requests its own token.
      expect(value(yield* stranger.get("DK90000028"))).toBe(jwt(1))
      expect((yield* endpoint.received).length).toBe(2)
    }),
  )

  it.scoped("a process with another key: every value it cannot open is counted, one warning", () =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make(issue)
      const keyPrefix = yield* isolatedPrefix(url)
      const fleet = yield* tokenService(
        endpoint,
        Option.some(storeLayer({ redisUrl: url, keyPrefix, key: newKey() })),
      )
      yield* fleet.get("DK90000028")
      yield* fleet.get("FI90000040")
      const unreadable = Effect.map(
        Metric.value(RedisTokenStore.metrics.unreadable),
        (state) => state.count,
      )
      const before = yield* unreadable
      const [, observed] = yield* Observe.observe(
        Effect.gen(function* () {
          const stranger = yield* tokenService(
            endpoint,
            Option.some(storeLayer({ redisUrl: url, keyPrefix, key: newKey() })),
          )
          yield* stranger.get("DK90000028")
          yield* stranger.get("FI90000040")
        }),
      )
      expect((yield* unreadable) - before).toBeGreaterThanOrEqual(2)
      const warnings = observed.logLines.filter((line) => line.includes("level=WARN"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("sealed with a key this process does not have")
      expect(warnings[0]).toContain("MOBILEPAY_TOKEN_STORE_KEY")
    }),
  )

  it.scoped("Redis unreachable: gets are answered alone, counted, with one warning", () =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make(issue)
      const fallbacks = Effect.map(
        Metric.value(TokenService.metrics.storeFallbacks),
        (state) => state.count,
      )
      const before = yield* fallbacks
      const [tokens, observed] = yield* Observe.observe(
        Effect.gen(function* () {
          const service = yield* tokenService(
            endpoint,
            // Nothing listens on port 1.
            Option.some(storeLayer({ redisUrl: "redis://127.0.0.1:1", keyPrefix: "unused" })),
          )
          return yield* Effect.all([
            service.get("DK90000028"),
            service.get("FI90000040"),
            service.get(),
          ])
        }),
      )
      expect(Array.isArray(tokens) && tokens.length).toBe(3)
      expect((yield* endpoint.received).length).toBe(3)
      expect((yield* fallbacks) - before).toBe(3)
      const warnings = observed.logLines.filter((line) => line.includes("level=WARN"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("shared token store unavailable")
      expect(warnings[0]).not.toContain(clientSecret)
    }),
  )

  it.scopedLive(
    "Redis slow: a get answers alone within the command timeout, then shares again",
    () =>
      Effect.gen(function* () {
        const port = yield* freePort
        yield* startRedis(port, "--enable-debug-command", "yes")
        const privateUrl = `redis://127.0.0.1:${port}`
        const keyPrefix = yield* isolatedPrefix(privateUrl)
        const endpoint = yield* TokenEndpoint.make(issue)
        const service = yield* tokenService(
          endpoint,
          Option.some(storeLayer({ redisUrl: privateUrl, keyPrefix, commandTimeout: "50 millis" })),
        )
        const fallbacks = Effect.map(
          Metric.value(TokenService.metrics.storeFallbacks),
          (state) => state.count,
        )
        const before = yield* fallbacks
        const admin = yield* Effect.acquireRelease(
          Effect.sync(() => new Redis(privateUrl)),
          (redis) => Effect.sync(() => redis.disconnect()),
        )
        // Redis stops answering for a second.
        const asleep = admin.call("DEBUG", "SLEEP", "1")
        yield* Effect.sleep("100 millis")
        const started = Date.now()
        yield* service.get("DK90000028")
        expect(Date.now() - started).toBeLessThan(500)
        expect((yield* fallbacks) - before).toBe(1)
        yield* Effect.promise(() => asleep)
        yield* Effect.sleep("1 second") // the store's retryAfter
        yield* service.get("FI90000040")
        expect((yield* fallbacks) - before).toBe(1)
        const names = (yield* dump(privateUrl, keyPrefix)).map((entry) => entry.name)
        expect(names).toContain(`${keyPrefix}:{${clientId}:FI90000040}:token`)
      }),
  )

  it.scopedLive("a process started while Redis was down hears invalidations once it is up", () =>
    Effect.gen(function* () {
      const port = yield* freePort
      const privateUrl = `redis://127.0.0.1:${port}`
      const keyPrefix = yield* isolatedPrefix(privateUrl)
      const key = newKey()
      const endpoint = yield* TokenEndpoint.make(issue)
      const early = yield* tokenService(
        endpoint,
        Option.some(storeLayer({ redisUrl: privateUrl, keyPrefix, key })),
      )
      yield* startRedis(port)
      yield* Effect.sleep("1500 millis") // the store reconnects within a second
      const late = yield* tokenService(
        endpoint,
        Option.some(storeLayer({ redisUrl: privateUrl, keyPrefix, key })),
      )
      const token = yield* late.get("DK90000028")
      expect(value(yield* early.get("DK90000028"))).toBe(value(token))
      expect((yield* endpoint.received).length).toBe(1)
      yield* late.invalidate(token)
      yield* Time.waitUntil(
        Effect.map(early.get("DK90000028"), (current) => value(current) !== value(token)),
      ).pipe(Effect.timeoutFail({ duration: "3 seconds", onTimeout: () => "never heard of it" }))
    }),
  )

  it.scoped("extend renews a held lease to its full length, and only the holder's", () =>
    Effect.gen(function* () {
      const keyPrefix = yield* isolatedPrefix(url)
      const store = yield* Effect.provide(
        SharedTokenStore.SharedTokenStore,
        yield* Layer.build(storeLayer({ redisUrl: url, keyPrefix, lease: "10 seconds" })),
      )
      const admin = yield* Effect.acquireRelease(
        Effect.sync(() => new Redis(url)),
        (redis) => Effect.sync(() => redis.disconnect()),
      )
      const key = { kind: "posV10" as const, clientId, merchant: "DK90000028" }
      const name = `${keyPrefix}:{${clientId}:DK90000028}:lease`
      const lease = Option.getOrThrow(yield* store.acquire(key))
      expect(lease.millis).toBe(10_000)
      // Nearly lapsed; extended, it runs its whole length again.
      yield* Effect.promise(() => admin.pexpire(name, 100))
      expect(yield* store.extend(lease)).toBe(true)
      expect(yield* Effect.promise(() => admin.pttl(name))).toBeGreaterThan(9_000)
      // Someone else's id extends nothing.
      yield* Effect.promise(() => admin.pexpire(name, 100))
      expect(yield* store.extend({ ...lease, id: "not-the-holder" })).toBe(false)
      expect(yield* Effect.promise(() => admin.pttl(name))).toBeLessThanOrEqual(100)
      // A lapsed lease is not brought back.
      yield* store.release(lease)
      expect(yield* store.extend(lease)).toBe(false)
      expect(yield* Effect.promise(() => admin.exists(name))).toBe(0)
    }),
  )

  // Redis expires leases on its own clock, so this one runs on real time.
  it.scopedLive(
    "a holder whose request outlasts the lease keeps it: the others wait instead of asking again",
    () =>
      Effect.gen(function* () {
        // The first request never answers (until its caller gives up); later ones do.
        const endpoint = yield* TokenEndpoint.make((index) =>
          index === 0 ? TokenEndpoint.hang : issue(index),
        )
        const keyPrefix = yield* isolatedPrefix(url)
        const key = newKey()
        const lease = "300 millis"
        // a lives in a scope of its own, so that it can stop as a process that dies would.
        const process = yield* Scope.make()
        const a = yield* tokenService(
          endpoint,
          Option.some(storeLayer({ redisUrl: url, keyPrefix, key, lease })),
        ).pipe(Scope.extend(process))
        const b = yield* tokenService(
          endpoint,
          Option.some(storeLayer({ redisUrl: url, keyPrefix, key, lease })),
          { leasePollInterval: "50 millis" },
        )
        yield* Effect.fork(a.get("DK90000028"))
        yield* endpoint.nextArrival
        const waiter = yield* Effect.fork(b.get("DK90000028"))
        // Four lease lengths: without extensions b would have taken the lapsed lease by now.
        yield* Effect.sleep("1200 millis")
        expect((yield* endpoint.received).length).toBe(1)
        expect(waiter.unsafePoll()).toBeNull()
        // The holder dies: its lease lapses, b takes over and makes the second request.
        yield* Scope.close(process, Exit.void)
        const token = yield* Fiber.join(waiter).pipe(
          Effect.timeoutFail({ duration: "3 seconds", onTimeout: () => "b never took over" }),
        )
        expect(value(token)).toBe(jwt(1))
        expect((yield* endpoint.received).length).toBe(2)
      }),
  )

  it.scoped(
    "layerConfig reads every option: the timeouts and the lease too, and refuses a bad one naming it",
    () =>
      Effect.gen(function* () {
        const keyPrefix = yield* isolatedPrefix(url)
        const provider = (extra: ReadonlyArray<readonly [string, string]>) =>
          Layer.setConfigProvider(
            ConfigProvider.fromMap(
              new Map([
                ["MOBILEPAY_TOKEN_STORE_REDIS_URL", url],
                ["MOBILEPAY_TOKEN_STORE_KEY", Redacted.value(newKey())],
                ["MOBILEPAY_TOKEN_STORE_PREFIX", keyPrefix],
                ...extra,
              ]),
            ),
          )
        const store = yield* Effect.provide(
          SharedTokenStore.SharedTokenStore,
          yield* Layer.build(
            RedisTokenStore.layerConfig().pipe(
              Layer.provide(provider([["MOBILEPAY_TOKEN_STORE_LEASE", "3 seconds"]])),
            ),
          ),
        )
        const lease = yield* store.acquire({
          kind: "posV10" as const,
          clientId,
          merchant: "DK90000028",
        })
        expect(Option.map(lease, (held) => held.millis)).toEqual(Option.some(3_000))
        for (const name of [
          "MOBILEPAY_TOKEN_STORE_COMMAND_TIMEOUT",
          "MOBILEPAY_TOKEN_STORE_RETRY_AFTER",
          "MOBILEPAY_TOKEN_STORE_LEASE",
        ]) {
          const error = yield* Effect.flip(
            Layer.build(
              RedisTokenStore.layerConfig().pipe(Layer.provide(provider([[name, "soon"]]))),
            ),
          )
          expect(String(error)).toContain(name)
        }
      }),
  )

  it.scoped(
    "layerConfig reads the key from MOBILEPAY_TOKEN_STORE_KEY and refuses a short one",
    () =>
      Effect.gen(function* () {
        const keyPrefix = yield* isolatedPrefix(url)
        const provider = (key: string) =>
          Layer.setConfigProvider(
            ConfigProvider.fromMap(
              new Map([
                ["MOBILEPAY_TOKEN_STORE_REDIS_URL", url],
                ["MOBILEPAY_TOKEN_STORE_KEY", key],
                ["MOBILEPAY_TOKEN_STORE_PREFIX", keyPrefix],
              ]),
            ),
          )
        const good = yield* Layer.build(
          RedisTokenStore.layerConfig().pipe(Layer.provide(provider(Redacted.value(newKey())))),
        )
        const store = yield* Effect.provide(SharedTokenStore.SharedTokenStore, good)
        const stored = yield* store.get({
          kind: "posV10" as const,
          clientId,
          merchant: "DK90000028",
        })
        expect(Option.isNone(stored.token)).toBe(true)
        const error = yield* Effect.flip(
          Layer.build(
            RedisTokenStore.layerConfig().pipe(
              Layer.provide(provider(Buffer.from("too short").toString("base64"))),
            ),
          ),
        )
        expect(error).toMatchObject({ _tag: "ConfigError", _op: "InvalidData" })
        expect(String(error)).toContain("MOBILEPAY_TOKEN_STORE_KEY")
        expect(String(error)).not.toContain(Buffer.from("too short").toString("base64"))
        // Missing, it is named, and the explanation is not redacted away.
        const missing = yield* Effect.flip(
          Layer.build(
            RedisTokenStore.layerConfig().pipe(
              Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map()))),
            ),
          ),
        )
        expect(String(missing)).toContain("MOBILEPAY_TOKEN_STORE_KEY")
        expect(String(missing)).not.toContain("<redacted>")
      }),
  )
})
