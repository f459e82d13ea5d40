// The token cache behind TokenService and AccessTokenService, in the spirit of Go's oauth2.ReuseTokenSource: one
// small state type (Entry), one function per transition (hit, request, store, invalidate,
// evict), and the scheduling in one place (renewLoop).
//
// With a SharedTokenStore in context, a request first looks in the store, then takes the
// fleet's lease or waits for its holder (fleetRequest); the hit path never touches the store.
//
// State is plain mutable fields in a Map owned by one service instance. Every read and write
// happens in synchronous code between two effects, and JavaScript runs one fiber at a time,
// so no check-then-act can interleave: that is what makes the hit path a map lookup and a
// clock read instead of a Ref round trip.
import type { AccessToken, InvalidInput, TokenError } from "@effect-mobilepay/core"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as FiberMap from "effect/FiberMap"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Shared from "../SharedTokenStore.js"
import * as TokenTimes from "./tokenTimes.js"

export interface Settings {
  readonly refreshAhead: Duration.Duration
  readonly refreshJitter: number
  readonly safetyMargin: Duration.Duration
  readonly idleTimeout: Duration.Duration
  readonly maxKeys: number
  readonly invalidCredentialsHold: Duration.Duration
  readonly renewalRetryDelay: Duration.Duration
  readonly renewalRetryMaxDelay: Duration.Duration
  readonly failureBackoff: Duration.Duration
  readonly failureBackoffMaxDelay: Duration.Duration
  /** How often a process waiting for another's lease looks again, if no change wakes it. */
  readonly leasePollInterval: Duration.Duration
}

type Failure = TokenError.TokenError | InvalidInput.InvalidInput

/**
 * Where a cache's tokens come from: one API's token endpoint for one client, and how its
 * merchant keys are named and checked (a VAT for PoS V10, a Merchant Serial Number for the
 * Access Token API). The cache itself is the same for both.
 */
export interface TokenSource {
  /** Namespaces the shared store's keys, so that two APIs' tokens never meet. */
  readonly kind: Shared.TokenKind
  readonly clientId: string
  /** Checks a caller's merchant key before anything is sent (fails naming the field). */
  readonly checkMerchant: (merchant: string) => Effect.Effect<string, InvalidInput.InvalidInput>
  /** The merchant key a token was requested for, or `undefined` for an unbound token. */
  readonly merchantOf: (token: AccessToken.AccessToken) => string | undefined
  /** One request to the token endpoint, never cached. */
  readonly requestToken: (
    merchant: string | undefined,
  ) => Effect.Effect<AccessToken.AccessToken, Failure>
  /** The span attribute naming the merchant key (`mobilepay.merchant_vat`, ...). */
  readonly spanAttribute: string
  /** The service's name: its spans are `${name}.request`, its log lines carry it. */
  readonly name: string
  /** The service's own metrics ({@link makeMetrics}), apart from the other kind's. */
  readonly metrics: Metrics
}
type FailureRecord = Shared.Failure
type Reason = "miss" | "renewal" | "refresh"

// The store counts as back once it has answered for this long without failing: one warning
// per outage and one line on recovery, however often a flapping store answers in between.
const recoveryMs = 1_000

interface Entry {
  /** The merchant key (VAT or MSN, by the source), or "" for the unbound token. */
  readonly key: string
  readonly merchant: string | undefined
  token: AccessToken.AccessToken | undefined
  /** Epoch ms after which `token` is not handed out (expiry less the safety margin). */
  usableUntil: number
  /** Epoch ms at which the renewal loop renews `token`. */
  renewAt: number
  /** The request under way for this key, shared by everyone who needs it. */
  inflight: Deferred.Deferred<AccessToken.AccessToken, Failure> | undefined
  /** The last request failed: callers get its error, with no new request, until `until`. */
  failure: FailureRecord | undefined
  /** The last few tokens that met a 401, here or elsewhere in the fleet (by fingerprint). */
  dead: Array<string>
  /** Epoch ms: a token issued before this is older than one that met a 401. */
  condemnedBefore: number
  lastUsed: number
}

export type Metrics = ReturnType<typeof makeMetrics>

