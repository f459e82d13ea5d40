/**
 * What the suites share: a TokenService on a scripted loopback token endpoint, on its own or
 * in front of a Redis store under a key prefix of its own (deleted when the test ends).
 */
import {
  ClientCredentials,
  Environment,
  type InvalidInput,
  RetryPolicy,
  TokenClient,
} from "@effect-mobilepay/core"
import { RedisTokenStore } from "@effect-mobilepay/token-store-redis"
import type { TokenEndpoint } from "@effect-mobilepay/test-support"
import type { SharedTokenStore } from "@effect-mobilepay/token-service"
import { TokenService } from "@effect-mobilepay/token-service"
import { NodeHttpClient } from "@effect/platform-node"
import { type Duration, Effect, Layer, Option, Redacted } from "effect"
import { Redis } from "ioredis"
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes, randomUUID } from "node:crypto"
import { connect, createServer } from "node:net"

export const clientId = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
export const clientSecret = "client-secret-that-must-never-reach-redis"

/** A fresh encryption key, as `openssl rand -base64 32` makes one. */
export const newKey = () => Redacted.make(randomBytes(32).toString("base64"))

/** A key prefix no other test run uses; every key under it is deleted when the scope closes. */
export const isolatedPrefix = (redisUrl: string) =>
  Effect.gen(function* () {
    const prefix = `mobilepay-test:${randomUUID()}`
    yield* Effect.addFinalizer(() => deleteUnder(redisUrl, prefix))
    return prefix
  })

export const deleteUnder = (redisUrl: string, prefix: string) =>
  Effect.promise(async () => {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
    redis.on("error", () => {})
    try {
      await redis.connect()
      let cursor = "0"
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000)
        if (keys.length > 0) await redis.del(...keys)
        cursor = next
      } while (cursor !== "0")
    } catch {
      // Redis gone (a test stopped it): nothing left to delete there.
    } finally {
      redis.disconnect()
    }
  })

/** Every key (name and raw value) under the prefix, as a Redis dump would show them. */
export const dump = (redisUrl: string, prefix: string) =>
  Effect.promise(async () => {
    const redis = new Redis(redisUrl)
    redis.on("error", () => {})
    try {
      const names = await redis.keys(`${prefix}:*`)
      const values = names.length === 0 ? [] : await redis.mget(...names)
      return names.map((name, i) => ({ name, value: values[i] ?? null }))
    } finally {
      redis.disconnect()
    }
  })

export interface StoreSetup {
  readonly redisUrl: string
  readonly keyPrefix: string
  readonly key?: Redacted.Redacted<string>
  readonly previousKeys?: ReadonlyArray<Redacted.Redacted<string>>
  readonly commandTimeout?: Duration.DurationInput
  readonly lease?: Duration.DurationInput
}

/** The store layer for a setup (a generous timeout: a loaded test machine is not an outage). */
export const storeLayer = (setup: StoreSetup) =>
  RedisTokenStore.layer({
    url: setup.redisUrl,
    key: setup.key ?? newKey(),
    previousKeys: setup.previousKeys,
    keyPrefix: setup.keyPrefix,
    commandTimeout: setup.commandTimeout ?? "2 seconds",
    lease: setup.lease,
  })

/** A TokenService on `endpoint`, with the shared store in `store` if given. */
export const tokenService = (
  endpoint: TokenEndpoint.TokenEndpoint,
  store: Option.Option<Layer.Layer<SharedTokenStore.SharedTokenStore, InvalidInput.InvalidInput>>,
  options: TokenService.Options = {},
) =>
  Effect.gen(function* () {
    const http = yield* Layer.build(NodeHttpClient.layerUndici)
    const client = yield* TokenClient.make({
      credentials: yield* ClientCredentials.make({
        clientId,
        clientSecret: Redacted.make(clientSecret),
      }),
      environment: Environment.custom({ authUrl: endpoint.authUrl, posUrl: "http://127.0.0.1:9" }),
      // One request per attempt, so that each test sees exactly the requests made.
      retryPolicy: RetryPolicy.make({ retries: 0 }),
      timeout: "1 hour",
    }).pipe(Effect.provide(http))
    const make = TokenService.make(options).pipe(
      Effect.provideService(TokenClient.TokenClient, client),
    )
    return yield* Option.match(store, {
      onNone: () => make,
      onSome: (layer) =>
        Effect.flatMap(Layer.build(layer), (context) => Effect.provide(make, context)),
    })
  })

/** A TCP port nothing listens on (the OS picks it; free again once closed). */
const listensOn = (port: number) =>
  Effect.async<boolean>((resume) => {
    const server = createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen(port, "127.0.0.1", () => server.close(() => resume(Effect.succeed(true))))
  })

/**
 * A free port for a private redis-server, chosen below Linux's ephemeral range (32768–60999).
 * A port inside that range can be taken while the server is down: a client reconnecting to
 * 127.0.0.1:P may be given P as its own source port and connect to itself (TCP self-connect),
 * and the restarted server then cannot bind. That once hung the Redis-down fleet test.
 */
export const freePort: Effect.Effect<number> = Effect.gen(function* () {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (yield* listensOn(port)) return port
  }
})

const accepting = (port: number) =>
  Effect.async<boolean>((resume) => {
    const socket = connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(true))
    })
    socket.once("error", () => resume(Effect.succeed(false)))
  })

// A private redis-server for the test that stops it; killed with the test's scope at the latest.
const servers = new Map<number, ChildProcess>()
export const startRedis = (port: number, ...options: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const server = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        ...options,
      ],
      { stdio: "ignore" },
    )
    servers.set(port, server)
    yield* Effect.addFinalizer(() => Effect.sync(() => server.kill("SIGKILL")))
    // Fails, rather than waits forever, if the server exits (its port taken) or never listens.
    const exited = Effect.async<never, string>((resume) => {
      const fail = () => resume(Effect.fail(`redis-server on port ${port} exited`))
      if (server.exitCode !== null) return fail()
      server.once("exit", fail)
      return Effect.sync(() => server.off("exit", fail))
    })
    const listening = Effect.gen(function* () {
      while (!(yield* accepting(port))) yield* Effect.sleep("20 millis")
    })
    yield* Effect.raceFirst(listening, exited).pipe(
      Effect.timeoutFail({
        duration: "10 seconds",
        onTimeout: () => `redis-server on port ${port} did not listen within 10 s`,
      }),
      Effect.orDie,
    )
  })
export const killRedis = (port: number) =>
  Effect.async<void>((resume) => {
    const server = servers.get(port)
    if (server === undefined || server.exitCode !== null) return resume(Effect.void)
    server.once("exit", () => resume(Effect.void))
    server.kill("SIGKILL")
  })
