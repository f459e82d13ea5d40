/**
 * A {@link SharedTokenStore} on Redis, so that every process of an integrator (replicas,
 * workers, jobs) shares one token per merchant: one request per key for the whole fleet (a
 * leased lock), renewal by one process, invalidations published to all. Tokens are encrypted
 * at rest with AES-256-GCM; the client secret never reaches Redis.
 *
 * Redis down or slow never fails a call: every operation has a timeout (counted while the
 * process can read an answer, so that a busy process is not taken for a slow Redis), and
 * `TokenService` then goes on with its own cache and requests until Redis answers again.
 *
 * @since 0.2.0
 */
import {
  AccessToken,
  Domain,
  DurationOption,
  InvalidInput,
  TokenError,
} from "@effect-mobilepay/core"
import { SharedTokenStore } from "@effect-mobilepay/token-service"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Redis } from "ioredis"
import { randomUUID } from "node:crypto"
import * as Cipher from "./internal/cipher.js"
import * as Deadline from "./internal/deadline.js"

/**
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /** The Redis server, e.g. `redis://127.0.0.1:6379` (`rediss://` for TLS). */
  readonly url: string
  /** The encryption key: 32 random bytes in base64 (`openssl rand -base64 32`). */
  readonly key: Redacted.Redacted<string>
  /** Keys of earlier deployments: values sealed with them still open, new ones use `key`. */
  readonly previousKeys?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  /**
   * The start of every Redis key and of the change channel, to share one Redis between
   * applications (or tests). No `{` or `}`: keys carry their own cluster hash tag.
   * @default "mobilepay:tokens"
   */
  readonly keyPrefix?: string | undefined
  /**
   * How long a process may hold a key's lease while it requests a token for the fleet; a
   * process that dies holding it blocks the others at most this long. (`MOBILEPAY_TOKEN_STORE_LEASE`)
   * @default "10 seconds"
   */
  readonly lease?: Duration.DurationInput | undefined
  /**
   * A Redis command without an answer after this long counts as Redis being unavailable. The
   * time is counted while this process is able to read an answer: its own pauses (a blocked
   * event loop, a long GC, a starved core) do not count, so a busy process is not taken for a
   * slow Redis, while a Redis that stopped answering (paused, cut off) still runs it out.
   * A Redis that is down (connection refused or closed) fails at once. (`MOBILEPAY_TOKEN_STORE_COMMAND_TIMEOUT`)
   * @default "1 second"
   */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /**
   * After a command timed out or failed, lookups fail at once for this long (the process uses
   * its own tokens) before Redis is tried again. Finishing a lease (storing its token or
   * failure, releasing it) is always tried. (`MOBILEPAY_TOKEN_STORE_RETRY_AFTER`)
   * @default "1 second"
   */
  readonly retryAfter?: Duration.DurationInput | undefined
}

/**
 * The store's metrics: stored values this process could not open (sealed with a key it does
 * not have, or tampered with). A fleet whose processes disagree on the key shares nothing:
 * each such value is counted, and the first one logged.
 *
 * @since 0.2.0
 * @category metrics
 */
export const metrics = {
  unreadable: Metric.counter("mobilepay_token_store_unreadable_total", {
    description:
      "Values in the shared token store this process could not open (another key, or tampered)",
  }),
}

// What a stored token holds: the token, its times and its merchant, nothing else.
const StoredToken = Schema.parseJson(
  Schema.Struct({
    token: Schema.String,
    scope: Schema.String,
    issuedAt: Schema.Number,
    expiresAt: Schema.Number,
    merchantVat: Schema.NullOr(Domain.MerchantVat),
    // Access Token API tokens name their sales unit; V10 tokens (and older values) do not.
    merchantSerialNumber: Schema.optional(Schema.NullOr(Domain.MerchantSerialNumber)),
  }),
)

const StoredFailure = Schema.parseJson(
  Schema.Struct({
    error: Schema.Union(
      TokenError.InvalidClientCredentials,
      TokenError.TokenRequestRejected,
      TokenError.TokenEndpointError,
      TokenError.TokenEndpointUnreachable,
      TokenError.MalformedTokenResponse,
    ),
    until: Schema.Number,
    count: Schema.Number,
  }),
)