/**
 * A cache's metrics, named `${prefix}_...` (`mobilepay_token` for PoS V10's TokenService,
 * `vipps_mobilepay_token` for AccessTokenService): two caches in one process never count into
 * each other's series, nor overwrite each other's gauges.
 */
export const makeMetrics = (prefix: string, service: string) => ({
  requests: Metric.counter(`${prefix}_requests_total`, {
    description: `Token requests made by ${service}, by outcome`,
  }),
  hits: Metric.counter(`${prefix}_cache_hits_total`, {
    description: `${service}.get answered from the cache`,
  }),
  misses: Metric.counter(`${prefix}_cache_misses_total`, {
    description: `${service}.get calls that had to wait for a token request`,
  }),
  renewals: Metric.counter(`${prefix}_renewals_total`, {
    description: `Tokens renewed ahead of expiry by ${service}`,
  }),
  keys: Metric.gauge(`${prefix}_cache_keys`, {
    description: `Keys (merchants, or unbound) cached by ${service}`,
  }),
  shared: Metric.counter(`${prefix}_shared_total`, {
    description: `Tokens ${service} took from the shared store instead of requesting them`,
  }),
  storeFallbacks: Metric.counter(`${prefix}_store_fallbacks_total`, {
    description: `Times the shared token store was unavailable and ${service} went on alone`,
  }),
  storeDegraded: Metric.gauge(`${prefix}_store_degraded`, {
    description: `1 while the shared token store is unavailable to ${service}, else 0`,
  }),
})

