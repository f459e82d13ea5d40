/**
 * The TokenService contract: what holds whichever store is behind the cache, and whichever
 * API's tokens it serves (PoS V10's TokenService, the Access Token API's AccessTokenService).
 * The in-process store runs it here; @effect-mobilepay/token-store-redis runs the same file
 * against Redis. Time is the TestClock.
 */
import {
  AccessTokenClient,
  ClientCredentials,
  Environment,
  type InvalidInput,
  RetryPolicy,
  SalesUnitCredentials,
  TokenClient,
  type AccessToken,
  VippsEnvironment,
} from "@effect-mobilepay/core"
import { TokenEndpoint, Time } from "@effect-mobilepay/test-support"
import {
  AccessTokenService,
  type SharedTokenStore,
  TokenService,
} from "@effect-mobilepay/token-service"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Metric, Option, Redacted, Scope, TestClock } from "effect"

export type Script = (index: number, request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply

/** The store behind the cache for one test: none (in-process), or a shared store's layer. */
export type Store = Effect.Effect<
  Option.Option<Layer.Layer<SharedTokenStore.SharedTokenStore, InvalidInput.InvalidInput>>,
  never,
  Scope.Scope
>

export const inProcess: Store = Effect.succeed(Option.none())

/** The service under test: both APIs' services have this shape. */
export type Service = TokenService.TokenService.Service

/** One API's side of the contract: its token endpoint, its merchant keys, its service. */
export interface Api {
  readonly name: string
  /** Two valid merchant keys, and one malformed one with the field its error names. */
  readonly merchants: readonly [string, string]
  readonly malformed: { readonly merchant: string; readonly field: string }
  /** The endpoint's answer with a new token, as this API writes it. */
  readonly tokenBody: (token: string, expiresIn: number) => unknown
  /** The merchant a request named, or `none` (to check each key is requested for its own). */
  readonly requestedFor: (request: TokenEndpoint.ReceivedRequest) => string
  /** Wraps the test's script: a request this API would not accept is answered 400. */
  readonly serve: (script: Script) => Script
  /** The service's own metrics. */
  readonly metrics: typeof TokenService.metrics
  readonly make: (
    endpoint: TokenEndpoint.TokenEndpoint,
    options: TokenService.Options,
    // The HTTP client lives in the outer scope: as long as the test, or the scope it extends.
  ) => Effect.Effect<
    Effect.Effect<Service, InvalidInput.InvalidInput, Scope.Scope>,
    never,
    Scope.Scope
  >
}

// One request per attempt, and timeouts far from any renewal, so that each test sees exactly
// the requests the service decides to make.
const oneAttempt = { retryPolicy: RetryPolicy.make({ retries: 0 }), timeout: "1 hour" } as const

/** PoS V10: an OAuth form post, keyed by merchant VAT. */
export const posV10: Api = {
  name: "TokenService",
  merchants: ["DK90000028", "FI90000040"],
  malformed: { merchant: "DK1234", field: "merchantVat" },
  tokenBody: (token, expiresIn) =>
    TokenEndpoint.tokenBody({ access_token: token, expires_in: expiresIn }),
  requestedFor: (request) => new URLSearchParams(request.body).get("merchant_vat") ?? "none",
  serve: (script) => script,
  metrics: TokenService.metrics,
  make: (endpoint, options) =>
    Effect.gen(function* () {
      const http = yield* Layer.build(NodeHttpClient.layerUndici)
      const client = yield* TokenClient.make({
        credentials: yield* ClientCredentials.make({
          clientId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
          clientSecret: Redacted.make("secret"),
        }),
        environment: Environment.custom({
          authUrl: endpoint.authUrl,
          posUrl: "http://127.0.0.1:9",
        }),
        ...oneAttempt,
      }).pipe(Effect.provide(http))
      return TokenService.make(options).pipe(Effect.provideService(TokenClient.TokenClient, client))
    }).pipe(Effect.orDie),
}

const accessKeys = {
  clientId: "fb492b5e-7907-4d83-ba20-c7fb60ca35de",
  clientSecret: "Y8Kteew6GE2ZmeycEt6egg==",
  subscriptionKey: "da7d5b0e18a84aeda961c0c31b75c2a9",
}

/**
 * The Access Token API: `POST /accesstoken/get` with an empty body and the keys in headers,
 * its numbers as strings; keyed by Merchant Serial Number.
 */
export const accessToken: Api = {
  name: "AccessTokenService",
  merchants: ["123456", "7654321"],
  malformed: { merchant: "12a4", field: "merchantSerialNumber" },
  tokenBody: (token, expiresIn) => ({
    token_type: "Bearer",
    expires_in: String(expiresIn),
    ext_expires_in: "0",
    resource: "00000002-0000-0000-c000-000000000000",
    access_token: token,
  }),
  requestedFor: (request) => {
    const msn = request.headers["merchant-serial-number"]
    return typeof msn === "string" ? msn : "none"
  },
  serve: (script) => (index, request) =>
    request.method === "POST" &&
    request.path === "/accesstoken/get" &&
    request.body === "" &&
    request.headers["client_id"] === accessKeys.clientId &&
    request.headers["client_secret"] === accessKeys.clientSecret &&
    request.headers["ocp-apim-subscription-key"] === accessKeys.subscriptionKey
      ? script(index, request)
      : TokenEndpoint.respond(400, { error: "not an Access Token API request" }),
  metrics: AccessTokenService.metrics,
  make: (endpoint, options) =>
    Effect.gen(function* () {
      const http = yield* Layer.build(NodeHttpClient.layerUndici)
      const client = yield* AccessTokenClient.make({
        credentials: yield* SalesUnitCredentials.make({
          clientId: accessKeys.clientId,
          clientSecret: Redacted.make(accessKeys.clientSecret),
          subscriptionKey: Redacted.make(accessKeys.subscriptionKey),
        }),
        environment: VippsEnvironment.custom(new URL(endpoint.authUrl).origin),
        ...oneAttempt,
      }).pipe(Effect.provide(http))
      return AccessTokenService.make(options).pipe(
        Effect.provideService(AccessTokenClient.AccessTokenClient, client),
      )
    }).pipe(Effect.orDie),
}

/** Answers every request with a new token, `token-<n>`, valid for `expiresIn` seconds. */
export const issueFor =
  (api: Api) =>
  (expiresIn = 3600) =>
  (index: number): TokenEndpoint.Reply =>
    TokenEndpoint.respond(200, api.tokenBody(`token-${index}`, expiresIn))

/** {@link issueFor} PoS V10. */
export const issue = issueFor(posV10)

/** A service of `api` on a scripted loopback token endpoint, with `store` behind its cache. */
export const setupWith =
  (store: Store, api: Api = posV10) =>
  (script: Script, options: TokenService.Options = {}) =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make(api.serve(script))
      const make = yield* api.make(endpoint, options)
      const shared = yield* store
      const service = yield* Option.match(shared, {
        onNone: () => make,
        onSome: (layer) =>
          Effect.flatMap(Layer.build(layer), (context) => Effect.provide(make, context)),
      })
      const requestCount = Effect.map(endpoint.received, (all) => all.length)
      return { endpoint, service, requestCount }
    })