// A published change: client, merchant (null when unbound), and for a deletion the
// fingerprint of the deleted token.
const ChangeMessage = Schema.parseJson(
  Schema.Struct({
    // Absent in messages of processes from before the Access Token API: those are V10's.
    kind: Schema.optionalWith(Schema.Literal("posV10", "accessToken"), {
      default: () => "posV10" as const,
    }),
    clientId: Schema.String,
    merchantVat: Schema.NullOr(Schema.String),
    deleted: Schema.optional(Schema.String),
    /** For a deletion: the deleted token's issue time; tokens issued before it are dead too. */
    issuedAt: Schema.optional(Schema.Number),
    /** The store (process) that published it: a process does not hear its own changes. */
    origin: Schema.optional(Schema.String),
  }),
)

// Atomic steps (Lua runs alone on the server): write and publish together, and touch a lease
// or a token only when it is still the one the caller names.
// A token is stored unless the key holds one issued later (a holder whose lease lapsed, or a
// process publishing the token it got alone, never replaces a newer token).
const putTokenScript = `
local current = redis.call('get', KEYS[1])
local newer = 1
if current then
  local issued = tonumber(string.match(current, '^[^.]*%.t(%d+)%.'))
  if issued ~= nil and issued > tonumber(ARGV[6]) then newer = 0 end
end
if newer == 1 then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('del', KEYS[2])
end
if redis.call('get', KEYS[3]) == ARGV[3] then redis.call('del', KEYS[3]) end
redis.call('publish', ARGV[4], ARGV[5])
return newer`

const putFailureScript = `
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('get', KEYS[2]) == ARGV[3] then redis.call('del', KEYS[2]) end
redis.call('publish', ARGV[4], ARGV[5])
return 1`

// A release is published too: the processes waiting for the lease look again at once.
const releaseScript = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
  redis.call('publish', ARGV[2], ARGV[3])
  return 1
end
return 0`

const extendScript = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`

// A 401 condemns the token and every token issued before it: delete the stored token if it
// is that one or older (a value without its issue time counts as older), and publish the
// deletion either way, so that every process drops its copies.
const compareAndDeleteScript = `
local value = redis.call('get', KEYS[1])
local deleted = 0
if value then
  local issued = tonumber(string.match(value, '^[^.]*%.t(%d+)%.'))
  if string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] or issued == nil or issued < tonumber(ARGV[2]) then
    redis.call('del', KEYS[1])
    deleted = 1
  end
end
redis.call('publish', ARGV[3], ARGV[4])
return deleted`

// Positive and finite, whole milliseconds: core's rule for every duration option.
const decodeDuration = (field: string, input: Duration.DurationInput) =>
  DurationOption.decode(field, input)

