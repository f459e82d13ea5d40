/**
 * The TokenService contract, run against both stores: the in-process cache alone (the
 * default) and the cache in front of Redis. Time is the TestClock; Redis is real.
 */
import type { AccessToken } from "@effect-mobilepay/core"
import { Services, TokenEndpoint, Time } from "@effect-mobilepay/test-support"
import { TokenService } from "@effect-mobilepay/token-service"
import { describe, expect, it } from "@effect/vitest"
import type { Exit } from "effect"
import { Effect, Metric, Option, Redacted, TestClock } from "effect"
import { isolatedPrefix, storeLayer, tokenService } from "./fixtures.js"

type Script = (index: number, request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply

const issue =
  (expiresIn = 3600) =>
  (index: number): TokenEndpoint.Reply =>
    TokenEndpoint.respond(
      200,
      TokenEndpoint.tokenBody({ access_token: `token-${index}`, expires_in: expiresIn }),
    )

const value = (token: AccessToken.AccessToken) => Redacted.value(token.value)
const misses = Effect.map(Metric.value(TokenService.metrics.misses), (state) => state.count)

const redisUrl = Services.redisUrl()

const stores = [
  { name: "in-process", skip: false, redis: false },
  { name: "Redis", skip: redisUrl === undefined, redis: true },
] as const

for (const store of stores) {
  describe.skipIf(store.skip)(`TokenService contract, ${store.name} store`, () => {
    const setup = (script: Script, options: TokenService.Options = {}) =>
      Effect.gen(function* () {
        const endpoint = yield* TokenEndpoint.make(script)
        const shared =
          store.redis && redisUrl !== undefined
            ? Option.some(storeLayer({ redisUrl, keyPrefix: yield* isolatedPrefix(redisUrl) }))
            : Option.none()
        const service = yield* tokenService(endpoint, shared, options)
        return {
          endpoint,
          service,
          requestCount: Effect.map(endpoint.received, (all) => all.length),
        }
      })

    it.scoped("1,000 concurrent gets on a cold key make one request and share its token", () =>
      Effect.gen(function* () {
        const { service, requestCount } = yield* setup(issue())
        const tokens = yield* Effect.all(
          Array.from({ length: 1000 }, () => service.get("DK90000028")),
          { concurrency: "unbounded" },
        )
        expect(yield* requestCount).toBe(1)
        expect(new Set(tokens.map(value))).toEqual(new Set(["token-0"]))
      }),
    )

    it.scoped(
      "steady callers across 10 lifetimes of a 60 s token: ~10 requests, no get waits",
      () =>
        Effect.gen(function* () {
          const { service, requestCount } = yield* setup(issue(60), {
            refreshAhead: "5 seconds",
            safetyMargin: "2 seconds",
          })
          const missesBefore = yield* misses
          let token = yield* service.get()
          for (let second = 1; second <= 600; second++) {
            yield* TestClock.adjust("1 second")
            const got = yield* service.get()
            expect(got.expiresAt.epochMillis - second * 1000).toBeGreaterThan(2_000)
            if (second * 1000 >= token.expiresAt.epochMillis - 5_000) {
              const previous = token
              yield* Time.waitUntil(Effect.map(service.get(), (current) => current !== previous))
              token = yield* service.get()
            }
          }
          expect((yield* misses) - missesBefore).toBe(1)
          const requests = yield* requestCount
          expect(requests).toBeGreaterThanOrEqual(10)
          expect(requests).toBeLessThanOrEqual(12)
        }),
    )

    it.scoped("100 concurrent invalidations of the same token cause one new request", () =>
      Effect.gen(function* () {
        const { service, requestCount } = yield* setup(issue())
        const stale = yield* service.get("DK90000028")
        const fresh = yield* Effect.all(
          Array.from({ length: 100 }, () =>
            Effect.zipRight(service.invalidate(stale), service.get("DK90000028")),
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

    it.scoped("during an outage a caller at 4 gets/s makes one request per backoff", () =>
      Effect.gen(function* () {
        const { service, requestCount } = yield* setup(() => TokenEndpoint.respond(503, "down"))
        const exits: Array<Exit.Exit<unknown, unknown>> = []
        for (let tick = 0; tick < 40; tick++) {
          exits.push(yield* Effect.exit(service.get("FI90000040")))
          yield* TestClock.adjust("250 millis")
        }
        for (const exit of exits) {
          expect(exit).toMatchObject({
            cause: { error: { _tag: "TokenEndpointError", status: 503 } },
          })
        }
        expect(yield* requestCount).toBe(4) // at 0, 1, 3 and 7 s
      }),
    )

    it.scoped("a malformed VAT fails with InvalidInput and sends nothing", () =>
      Effect.gen(function* () {
        const { service, requestCount } = yield* setup(issue())
        const error = yield* Effect.flip(service.get("DK1234"))
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "merchantVat" })
        expect(yield* requestCount).toBe(0)
      }),
    )
  })
}