export const value = (token: AccessToken.AccessToken) => Redacted.value(token.value)
const missesOf = (api: Api) => Effect.map(Metric.value(api.metrics.misses), (state) => state.count)

export const contract = (storeName: string, store: Store, api: Api = posV10) =>
  describe(`${api.name} contract, ${storeName}`, () => {
    const setup = setupWith(store, api)
    const issue = issueFor(api)
    const [first, second] = api.merchants

    describe(`${api.name}.get`, () => {
      it.scoped("1,000 concurrent gets on a cold key make one request and share its token", () =>
        Effect.gen(function* () {
          const { service, requestCount } = yield* setup(issue())
          const tokens = yield* Effect.all(
            Array.from({ length: 1000 }, () => service.get(first)),
            { concurrency: "unbounded" },
          )
          expect(yield* requestCount).toBe(1)
          expect(new Set(tokens.map(value))).toEqual(new Set(["token-0"]))
        }),
      )

      it.scoped("10,000 sequential gets within a lifetime make one request", () =>
        Effect.gen(function* () {
          const { service, requestCount } = yield* setup(issue())
          for (let i = 0; i < 10_000; i++) yield* service.get()
          expect(yield* requestCount).toBe(1)
        }),
      )

      it.scoped(
        "a failed cold request fails every waiting caller alike, and the first get after the backoff retries",
        () =>
          Effect.gen(function* () {
            const { service, requestCount } = yield* setup((index) =>
              index === 0 ? TokenEndpoint.respond(404, "gone") : issue()(index),
            )
            const exits = yield* Effect.all(
              Array.from({ length: 50 }, () => Effect.exit(service.get())),
              { concurrency: "unbounded" },
            )
            expect(yield* requestCount).toBe(1)
            for (const exit of exits) {
              expect(Exit.isFailure(exit)).toBe(true)
              if (Exit.isFailure(exit))
                expect(exit.cause).toMatchObject({
                  error: { _tag: "TokenEndpointError", status: 404 },
                })
            }
            yield* TestClock.adjust("1 second")
            expect(value(yield* service.get())).toBe("token-1")
            expect(yield* requestCount).toBe(2)
          }),
      )

      it.scoped(
        "two merchants and the unbound key get distinct tokens, each requested for its merchant",
        () =>
          Effect.gen(function* () {
            const { service, endpoint } = yield* setup(issue())
            const one = yield* service.get(first)
            const two = yield* service.get(second)
            const unbound = yield* service.get()
            expect(new Set([value(one), value(two), value(unbound)]).size).toBe(3)
            expect((yield* endpoint.received).map(api.requestedFor)).toEqual([
              first,
              second,
              "none",
            ])
            expect(value(yield* service.get(first))).toBe(value(one))
            expect(value(yield* service.get())).toBe(value(unbound))
          }),
      )

      it.scoped("a malformed merchant key fails with InvalidInput and sends nothing", () =>
        Effect.gen(function* () {
          const { service, requestCount } = yield* setup(issue())
          const error = yield* Effect.flip(service.get(api.malformed.merchant))
          expect(error).toMatchObject({ _tag: "InvalidInput", field: api.malformed.field })
          expect(yield* requestCount).toBe(0)
        }),
      )
    })

    describe("renewal ahead of expiry", () => {
      it.scoped(
        "steady callers across 10 lifetimes of a 60 s token: ~10 requests, no get waits",
        () =>
          Effect.gen(function* () {
            const { service, requestCount } = yield* setup(issue(60), {
              refreshAhead: "5 seconds",
              safetyMargin: "2 seconds",
            })
            const missesBefore = yield* missesOf(api)
            let token = yield* service.get()
            for (let second = 1; second <= 600; second++) {
              yield* TestClock.adjust("1 second")
              const got = yield* service.get()
              expect(got.expiresAt.epochMillis - second * 1000).toBeGreaterThan(2_000)
              // Renewal is due 5 s (+ up to 0.5 s jitter) before expiry: by now it has been sent.
              if (second * 1000 >= token.expiresAt.epochMillis - 5_000) {
                const previous = token
                yield* Time.waitUntil(Effect.map(service.get(), (current) => current !== previous))
                token = yield* service.get()
              }
            }
            // One miss for the cold start; every other get was answered from the cache.
            expect((yield* missesOf(api)) - missesBefore).toBe(1)
            const requests = yield* requestCount
            expect(requests).toBeGreaterThanOrEqual(10)
            expect(requests).toBeLessThanOrEqual(12)
          }),
        // 600 steps with loopback (and Redis) I/O between them: seconds on a busy machine.
        { timeout: 30_000 },
      )

      it.scoped("a token within the safety margin is never handed out", () =>
        Effect.gen(function* () {
          // 60 s tokens: renewal at 30 s (half the lifetime); margin min(30 s, 15 s) = 15 s.
          const { service, endpoint, requestCount } = yield* setup((index) =>
            index === 0 ? issue(60)(index) : TokenEndpoint.respond(503, "down"),
          )
          const first = yield* service.get()
          yield* endpoint.nextArrival
          yield* TestClock.setTime(44_000)
          expect(yield* service.get()).toBe(first)
          yield* Time.waitUntil(Effect.map(requestCount, (n) => n >= 2)) // renewals failing
          yield* TestClock.setTime(45_000)
          const error = yield* Effect.flip(service.get())
          expect(error).toMatchObject({ _tag: "TokenEndpointError", status: 503 })
        }),
      )
    })

    describe("during a token endpoint outage", () => {
      const callEvery250ms = (get: Effect.Effect<unknown, unknown>, seconds: number) =>
        Effect.gen(function* () {
          const exits: Array<Exit.Exit<unknown, unknown>> = []
          for (let tick = 0; tick < seconds * 4; tick++) {
            exits.push(yield* Effect.exit(get))
            yield* TestClock.adjust("250 millis")
          }
          return exits
        })

      it.scoped(
        "a caller at 4 gets/s makes one request per backoff (1, 2, 4, 8 s), failing typed",
        () =>
          Effect.gen(function* () {
            const { service, requestCount } = yield* setup(() => TokenEndpoint.respond(503, "down"))
            const exits = yield* callEvery250ms(service.get(), 10)
            for (const exit of exits) {
              expect(exit).toMatchObject({
                cause: { error: { _tag: "TokenEndpointError", status: 503 } },
              })
            }
            expect(yield* requestCount).toBe(4) // at 0, 1, 3 and 7 s
          }),
      )

      it.scoped("after expiry, callers share the backoff of the failing renewals", () =>
        Effect.gen(function* () {
          const { service, requestCount } = yield* setup((index) =>
            index === 0 ? issue(60)(index) : TokenEndpoint.respond(503, "down"),
          )
          yield* service.get()
          yield* TestClock.setTime(60_000) // expired; the renewals since 30 s have failed
          const before = yield* requestCount
          const exits = yield* callEvery250ms(service.get(), 20)
          expect(exits.every(Exit.isFailure)).toBe(true)
          // One per backoff (1, 2, 4, 8, 16 s at most, however far the renewals got): not 80.
          expect((yield* requestCount) - before).toBeLessThanOrEqual(5)
        }),
      )

      it.scoped("the first success ends the backoff: the next failure waits 1 s again", () =>
        Effect.gen(function* () {
          const { service, requestCount } = yield* setup(
            (index) =>
              index === 0 || index === 1 || index === 3
                ? TokenEndpoint.respond(503)
                : issue(60)(index),
            { failureBackoff: "1 second", refreshAhead: "1 second" },
          )
          yield* Effect.flip(service.get()) // request 0 fails: hold 1 s
          yield* TestClock.adjust("1 second")
          yield* Effect.flip(service.get()) // request 1 fails: hold 2 s
          yield* TestClock.adjust("1 second")
          yield* Effect.flip(service.get()) // held, no request
          expect(yield* requestCount).toBe(2)
          yield* TestClock.adjust("1 second")
          yield* service.get() // request 2 succeeds
          yield* service.invalidate(yield* service.get())
          yield* Effect.flip(service.get()) // request 3 fails: hold 1 s, not 4 s
          yield* TestClock.adjust("1 second")
          expect(value(yield* service.get())).toBe("token-4")
          expect(yield* requestCount).toBe(5)
        }),
      )
    })

    describe(`${api.name}.invalidate`, () => {
      it.scoped("100 concurrent invalidations of the same token cause one new request", () =>
        Effect.gen(function* () {
          const { service, requestCount } = yield* setup(issue())
          const stale = yield* service.get()
          const fresh = yield* Effect.all(
            Array.from({ length: 100 }, () =>
              Effect.zipRight(service.invalidate(stale), service.get()),
            ),
            { concurrency: "unbounded" },
          )
          expect(yield* requestCount).toBe(2)
          expect(new Set(fresh.map(value))).toEqual(new Set(["token-1"]))
        }),
      )

      it.scoped("invalidating an old token after a refresh makes no request", () =>
        Effect.gen(function* () {
          const { service, requestCount } = yield* setup(issue())
          const old = yield* service.get()
          const renewed = yield* service.refresh()
          yield* service.invalidate(old)
          expect(yield* service.get()).toBe(renewed)
          expect(yield* requestCount).toBe(2)
        }),
      )
    })

    describe("bounds", () => {
      it.scoped("closing the scope stops renewals: no request afterwards", () =>
        Effect.gen(function* () {
          const scope = yield* Scope.make()
          const { service, requestCount } = yield* Scope.extend(setup(issue(60)), scope)
          yield* service.get(first)
          yield* service.get()
          yield* Scope.close(scope, Exit.void)
          yield* TestClock.setTime(10 * 60 * 60_000)
          yield* TestClock.adjust("0 millis")
          expect(yield* requestCount).toBe(2)
        }),
      )
    })

    describe("invalid credentials", () => {
      it.scoped(
        "reach the caller typed, and the guard answers without requests for its window",
        () =>
          Effect.gen(function* () {
            const { service, requestCount } = yield* setup(
              (index) => (index === 0 ? TokenEndpoint.respond(401) : issue()(index)),
              { invalidCredentialsHold: "10 seconds" },
            )
            const error = yield* Effect.flip(service.get())
            expect(error._tag).toBe("InvalidClientCredentials")
            yield* TestClock.adjust("9 seconds")
            const again = yield* Effect.flip(service.get(first))
            expect(again).toBe(error)
            expect(yield* requestCount).toBe(1)
            yield* TestClock.adjust("1 second")
            expect(value(yield* service.get())).toBe("token-1")
            expect(yield* requestCount).toBe(2)
          }),
      )
    })
  })
