/**
 * A {@link SharedTokenStore} on Redis, so that every process of an integrator (replicas,
 * workers, jobs) shares one token per merchant: one request per key for the whole fleet (a
 * leased lock), renewal by one process, invalidations published to all. Tokens are encrypted
 * at rest with AES-256-GCM; the client secret never reaches Redis.
 *
 * Redis down or slow never fails a call: every operation has a short timeout, and
 * `TokenService` then goes on with its own cache and requests until Redis answers again.
 *
 * @since 0.2.0
 */
import { AccessToken, Domain, InvalidInput, TokenError } from "@effect-mobilepay/core"
import { SharedTokenStore } from "@effect-mobilepay/token-service"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Redis } from "ioredis"
import { randomUUID } from "node:crypto"
import * as Cipher from "./internal/cipher.js"

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
   * process that dies holding it blocks the others at most this long.
   * @default "10 seconds"
   */
  readonly lease?: Duration.DurationInput | undefined
  /**
   * A Redis command without an answer after this long counts as Redis being unavailable.
   * @default "50 millis"
   */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /**
   * After a command timed out or failed, operations fail at once for this long (the process
   * uses its own tokens) before Redis is tried again.
   * @default "1 second"
   */
  readonly retryAfter?: Duration.DurationInput | undefined
}

// What a stored token holds: the token, its times and its merchant, nothing else.
const StoredToken = Schema.parseJson(
  Schema.Struct({
    token: Schema.String,
    scope: Schema.String,
    issuedAt: Schema.Number,
    expiresAt: Schema.Number,
    merchantVat: Schema.NullOr(Domain.MerchantVat),
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
    clientId: Schema.String,
    merchantVat: Schema.NullOr(Schema.String),
    deleted: Schema.optional(Schema.String),
  }),
)

// Atomic steps (Lua runs alone on the server): write and publish together, and touch a lease
// or a token only when it is still the one the caller names.
const putTokenScript = `
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('del', KEYS[2])
if redis.call('get', KEYS[3]) == ARGV[3] then redis.call('del', KEYS[3]) end
redis.call('publish', ARGV[4], ARGV[5])
return 1`

const putFailureScript = `
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('get', KEYS[2]) == ARGV[3] then redis.call('del', KEYS[2]) end
redis.call('publish', ARGV[4], ARGV[5])
return 1`

const releaseScript = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`

const extendScript = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`

const compareAndDeleteScript = `
local value = redis.call('get', KEYS[1])
if value and string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] then
  redis.call('del', KEYS[1])
  redis.call('publish', ARGV[2], ARGV[3])
  return 1
end
return 0`

