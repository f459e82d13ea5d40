// The token cache behind TokenService, in the spirit of Go's oauth2.ReuseTokenSource: one
// small state type (Entry), one function per transition (hit, request, store, invalidate,
// evict), and the scheduling in one place (renewLoop).
//
// State is plain mutable fields in a Map owned by one service instance. Every read and write
// happens in synchronous code between two effects, and JavaScript runs one fiber at a time,
// so no check-then-act can interleave: that is what makes the hit path a map lookup and a
// clock read instead of a Ref round trip.
import {
  type AccessToken,
  Domain,
  InvalidInput,
  type TokenClient,
  type TokenError,
} from "@effect-mobilepay/core"
import {
  Cause,
  Clock,
  Deferred,
  Duration,
  Effect,
  Exit,
  FiberMap,
  Metric,
  MetricLabel,
  Option,
  Random,
  Scope,
} from "effect"

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
}

type Failure = TokenError.TokenError | InvalidInput.InvalidInput
type Reason = "miss" | "renewal" | "refresh"

interface Entry {
  /** The merchant VAT, or "" for the unbound token. */
  readonly key: string
  readonly merchantVat: string | undefined
  token: AccessToken.AccessToken | undefined
  /** Epoch ms after which `token` is not handed out (expiry less the safety margin). */
  usableUntil: number
  /** Epoch ms at which the renewal loop renews `token`. */
  renewAt: number
  /** The request under way for this key, shared by everyone who needs it. */
  inflight: Deferred.Deferred<AccessToken.AccessToken, Failure> | undefined
  /** The last request failed: callers get its error, with no new request, until `until`. */
  failure:
    | { readonly error: TokenError.TokenError; readonly until: number; readonly count: number }
    | undefined
  lastUsed: number
}

export const metrics = {
  requests: Metric.counter("mobilepay_token_requests_total", {
    description: "Token requests made by TokenService, by outcome",
  }),
  hits: Metric.counter("mobilepay_token_cache_hits_total", {
    description: "TokenService.get answered from the cache",
  }),
  misses: Metric.counter("mobilepay_token_cache_misses_total", {
    description: "TokenService.get calls that had to wait for a token request",
  }),
  renewals: Metric.counter("mobilepay_token_renewals_total", {
    description: "Tokens renewed ahead of expiry by TokenService",
  }),
  keys: Metric.gauge("mobilepay_token_cache_keys", {
    description: "Keys (merchants, or unbound) cached by TokenService",
  }),
}

const decodeVat = InvalidInput.decodeInput(Domain.MerchantVat, "merchantVat")