export const make = (
  client: TokenSource,
  settings: Settings,
  shared: Option.Option<Shared.SharedTokenStore.Service>,
) =>
  Effect.gen(function* () {
    const metrics = client.metrics
    const scope = yield* Effect.scope
    const renewals = yield* FiberMap.make<string>()
    const entries = new Map<string, Entry>()
    const refreshAheadMs = Duration.toMillis(settings.refreshAhead)
    const marginMs = Duration.toMillis(settings.safetyMargin)
    const idleMs = Duration.toMillis(settings.idleTimeout)
    const holdMs = Duration.toMillis(settings.invalidCredentialsHold)
    const failureMs = Duration.toMillis(settings.failureBackoff)
    const failureMaxMs = Duration.toMillis(settings.failureBackoffMaxDelay)
    const pollMs = Math.max(1, Math.round(Duration.toMillis(settings.leasePollInterval)))
    let rejected:
      { readonly error: TokenError.InvalidClientCredentials; readonly until: number } | undefined

    const updateKeysGauge = Effect.sync(() => metrics.keys.unsafeUpdate(entries.size, []))

    const evict = (entry: Entry) =>
      Effect.suspend(() => {
        if (entries.get(entry.key) === entry) entries.delete(entry.key)
        return updateKeysGauge
      })

    // A new key; at the cap, the least recently used one makes room.
    const admit = (key: string, merchant: string | undefined, now: number) =>
      Effect.gen(function* () {
        if (entries.size >= settings.maxKeys) {
          let oldest: Entry | undefined
          for (const entry of entries.values()) {
            if (oldest === undefined || entry.lastUsed < oldest.lastUsed) oldest = entry
          }
          if (oldest !== undefined) {
            yield* evict(oldest)
            yield* FiberMap.remove(renewals, oldest.key)
          }
        }
        const entry: Entry = {
          key,
          merchant,
          token: undefined,
          usableUntil: 0,
          renewAt: 0,
          inflight: undefined,
          failure: undefined,
          dead: [],
          condemnedBefore: -Infinity,
          lastUsed: now,
        }
        entries.set(key, entry)
        yield* updateKeysGauge
        return entry
      })

    // A token's name: the shared store's fingerprint (what its changes carry), else itself.
    const printOf = (token: AccessToken.AccessToken) =>
      Option.isSome(shared) ? shared.value.fingerprint(token) : Redacted.value(token.value)

    // Whether a token may be served for the entry: not one that met a 401 here or elsewhere
    // in the fleet, nor one issued before such a token (a revocation takes them all).
    const alive = (entry: Entry, token: AccessToken.AccessToken) =>
      token.issuedAt.epochMillis >= entry.condemnedBefore && !entry.dead.includes(printOf(token))

    // A 401 for the token named `print`, issued at `issuedAt`: it is dead, and so is every
    // token of the key issued before it. The entry's token goes too if it is one of them.
    const condemn = (entry: Entry, print: string, issuedAt: number) => {
      if (!entry.dead.includes(print)) {
        entry.dead.push(print)
        if (entry.dead.length > 8) entry.dead.shift()
      }
      entry.condemnedBefore = Math.max(entry.condemnedBefore, issuedAt)
      if (entry.token !== undefined && !alive(entry, entry.token)) {
        entry.token = undefined
        entry.usableUntil = 0
      }
    }

    // How long before expiry a token is renewed, and until when it is handed out. Whole
    // milliseconds: a fractional deadline can sit less than one floating-point step past the
    // clock, where a sleep until it would return at once, forever.
    const renewalLead = (token: AccessToken.AccessToken) =>
      Math.min(refreshAheadMs, Duration.toMillis(token.expiresIn) / 2)
    const usableUntil = (token: AccessToken.AccessToken) =>
      Math.floor(token.expiresAt.epochMillis - Math.min(marginMs, renewalLead(token) / 2))

    // A fresh token for the entry: its times, then the renewal loop (which replaces any
    // loop the key already had). A token that met a 401 meanwhile is never stored.
    const store = (entry: Entry, token: AccessToken.AccessToken, reason: Reason) =>
      Effect.gen(function* () {
        if (!alive(entry, token)) return
        if (reason === "renewal") metrics.renewals.unsafeUpdate(1, [])
        const lead = renewalLead(token)
        const jitter = (yield* Random.next) * settings.refreshJitter * lead
        entry.token = token
        entry.failure = undefined
        entry.usableUntil = usableUntil(token)
        entry.renewAt = Math.floor(token.expiresAt.epochMillis - lead - jitter)
        if (entries.get(entry.key) === entry) {
          yield* FiberMap.run(renewals, entry.key, renewLoop(entry))
        }
      })

    // One request per key at a time: a caller either starts it or joins the one under way.
    // The request runs in the service's scope, so a caller giving up does not cancel it for
    // the others.
    const request = (entry: Entry, reason: Reason) =>
      Effect.gen(function* () {
        const deferred = yield* Deferred.make<AccessToken.AccessToken, Failure>()
        const current = entry.inflight
        if (current !== undefined) return yield* Deferred.await(current)
        entry.inflight = deferred
        yield* obtain(entry, reason).pipe(
          Effect.tap((token) => store(entry, token, reason)),
          Effect.tapError((error) =>
            error._tag === "InvalidInput" ? Effect.void : hold(entry, error),
          ),
          Effect.onExit(() =>
            Effect.sync(() => {
              if (entry.inflight === deferred) entry.inflight = undefined
            }),
          ),
          Effect.intoDeferred(deferred),
          Effect.forkIn(scope),
        )
        return yield* Deferred.await(deferred)
      })

    // The one place a token request leaves the process. The token's times count from when
    // the request was sent (see tokenTimes).
    const requestToken = (entry: Entry, reason: Reason) =>
      Effect.flatMap(Clock.currentTimeMillis, (sentAt) =>
        Effect.map(client.requestToken(entry.merchant), (token) =>
          TokenTimes.countedFrom(token, sentAt),
        ),
      ).pipe(
        Effect.onExit((exit) =>
          Effect.sync(() =>
            metrics.requests.unsafeUpdate(1, [MetricLabel.make("outcome", outcome(exit))]),
          ),
        ),
        Effect.withSpan(`${client.name}.request`, {
          attributes: { [client.spanAttribute]: entry.merchant ?? "unbound", reason },
        }),
      )

    const obtain = (entry: Entry, reason: Reason) =>
      Option.isNone(shared)
        ? requestToken(entry, reason)
        : fleetRequest(shared.value, entry, reason)

    // After a failed request the key answers with its error until the backoff is over, so that
    // callers during an outage share one request per backoff instead of making one each.
    const nextFailure = (
      entry: Entry,
      error: TokenError.TokenError,
      now: number,
    ): FailureRecord => {
      const count = (entry.failure?.count ?? 0) + 1
      const delay = Math.min(failureMaxMs, failureMs * 2 ** (count - 1))
      return { error, until: now + delay, count }
    }

    const hold = (entry: Entry, error: TokenError.TokenError) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        if (error._tag === "InvalidClientCredentials") rejected = { error, until: now + holdMs }
        // A failure taken from the shared store is already held, with the fleet's backoff.
        if (entry.failure?.error !== error) entry.failure = nextFailure(entry, error, now)
      })

    const storeKey = (entry: Entry): Shared.Key => ({
      kind: client.kind,
      clientId: client.clientId,
      merchant: entry.merchant,
    })

    // The fleet's request for a key, through the shared store: take a good token from it, or
    // honour its failure backoff, or take the lease and request for everyone, or wait for the
    // holder. `baseline` is the expiry a token must beat (a renewal wants a newer one).
    const fleetRequest = (
      sharedStore: Shared.SharedTokenStore.Service,
      entry: Entry,
      reason: Reason,
    ): Effect.Effect<AccessToken.AccessToken, Failure> =>
      Effect.gen(function* () {
        const key = storeKey(entry)
        const baseline = reason === "miss" ? 0 : (entry.token?.expiresAt.epochMillis ?? 0)
        const usable = (stored: Shared.Stored, now: number) =>
          Option.filter(
            stored.token,
            (token) =>
              token.expiresAt.epochMillis > baseline &&
              now < usableUntil(token) &&
              alive(entry, token),
          )
        for (;;) {
          const waiting = waitForChange(entry.key)
          const outcome = yield* Effect.either(
            Effect.gen(function* () {
              const stored = yield* sharedStore.get(key)
              const now = yield* Clock.currentTimeMillis
              const token = usable(stored, now)
              if (Option.isSome(token)) return Option.some(adopted(token.value))
              const failure = stored.failure
              if (reason !== "refresh" && Option.isSome(failure) && now < failure.value.until) {
                entry.failure = failure.value
                return yield* Effect.fail(failure.value.error)
              }
              const lease = yield* sharedStore.acquire(key)
              if (Option.isNone(lease)) return Option.none()
              return Option.some(yield* holdLease(sharedStore, entry, reason, lease.value, usable))
            }),
          )
          if (outcome._tag === "Right") {
            yield* storeAnswered
            if (Option.isSome(outcome.right)) return outcome.right.value
            // Another process holds the lease: wait for its result, or for the lease to lapse.
            yield* Effect.raceFirst(waiting, Effect.sleep(Duration.millis(pollMs)))
            continue
          }
          const error = outcome.left
          if (error._tag !== "TokenStoreUnavailable") {
            yield* storeAnswered
            return yield* Effect.fail(error)
          }
          // Degrade, never fail a good call: this process requests for itself, and offers the
          // token to the fleet as soon as the store answers.
          yield* storeFallback(error)
          const token = yield* requestToken(entry, reason)
          yield* publishLater(sharedStore, entry, token)
          return token
        }
      })

    // The holder's part: request for the fleet and fill the lease (or store the failure), or
    // release it when a token arrived meanwhile. A lease is always filled or released: a
    // store that fails here is tried again in the background, and never fails the caller.
    const holdLease = (
      sharedStore: Shared.SharedTokenStore.Service,
      entry: Entry,
      reason: Reason,
      lease: Shared.Lease,
      usable: (stored: Shared.Stored, now: number) => Option.Option<AccessToken.AccessToken>,
    ): Effect.Effect<AccessToken.AccessToken, Failure> =>
      Effect.gen(function* () {
        // Someone may have stored a token between the look and the lease.
        const again = yield* Effect.option(sharedStore.get(lease.key))
        const now = yield* Clock.currentTimeMillis
        const found = Option.flatMap(again, (stored) => usable(stored, now))
        if (Option.isSome(found)) {
          yield* finishLease(sharedStore, lease, sharedStore.release(lease))
          return adopted(found.value)
        }
        const exit = yield* Effect.exit(
          Effect.raceFirst(requestToken(entry, reason), keepLease(sharedStore, lease)),
        )
        if (Exit.isSuccess(exit)) {
          yield* finishLease(sharedStore, lease, sharedStore.put(lease, exit.value), () =>
            publishLater(sharedStore, entry, exit.value),
          )
          return exit.value
        }
        const error = Cause.failureOption(exit.cause)
        if (Option.isSome(error) && error.value._tag !== "InvalidInput") {
          const record = nextFailure(entry, error.value, yield* Clock.currentTimeMillis)
          entry.failure = record
          yield* finishLease(sharedStore, lease, sharedStore.putFailure(lease, record))
        } else {
          yield* finishLease(sharedStore, lease, sharedStore.release(lease))
        }
        return yield* Effect.failCause(exit.cause)
      })

    // Fills or releases a lease. When the store does not answer, the caller goes on, and the
    // operation is tried again in the background while the lease lasts; after that the lease
    // lapses in the store, and `otherwise` runs (a token still to be offered to the fleet).
    const finishLease = (
      sharedStore: Shared.SharedTokenStore.Service,
      lease: Shared.Lease,
      operation: Effect.Effect<void, Shared.TokenStoreUnavailable>,
      otherwise: () => Effect.Effect<void> = () => Effect.void,
    ) =>
      operation.pipe(
        Effect.zipRight(storeAnswered),
        Effect.catchAll((error) =>
          storeFailed(error).pipe(
            Effect.zipRight(
              operation.pipe(
                Effect.retry(
                  Schedule.exponential(Duration.millis(100)).pipe(
                    Schedule.upTo(Duration.millis(lease.millis)),
                  ),
                ),
                Effect.zipRight(storeAnswered),
                Effect.catchAll(() =>
                  Effect.zipRight(
                    sharedStore.release(lease).pipe(Effect.ignore),
                    Effect.suspend(otherwise),
                  ),
                ),
                Effect.forkIn(scope),
              ),
            ),
          ),
        ),
        Effect.asVoid,
      )

    // A token got without the store (it did not answer in time) is offered to the fleet once
    // the store answers, so that the processes converge on one token instead of each keeping
    // its own: under a lease, and stored only if nothing newer is there. Tried again in the
    // background, less and less often, while it is still this process's token.
    const publishLater = (
      sharedStore: Shared.SharedTokenStore.Service,
      entry: Entry,
      token: AccessToken.AccessToken,
    ) =>
      Effect.gen(function* () {
        const lease = yield* sharedStore.acquire(storeKey(entry))
        // Another process is requesting for the fleet: its token will be newer.
        if (Option.isNone(lease)) return
        yield* sharedStore
          .put(lease.value, token)
          .pipe(Effect.tapError(() => sharedStore.release(lease.value).pipe(Effect.ignore)))
      }).pipe(
        Effect.retry({
          schedule: Schedule.exponential(Duration.millis(500)).pipe(
            Schedule.union(Schedule.spaced(Duration.seconds(5))),
          ),
          while: () => entry.token === token || entry.inflight !== undefined,
        }),
        Effect.ignore,
        Effect.forkIn(scope),
        Effect.asVoid,
      )

    // While the holder's request runs (a slow endpoint can take longer than the lease), it
    // extends its lease every third of its length, so that the others wait for its answer
    // instead of sending a second request; only a holder that died lets it lapse. Stops when
    // the lease is lost or the store cannot be reached, and never completes by itself.
    const keepLease = (sharedStore: Shared.SharedTokenStore.Service, lease: Shared.Lease) => {
      const every = Duration.millis(Math.max(1, Math.floor(lease.millis / 3)))
      return Effect.sleep(every).pipe(
        Effect.zipRight(sharedStore.extend(lease)),
        Effect.repeat({ while: (held) => held }),
        Effect.ignore,
        Effect.zipRight(Effect.never),
      )
    }

    const adopted = (token: AccessToken.AccessToken) => {
      metrics.shared.unsafeUpdate(1, [])
      return token
    }

    // Waiters for a change of a key in the shared store, woken by the change stream.
    const waiters = new Map<string, Deferred.Deferred<void>>()
    const waitForChange = (key: string): Effect.Effect<void> => {
      let waiter = waiters.get(key)
      if (waiter === undefined) {
        waiter = Deferred.unsafeMake<void>(FiberId.none)
        waiters.set(key, waiter)
      }
      return Deferred.await(waiter)
    }

    const onChange = (sharedStore: Shared.SharedTokenStore.Service, change: Shared.Change) =>
      Effect.clockWith((clock) => {
        if (change.key.kind !== client.kind || change.key.clientId !== client.clientId)
          return Effect.void
        const key = change.key.merchant ?? ""
        const entry = entries.get(key)
        const waiter = waiters.get(key)
        if (waiter !== undefined) {
          waiters.delete(key)
          Deferred.unsafeDone(waiter, Exit.void)
        }
        if (entry === undefined) return Effect.void
        if (change._tag === "Deleted") {
          // Another process got a 401 for this token: drop it here too, with every token of
          // the key issued before it. (Never later than now: a process whose clock runs
          // ahead must not condemn the tokens this one is about to get.)
          const now = clock.unsafeCurrentTimeMillis()
          condemn(entry, change.fingerprint, Math.min(change.issuedAt ?? -Infinity, now))
          return Effect.void
        }
        // Another process stored a token: take it if it is newer than ours, so that the
        // fleet holds one token per key (and one revocation costs one request).
        if (entry.token === undefined || entry.inflight !== undefined) return Effect.void
        return followFleet(sharedStore, entry).pipe(Effect.forkIn(scope), Effect.asVoid)
      })

    const followFleet = (sharedStore: Shared.SharedTokenStore.Service, entry: Entry) =>
      Effect.gen(function* () {
        const stored = yield* sharedStore.get(storeKey(entry))
        yield* storeAnswered
        const now = yield* Clock.currentTimeMillis
        const current = entry.token
        if (current === undefined || entry.inflight !== undefined) return
        const newer = Option.filter(
          stored.token,
          (token) =>
            token.issuedAt.epochMillis > current.issuedAt.epochMillis &&
            now < usableUntil(token) &&
            alive(entry, token),
        )
        if (Option.isSome(newer)) yield* store(entry, adopted(newer.value), "miss")
      }).pipe(Effect.catchAll(storeFailed))

    // The store's health as this process sees it: one warning when it goes, one line when it
    // has answered again for a while, and a count of the times a process went on alone.
    let degraded = false
    let answeringSince: number | undefined
    const storeFailed = (error: Shared.TokenStoreUnavailable) =>
      Effect.suspend(() => {
        answeringSince = undefined
        if (degraded) return Effect.void
        degraded = true
        metrics.storeDegraded.unsafeUpdate(1, [])
        return Effect.logWarning(
          "shared token store unavailable: this process uses its own cache and token requests until it returns",
        ).pipe(
          Effect.annotateLogs({
            service: client.name,
            operation: error.operation,
            reason: error.reason,
          }),
        )
      })
    const storeFallback = (error: Shared.TokenStoreUnavailable) =>
      Effect.suspend(() => {
        metrics.storeFallbacks.unsafeUpdate(1, [])
        return storeFailed(error)
      })
    const storeAnswered = Effect.clockWith((clock) => {
      if (!degraded) return Effect.void
      const now = clock.unsafeCurrentTimeMillis()
      if (answeringSince === undefined) answeringSince = now
      if (now - answeringSince < recoveryMs) return Effect.void
      degraded = false
      answeringSince = undefined
      metrics.storeDegraded.unsafeUpdate(0, [])
      return Effect.logInfo("shared token store available again: tokens are shared once more").pipe(
        Effect.annotateLogs({ service: client.name }),
      )
    })

    // The scheduling, in one place: sleep until the renewal is due or the key goes idle,
    // whichever comes first; renew; on failure retry with backoff while the token is good.
    const renewLoop = (entry: Entry): Effect.Effect<void> =>
      Effect.gen(function* () {
        let failures = 0
        for (;;) {
          if (entry.token === undefined) return
          const now = yield* Clock.currentTimeMillis
          const idleAt = entry.lastUsed + idleMs
          if (now >= idleAt) return yield* evict(entry)
          if (now < entry.renewAt) {
            yield* Effect.sleep(
              Duration.millis(Math.max(1, Math.ceil(Math.min(entry.renewAt, idleAt) - now))),
            )
            continue
          }
          // On success, store() has started the next loop, which replaces (interrupts) this one.
          const exit = yield* Effect.exit(request(entry, "renewal"))
          if (Exit.isSuccess(exit)) return
          if ((yield* Clock.currentTimeMillis) >= entry.usableUntil) return
          failures++
          yield* Effect.sleep(yield* renewalBackoff(failures))
        }
      })

    const renewalBackoff = (failures: number) =>
      Random.nextRange(0.8, 1.2).pipe(
        Effect.map((jitter) =>
          Duration.millis(
            Math.round(
              jitter *
                Math.min(
                  Duration.toMillis(settings.renewalRetryMaxDelay),
                  Duration.toMillis(settings.renewalRetryDelay) * 2 ** (failures - 1),
                ),
            ),
          ),
        ),
      )

    const checked = (merchant: string | undefined) =>
      merchant === undefined ? Effect.succeed(undefined) : client.checkMerchant(merchant)

    const miss = (given: string | undefined) =>
      Effect.gen(function* () {
        const merchant = yield* checked(given)
        const key = merchant ?? ""
        metrics.misses.unsafeUpdate(1, [])
        const now = yield* Clock.currentTimeMillis
        if (rejected !== undefined && now < rejected.until)
          return yield* Effect.fail(rejected.error)
        const entry = entries.get(key) ?? (yield* admit(key, merchant, now))
        entry.lastUsed = now
        if (entry.failure !== undefined && now < entry.failure.until)
          return yield* Effect.fail(entry.failure.error)
        return yield* request(entry, "miss")
      })

    const get = (merchant?: string) =>
      Effect.clockWith((clock) => {
        const entry = entries.get(merchant ?? "")
        if (entry?.token !== undefined) {
          const now = clock.unsafeCurrentTimeMillis()
          if (now < entry.usableUntil) {
            entry.lastUsed = now
            metrics.hits.unsafeUpdate(1, [])
            return Effect.succeed(entry.token)
          }
        }
        return miss(merchant)
      })

    const invalidate = (token: AccessToken.AccessToken) =>
      Effect.suspend(() => {
        const entry = entries.get(client.merchantOf(token) ?? "")
        if (entry === undefined) return Effect.void
        const current = entry.token
        // Already known (a burst of 401s for one token makes one new request), or an old
        // token after a newer one came: nothing more to drop, nothing to tell the fleet.
        const known = entry.dead.includes(printOf(token))
        condemn(entry, printOf(token), token.issuedAt.epochMillis)
        if (known || (current !== undefined && current === entry.token)) return Effect.void
        if (Option.isNone(shared)) return Effect.void
        // In the store too: the fleet drops this token and older ones, never a newer one.
        return shared.value
          .compareAndDelete(storeKey(entry), token)
          .pipe(Effect.zipRight(storeAnswered), Effect.catchAll(storeFailed))
      })

    const refresh = (given?: string) =>
      Effect.gen(function* () {
        const merchant = yield* checked(given)
        const key = merchant ?? ""
        const now = yield* Clock.currentTimeMillis
        const entry = entries.get(key) ?? (yield* admit(key, merchant, now))
        entry.lastUsed = now
        return yield* request(entry, "refresh")
      })

    if (Option.isSome(shared)) {
      yield* Stream.runForEach(shared.value.changes, (change) =>
        onChange(shared.value, change),
      ).pipe(Effect.forkIn(scope))
    }

    yield* Scope.addFinalizer(
      scope,
      Effect.sync(() => {
        entries.clear()
        metrics.keys.unsafeUpdate(0, [])
      }),
    )

    return { get, invalidate, refresh }
  })

const outcome = (exit: Exit.Exit<unknown, Failure>): string =>
  Exit.match(exit, {
    onSuccess: () => "success",
    onFailure: (cause) =>
      Option.match(Cause.failureOption(cause), {
        onNone: () => "interrupted",
        onSome: (error) => error._tag,
      }),
  })