const decodeDuration = (field: string, input: Duration.DurationInput) =>
  Either.try({
    try: () => Duration.decode(input),
    catch: () => undefined,
  }).pipe(
    Either.filterOrLeft(
      (duration) =>
        Duration.greaterThan(duration, Duration.zero) &&
        Duration.isFinite(duration) &&
        !(typeof input === "number" && Number.isNaN(input)),
      () => undefined,
    ),
    Either.mapLeft(
      () => new InvalidInput.InvalidInput({ field, reason: "must be a positive, finite duration" }),
    ),
  )

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
      yield* decodeDuration("commandTimeout", options.commandTimeout ?? "50 millis"),
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
            commandTimeout: Math.ceil(timeoutMs),
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
    subscriber.on("message", (from: string, message: string) => {
      if (from !== channel) return
      Option.map(Schema.decodeUnknownOption(ChangeMessage)(message), (decoded) => {
        const key = {
          clientId: decoded.clientId,
          merchantVat: decoded.merchantVat ?? undefined,
        }
        changes.unsafeOffer(
          decoded.deleted === undefined
            ? { _tag: "Stored", key }
            : { _tag: "Deleted", key, fingerprint: decoded.deleted },
        )
      })
    })
    // Subscribe on every (re)connection: ioredis only resubscribes channels it had subscribed,
    // and a process started while Redis was down had none.
    const subscribe = () => subscriber.subscribe(channel).catch(() => 0)
    subscriber.on("ready", () => void subscribe())
    yield* Effect.promise(subscribe)

    let unavailableUntil = 0
    const run = <A>(operation: string, command: (redis: Redis) => Promise<A>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (redis.status !== "ready" || now < unavailableUntil) {
          return yield* new SharedTokenStore.TokenStoreUnavailable({
            operation,
            reason:
              now < unavailableUntil
                ? "a recent command failed"
                : `not connected (${redis.status})`,
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
          Effect.tapError(() =>
            Effect.sync(() => {
              unavailableUntil = now + retryAfterMs
            }),
          ),
        )
      })

    const names = (key: SharedTokenStore.Key) => {
      const tag = `{${key.clientId}:${key.merchantVat ?? "unbound"}}`
      return {
        token: `${prefix}:${tag}:token`,
        failure: `${prefix}:${tag}:failure`,
        lease: `${prefix}:${tag}:lease`,
      }
    }
    const message = (key: SharedTokenStore.Key, deleted?: string) =>
      JSON.stringify({
        clientId: key.clientId,
        merchantVat: key.merchantVat ?? null,
        ...(deleted === undefined ? {} : { deleted }),
      })

    const fingerprint = (token: AccessToken.AccessToken) =>
      Cipher.fingerprint(Redacted.value(token.value))

    const openToken = (key: SharedTokenStore.Key, name: string, value: string | null) => {
      if (value === null) return Option.none()
      const dot = value.indexOf(".")
      return cipher.open(value.slice(dot + 1), name).pipe(
        Option.flatMap(Schema.decodeUnknownOption(StoredToken)),
        // The sealed merchant must be the key's: a value is never served for another merchant.
        Option.filter((stored) => (stored.merchantVat ?? undefined) === key.merchantVat),
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
            }),
        ),
      )
    }

    const openFailure = (name: string, value: string | null) =>
      value === null
        ? Option.none()
        : Option.flatMap(cipher.open(value, name), Schema.decodeUnknownOption(StoredFailure))

    const get = (key: SharedTokenStore.Key) =>
      Effect.map(
        run("get", (r) => {
          const n = names(key)
          return r.mget(n.token, n.failure)
        }),
        ([token = null, failure = null]): SharedTokenStore.Stored => {
          const n = names(key)
          return { token: openToken(key, n.token, token), failure: openFailure(n.failure, failure) }
        },
      )

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
        run("extend", (r) =>
          r.eval(extendScript, 1, names(lease.key).lease, lease.id, Math.ceil(lease.millis)),
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
          }),
          n.token,
        )
        const ttl = Math.max(1, Math.ceil(token.expiresAt.epochMillis - now))
        yield* run("put", (r) =>
          r.eval(
            putTokenScript,
            3,
            n.token,
            n.failure,
            n.lease,
            `${fingerprint(token)}.${sealed}`,
            ttl,
            lease.id,
            channel,
            message(lease.key),
          ),
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
        yield* run("putFailure", (r) =>
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
        )
      })

    const release = (lease: SharedTokenStore.Lease) =>
      Effect.asVoid(
        run("release", (r) => r.eval(releaseScript, 1, names(lease.key).lease, lease.id)),
      )

    const compareAndDelete = (key: SharedTokenStore.Key, token: AccessToken.AccessToken) =>
      Effect.gen(function* () {
        const print = fingerprint(token)
        const deleted = yield* run("compareAndDelete", (r) =>
          r.eval(
            compareAndDeleteScript,
            1,
            names(key).token,
            `${print}.`,
            channel,
            message(key, print),
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
 * The store as the {@link SharedTokenStore} that `TokenService.layer` picks up:
 *
 * ```ts
 * TokenService.layer().pipe(Layer.provide(RedisTokenStore.layer({ url, key })))
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
}

/**
 * The store configured from the environment: `MOBILEPAY_TOKEN_STORE_REDIS_URL` (default
 * `redis://127.0.0.1:6379`), `MOBILEPAY_TOKEN_STORE_KEY` (required, read as `Redacted`),
 * `MOBILEPAY_TOKEN_STORE_PREVIOUS_KEYS` (comma-separated, optional) and
 * `MOBILEPAY_TOKEN_STORE_PREFIX` (optional). A malformed key is a `ConfigError`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<Options, "url" | "key" | "previousKeys" | "keyPrefix"> = {},
): Layer.Layer<SharedTokenStore.SharedTokenStore, ConfigError.ConfigError> =>
  Layer.scoped(
    SharedTokenStore.SharedTokenStore,
    Effect.gen(function* () {
      const config = yield* Config.all({
        url: Config.string("MOBILEPAY_TOKEN_STORE_REDIS_URL").pipe(
          Config.withDefault("redis://127.0.0.1:6379"),
        ),
        key: Config.redacted("MOBILEPAY_TOKEN_STORE_KEY"),
        previousKeys: Config.redacted("MOBILEPAY_TOKEN_STORE_PREVIOUS_KEYS").pipe(
          Config.map((keys) =>
            Redacted.value(keys)
              .split(",")
              .filter((key) => key.trim() !== "")
              .map((key) => Redacted.make(key)),
          ),
          Config.withDefault([]),
        ),
        keyPrefix: Config.option(Config.nonEmptyString("MOBILEPAY_TOKEN_STORE_PREFIX")),
      })
      return yield* make({
        ...options,
        url: config.url,
        key: config.key,
        previousKeys: config.previousKeys,
        keyPrefix: Option.getOrUndefined(config.keyPrefix),
      }).pipe(
        Effect.mapError((error) =>
          ConfigError.InvalidData([variables[error.field] ?? error.field], error.reason),
        ),
      )
    }),
  )