/**
 * Connects to Redis (two connections: commands, and the change subscription) and builds the
 * store. Redis being down at start is not an error: the store answers `TokenStoreUnavailable`
 * until it connects. Closing the scope closes both connections.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<
  SharedTokenStore.SharedTokenStore.Service,
  InvalidInput.InvalidInput,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const cipher = yield* Cipher.make(options.key, options.previousKeys ?? [])
    const prefix = options.keyPrefix ?? "mobilepay:tokens"
    if (/[{}]/.test(prefix)) {
      return yield* new InvalidInput.InvalidInput({
        field: "keyPrefix",
        reason: "must not contain { or }",
      })
    }
    const leaseMs = Duration.toMillis(yield* decodeDuration("lease", options.lease ?? "10 seconds"))
    const timeoutMs = Duration.toMillis(
      yield* decodeDuration("commandTimeout", options.commandTimeout ?? "1 second"),
    )
    const retryAfterMs = Duration.toMillis(
      yield* decodeDuration("retryAfter", options.retryAfter ?? "1 second"),
    )
    const channel = `${prefix}:changes`
    const changes = yield* PubSub.unbounded<SharedTokenStore.Change>()

    const connect = (name: string) =>
      Effect.acquireRelease(
        Effect.async<Redis>((resume) => {
          const redis = new Redis(options.url, {
            connectionName: `effect-mobilepay-${name}`,
            enableOfflineQueue: false,
            // No commandTimeout: ioredis's timer would count this process's pauses (see run).
            connectTimeout: Math.max(1000, Math.ceil(timeoutMs)),
            maxRetriesPerRequest: 0,
            // Keep trying to reconnect, at most a second apart: the fleet rejoins on its own.
            retryStrategy: (attempt) => Math.min(1000, 50 * attempt),
          })
          // Failures reach callers as TokenStoreUnavailable; the events themselves say nothing new.
          redis.on("error", () => {})
          // Ready, or not reachable yet: either way the store is usable (degraded until ready).
          const settle = () => {
            redis.off("ready", settle)
            redis.off("error", settle)
            resume(Effect.succeed(redis))
          }
          redis.on("ready", settle)
          redis.on("error", settle)
        }),
        (redis) => Effect.sync(() => redis.disconnect()),
      )
    const redis = yield* connect("commands")
    const subscriber = yield* connect("changes")
    const origin = randomUUID()
    subscriber.on("message", (from: string, message: string) => {
      if (from !== channel) return
      Option.map(Schema.decodeUnknownOption(ChangeMessage)(message), (decoded) => {
        if (decoded.origin === origin) return
        const key: SharedTokenStore.Key = {
          kind: decoded.kind,
          clientId: decoded.clientId,
          merchant: decoded.merchantVat ?? undefined,
        }
        changes.unsafeOffer(
          decoded.deleted === undefined
            ? { _tag: "Stored", key }
            : { _tag: "Deleted", key, fingerprint: decoded.deleted, issuedAt: decoded.issuedAt },
        )
      })
    })
    // Subscribe on every (re)connection: ioredis only resubscribes channels it had subscribed,
    // and a process started while Redis was down had none.
    const subscribe = () => subscriber.subscribe(channel).catch(() => 0)
    subscriber.on("ready", () => void subscribe())
    yield* Effect.promise(subscribe)

    // After a failure, lookups are refused for retryAfter; finishing a lease is always tried,
    // so that a lease is filled or released whenever Redis answers.
    const realTime = Clock.make()
    let unavailableUntil = 0
    const run = <A>(
      operation: string,
      command: (redis: Redis) => Promise<A>,
      kind: "lookup" | "finish" = "lookup",
    ) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const refused = kind === "lookup" && now < unavailableUntil
        if (redis.status !== "ready" || refused) {
          return yield* new SharedTokenStore.TokenStoreUnavailable({
            operation,
            reason: refused ? "a recent command failed" : `not connected (${redis.status})`,
          })
        }
        return yield* Effect.tryPromise({
          try: () => command(redis),
          catch: (error) =>
            new SharedTokenStore.TokenStoreUnavailable({
              operation,
              reason: error instanceof Error ? error.message : "the command failed",
            }),
        }).pipe(
          Effect.raceFirst(
            Effect.zipRight(
              // Redis keeps real time, whatever clock the program runs on (a TestClock).
              Effect.withClock(Deadline.responsive(timeoutMs), realTime),
              Effect.fail(
                new SharedTokenStore.TokenStoreUnavailable({
                  operation,
                  reason: `no answer within ${Duration.format(Duration.millis(timeoutMs))}`,
                }),
              ),
            ),
          ),
          Effect.tapError(() =>
            Effect.flatMap(Clock.currentTimeMillis, (failedAt) =>
              Effect.sync(() => {
                unavailableUntil = failedAt + retryAfterMs
              }),
            ),
          ),
        )
      })

    const names = (key: SharedTokenStore.Key) => {
      // The kind goes before the hash tag: a V10 name has `{` there, so the two kinds' names
      // can never be equal, whatever the client ids; V10's names are as they always were.
      const space = key.kind === "posV10" ? prefix : `${prefix}:${key.kind}`
      const tag = `{${key.clientId}:${key.merchant ?? "unbound"}}`
      return {
        token: `${space}:${tag}:token`,
        failure: `${space}:${tag}:failure`,
        lease: `${space}:${tag}:lease`,
      }
    }
    const message = (
      key: SharedTokenStore.Key,
      deleted?: { readonly fingerprint: string; readonly issuedAt: number },
    ) =>
      JSON.stringify({
        kind: key.kind,
        clientId: key.clientId,
        // The field keeps its name for processes from before the kinds; it is the key's merchant.
        merchantVat: key.merchant ?? null,
        origin,
        ...(deleted === undefined
          ? {}
          : { deleted: deleted.fingerprint, issuedAt: deleted.issuedAt }),
      })

    const fingerprint = (token: AccessToken.AccessToken) =>
      Cipher.fingerprint(Redacted.value(token.value))

    // A value this process cannot open is counted, and the first one logged: a fleet whose
    // processes disagree on the key shares nothing, and would otherwise not know it.
    let unreadableLogged = false
    const unreadable = (name: string, sealed: string) =>
      Effect.suspend(() => {
        metrics.unreadable.unsafeUpdate(1, [])
        if (unreadableLogged) return Effect.void
        unreadableLogged = true
        return Effect.logWarning(
          cipher.knows(sealed)
            ? "a value in the shared token store does not open (tampered, or moved from another key): it is ignored"
            : "a value in the shared token store is sealed with a key this process does not have: check that every process has the same MOBILEPAY_TOKEN_STORE_KEY (or the old one in MOBILEPAY_TOKEN_STORE_PREVIOUS_KEYS); until then this process does not share tokens",
        ).pipe(Effect.annotateLogs({ redisKey: name, sealedWith: cipher.keyIdOf(sealed) }))
      })

    // A token's value: `<fingerprint>.t<issued at, epoch ms>.<sealed>`; values written before
    // the issue time was added (`<fingerprint>.<sealed>`) are read too.
    const sealedPart = (value: string) => {
      const first = value.indexOf(".")
      const rest = value.slice(first + 1)
      return /^t\d+\./.test(rest) ? rest.slice(rest.indexOf(".") + 1) : rest
    }

    const openToken = (key: SharedTokenStore.Key, name: string, value: string | null) => {
      if (value === null) return Effect.succeed(Option.none<AccessToken.AccessToken>())
      const sealed = sealedPart(value)
      const opened = cipher.open(sealed, name)
      if (Option.isNone(opened)) return Effect.as(unreadable(name, sealed), Option.none())
      return Effect.succeed(
        opened.pipe(
          Option.flatMap(Schema.decodeUnknownOption(StoredToken)),
          // The sealed merchant must be the key's: a value is never served for another merchant.
          Option.filter(
            (stored) =>
              (key.kind === "posV10"
                ? (stored.merchantVat ?? undefined)
                : (stored.merchantSerialNumber ?? undefined)) === key.merchant,
          ),
          Option.map(
            (stored) =>
              new AccessToken.AccessToken({
                value: Redacted.make(stored.token),
                tokenType: "Bearer",
                scope: stored.scope,
                expiresIn: Duration.millis(Math.max(0, stored.expiresAt - stored.issuedAt)),
                issuedAt: DateTime.unsafeMake(stored.issuedAt),
                expiresAt: DateTime.unsafeMake(stored.expiresAt),
                merchantVat: Option.fromNullable(stored.merchantVat),
                merchantSerialNumber: stored.merchantSerialNumber ?? undefined,
              }),
          ),
        ),
      )
    }

    const openFailure = (name: string, value: string | null) => {
      if (value === null) return Effect.succeed(Option.none<SharedTokenStore.Failure>())
      const opened = cipher.open(value, name)
      if (Option.isNone(opened)) return Effect.as(unreadable(name, value), Option.none())
      return Effect.succeed(Schema.decodeUnknownOption(StoredFailure)(opened.value))
    }

    const get = (key: SharedTokenStore.Key) =>
      Effect.gen(function* () {
        const n = names(key)
        const [token = null, failure = null] = yield* run("get", (r) => r.mget(n.token, n.failure))
        return {
          token: yield* openToken(key, n.token, token),
          failure: yield* openFailure(n.failure, failure),
        } satisfies SharedTokenStore.Stored
      })

    const acquire = (key: SharedTokenStore.Key) =>
      Effect.gen(function* () {
        const id = randomUUID()
        const answer = yield* run("acquire", (r) =>
          r.set(names(key).lease, id, "PX", Math.ceil(leaseMs), "NX"),
        )
        return answer === "OK" ? Option.some({ key, id, millis: leaseMs }) : Option.none()
      })

    const extend = (lease: SharedTokenStore.Lease) =>
      Effect.map(
        run(
          "extend",
          (r) => r.eval(extendScript, 1, names(lease.key).lease, lease.id, Math.ceil(lease.millis)),
          "finish",
        ),
        (extended) => extended === 1,
      )

    const put = (lease: SharedTokenStore.Lease, token: AccessToken.AccessToken) =>
      Effect.gen(function* () {
        const n = names(lease.key)
        const now = yield* Clock.currentTimeMillis
        const sealed = cipher.seal(
          JSON.stringify({
            token: Redacted.value(token.value),
            scope: token.scope,
            issuedAt: token.issuedAt.epochMillis,
            expiresAt: token.expiresAt.epochMillis,
            merchantVat: Option.getOrNull(token.merchantVat),
            merchantSerialNumber: token.merchantSerialNumber ?? null,
          }),
          n.token,
        )
        const ttl = Math.max(1, Math.ceil(token.expiresAt.epochMillis - now))
        yield* run(
          "put",
          (r) =>
            r.eval(
              putTokenScript,
              3,
              n.token,
              n.failure,
              n.lease,
              `${fingerprint(token)}.t${Math.floor(token.issuedAt.epochMillis)}.${sealed}`,
              ttl,
              lease.id,
              channel,
              message(lease.key),
              Math.floor(token.issuedAt.epochMillis),
            ),
          "finish",
        )
      })

    const putFailure = (lease: SharedTokenStore.Lease, failure: SharedTokenStore.Failure) =>
      Effect.gen(function* () {
        const n = names(lease.key)
        const now = yield* Clock.currentTimeMillis
        const ttl = Math.ceil(failure.until - now)
        if (ttl <= 0) return yield* release(lease)
        const sealed = cipher.seal(
          yield* Schema.encode(StoredFailure)(failure).pipe(Effect.orDie),
          n.failure,
        )
        yield* run(
          "putFailure",
          (r) =>
            r.eval(
              putFailureScript,
              2,
              n.failure,
              n.lease,
              sealed,
              ttl,
              lease.id,
              channel,
              message(lease.key),
            ),
          "finish",
        )
      })

    const release = (lease: SharedTokenStore.Lease) =>
      Effect.asVoid(
        run(
          "release",
          (r) =>
            r.eval(releaseScript, 1, names(lease.key).lease, lease.id, channel, message(lease.key)),
          "finish",
        ),
      )

    const compareAndDelete = (key: SharedTokenStore.Key, token: AccessToken.AccessToken) =>
      Effect.gen(function* () {
        const print = fingerprint(token)
        const issuedAt = Math.floor(token.issuedAt.epochMillis)
        const deleted = yield* run("compareAndDelete", (r) =>
          r.eval(
            compareAndDeleteScript,
            1,
            names(key).token,
            `${print}.`,
            issuedAt,
            channel,
            message(key, { fingerprint: print, issuedAt }),
          ),
        )
        return deleted === 1
      })

    return SharedTokenStore.SharedTokenStore.of({
      get,
      acquire,
      put,
      putFailure,
      extend,
      release,
      compareAndDelete,
      fingerprint,
      changes: Stream.fromPubSub(changes),
    })
  })

/**
 * The store as the {@link SharedTokenStore} that `TokenService.layerShared` requires:
 *
 * ```ts
 * TokenService.layerShared().pipe(Layer.provide(RedisTokenStore.layer({ url, key })))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<SharedTokenStore.SharedTokenStore, InvalidInput.InvalidInput> =>
  Layer.scoped(SharedTokenStore.SharedTokenStore, make(options))

const variables: Record<string, string> = {
  key: "MOBILEPAY_TOKEN_STORE_KEY",
  previousKeys: "MOBILEPAY_TOKEN_STORE_PREVIOUS_KEYS",
  keyPrefix: "MOBILEPAY_TOKEN_STORE_PREFIX",
  lease: "MOBILEPAY_TOKEN_STORE_LEASE",
  commandTimeout: "MOBILEPAY_TOKEN_STORE_COMMAND_TIMEOUT",
  retryAfter: "MOBILEPAY_TOKEN_STORE_RETRY_AFTER",
}

/**
 * The store configured from the environment: `MOBILEPAY_TOKEN_STORE_REDIS_URL` (default
 * `redis://127.0.0.1:6379`), `MOBILEPAY_TOKEN_STORE_KEY` (required, read as `Redacted`),
 * `MOBILEPAY_TOKEN_STORE_PREVIOUS_KEYS` (comma-separated, optional),
 * `MOBILEPAY_TOKEN_STORE_PREFIX`, and the durations `MOBILEPAY_TOKEN_STORE_LEASE`,
 * `MOBILEPAY_TOKEN_STORE_COMMAND_TIMEOUT` and `MOBILEPAY_TOKEN_STORE_RETRY_AFTER` (e.g.
 * `2 seconds`; optional). An option given in code wins over its variable. A malformed key or
 * duration is a `ConfigError` naming the variable.
 *
 * @example
 * ```ts
 * import { TokenService } from "@effect-mobilepay/token-service"
 * import { RedisTokenStore } from "@effect-mobilepay/token-store-redis"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 *
 * // Every process of the fleet shares one token per merchant through Redis: the store from
 * // MOBILEPAY_TOKEN_STORE_*, the token request from MOBILEPAY_*.
 * const TokenServiceLive = TokenService.layerSharedConfig().pipe(
 *   Layer.provide(RedisTokenStore.layerConfig()),
 *   Layer.provide(FetchHttpClient.layer),
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<Options, "url" | "key" | "previousKeys"> = {},
): Layer.Layer<SharedTokenStore.SharedTokenStore, ConfigError.ConfigError> =>
  Layer.scoped(
    SharedTokenStore.SharedTokenStore,
    Effect.gen(function* () {
      const config = yield* Config.all({
        url: Config.string("MOBILEPAY_TOKEN_STORE_REDIS_URL").pipe(
          Config.withDefault("redis://127.0.0.1:6379"),
        ),
        // Read as strings and wrapped at once, not with `Config.redacted`: that redacts its
        // errors too, and "missing" would read as "<redacted>" (a string's errors never quote it).
        key: Config.nonEmptyString("MOBILEPAY_TOKEN_STORE_KEY").pipe(Config.map(Redacted.make)),
        previousKeys: Config.string("MOBILEPAY_TOKEN_STORE_PREVIOUS_KEYS").pipe(
          Config.map((keys) =>
            keys
              .split(",")
              .filter((key) => key.trim() !== "")
              .map((key) => Redacted.make(key)),
          ),
          Config.withDefault([]),
        ),
        keyPrefix: Config.option(Config.nonEmptyString("MOBILEPAY_TOKEN_STORE_PREFIX")),
        lease: Config.option(Config.duration("MOBILEPAY_TOKEN_STORE_LEASE")),
        commandTimeout: Config.option(Config.duration("MOBILEPAY_TOKEN_STORE_COMMAND_TIMEOUT")),
        retryAfter: Config.option(Config.duration("MOBILEPAY_TOKEN_STORE_RETRY_AFTER")),
      })
      return yield* make({
        url: config.url,
        key: config.key,
        previousKeys: config.previousKeys,
        keyPrefix: options.keyPrefix ?? Option.getOrUndefined(config.keyPrefix),
        lease: options.lease ?? Option.getOrUndefined(config.lease),
        commandTimeout: options.commandTimeout ?? Option.getOrUndefined(config.commandTimeout),
        retryAfter: options.retryAfter ?? Option.getOrUndefined(config.retryAfter),
      }).pipe(
        Effect.mapError((error) =>
          ConfigError.InvalidData([variables[error.field] ?? error.field], error.reason),
        ),
      )
    }),
  )