export const make = (client: TokenClient.TokenClient.Service, settings: Settings) =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const renewals = yield* FiberMap.make<string>()
    const entries = new Map<string, Entry>()
    const refreshAheadMs = Duration.toMillis(settings.refreshAhead)
    const marginMs = Duration.toMillis(settings.safetyMargin)
    const idleMs = Duration.toMillis(settings.idleTimeout)
    const holdMs = Duration.toMillis(settings.invalidCredentialsHold)
    const failureMs = Duration.toMillis(settings.failureBackoff)
    const failureMaxMs = Duration.toMillis(settings.failureBackoffMaxDelay)
    let rejected:
      { readonly error: TokenError.InvalidClientCredentials; readonly until: number } | undefined

    const updateKeysGauge = Effect.sync(() => metrics.keys.unsafeUpdate(entries.size, []))

    const evict = (entry: Entry) =>
      Effect.suspend(() => {
        if (entries.get(entry.key) === entry) entries.delete(entry.key)
        return updateKeysGauge
      })

    // A new key; at the cap, the least recently used one makes room.
    const admit = (key: string, merchantVat: string | undefined, now: number) =>
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
          merchantVat,
          token: undefined,
          usableUntil: 0,
          renewAt: 0,
          inflight: undefined,
          failure: undefined,
          lastUsed: now,
        }
        entries.set(key, entry)
        yield* updateKeysGauge
        return entry
      })

    // A fresh token for the entry: its times, then the renewal loop (which replaces any
    // loop the key already had).
    const store = (entry: Entry, token: AccessToken.AccessToken, reason: Reason) =>
      Effect.gen(function* () {
        if (reason === "renewal") metrics.renewals.unsafeUpdate(1, [])
        const expiresAt = token.expiresAt.epochMillis
        const lifetime = Duration.toMillis(token.expiresIn)
        const lead = Math.min(refreshAheadMs, lifetime / 2)
        const jitter = (yield* Random.next) * settings.refreshJitter * lead
        // Whole milliseconds: a fractional deadline can sit less than one floating-point step
        // past the clock, where a sleep until it would return at once, forever.
        entry.token = token
        entry.failure = undefined
        entry.usableUntil = Math.floor(expiresAt - Math.min(marginMs, lead / 2))
        entry.renewAt = Math.floor(expiresAt - lead - jitter)
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
        yield* client.requestToken({ merchantVat: entry.merchantVat }).pipe(
          Effect.tap((token) => store(entry, token, reason)),
          Effect.tapError((error) =>
            error._tag === "InvalidInput" ? Effect.void : hold(entry, error),
          ),
          Effect.onExit((exit) =>
            Effect.sync(() => {
              if (entry.inflight === deferred) entry.inflight = undefined
              metrics.requests.unsafeUpdate(1, [MetricLabel.make("outcome", outcome(exit))])
            }),
          ),
          Effect.withSpan("TokenService.request", {
            attributes: { "mobilepay.merchant_vat": entry.merchantVat ?? "unbound", reason },
          }),
          Effect.intoDeferred(deferred),
          Effect.forkIn(scope),
        )
        return yield* Deferred.await(deferred)
      })

    // After a failed request the key answers with its error until the backoff is over, so that
    // callers during an outage share one request per backoff instead of making one each.
    const hold = (entry: Entry, error: TokenError.TokenError) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        if (error._tag === "InvalidClientCredentials") rejected = { error, until: now + holdMs }
        const count = (entry.failure?.count ?? 0) + 1
        const delay = Math.min(failureMaxMs, failureMs * 2 ** (count - 1))
        entry.failure = { error, until: now + delay, count }
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

    const miss = (merchantVat: string | undefined) =>
      Effect.gen(function* () {
        const key = merchantVat === undefined ? "" : yield* decodeVat(merchantVat)
        metrics.misses.unsafeUpdate(1, [])
        const now = yield* Clock.currentTimeMillis
        if (rejected !== undefined && now < rejected.until)
          return yield* Effect.fail(rejected.error)
        const entry = entries.get(key) ?? (yield* admit(key, merchantVat, now))
        entry.lastUsed = now
        if (entry.failure !== undefined && now < entry.failure.until)
          return yield* Effect.fail(entry.failure.error)
        return yield* request(entry, "miss")
      })

    const get = (merchantVat?: string) =>
      Effect.clockWith((clock) => {
        const entry = entries.get(merchantVat ?? "")
        if (entry?.token !== undefined) {
          const now = clock.unsafeCurrentTimeMillis()
          if (now < entry.usableUntil) {
            entry.lastUsed = now
            metrics.hits.unsafeUpdate(1, [])
            return Effect.succeed(entry.token)
          }
        }
        return miss(merchantVat)
      })

    const invalidate = (token: AccessToken.AccessToken) =>
      Effect.sync(() => {
        const entry = entries.get(Option.getOrElse(token.merchantVat, () => ""))
        if (entry !== undefined && entry.token === token) {
          entry.token = undefined
          entry.usableUntil = 0
        }
      })

    const refresh = (merchantVat?: string) =>
      Effect.gen(function* () {
        const key = merchantVat === undefined ? "" : yield* decodeVat(merchantVat)
        const now = yield* Clock.currentTimeMillis
        const entry = entries.get(key) ?? (yield* admit(key, merchantVat, now))
        entry.lastUsed = now
        return yield* request(entry, "refresh")
      })

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
