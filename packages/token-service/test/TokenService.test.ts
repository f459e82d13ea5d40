import { TokenEndpoint, Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { contract, inProcess, issue, setupWith, value } from "./support/Contract.js"

contract("in-process store", inProcess)

// What differs with a shared store: there a key dropped here is still in the store, and a
// renewal honours the fleet's failure backoff.
const setup = setupWith(inProcess)

describe("renewal ahead of expiry", () => {
  it.scoped("a failing renewal keeps serving the valid token, then picks up the recovery", () =>
    Effect.gen(function* () {
      const { service, endpoint, requestCount } = yield* setup(
        (index) =>
          index === 1 || index === 2 ? TokenEndpoint.respond(503, "down") : issue(3600)(index),
        // Nobody calls get until the renewal: keep the key anyway; no jitter, so that the
        // renewal is due at exactly 3300 s.
        { idleTimeout: "2 hours", refreshJitter: 0 },
      )
      const first = yield* service.get()
      yield* endpoint.nextArrival
      yield* TestClock.setTime(3_300_000)
      const renewal = yield* endpoint.nextArrival // the renewal: 503
      expect(yield* service.get()).toBe(first)
      yield* Time.advanceToSleepAfter(renewal, "1500 millis") // renewal backoff, ~1 s
      const again = yield* endpoint.nextArrival // 503 again
      expect(yield* service.get()).toBe(first)
      yield* Time.advanceToSleepAfter(again, "2500 millis") // ~2 s
      yield* endpoint.nextArrival // recovered
      yield* Time.waitUntil(Effect.map(service.get(), (token) => token !== first))
      expect(value(yield* service.get())).toBe("token-3")
      expect(yield* requestCount).toBe(4)
    }),
  )
})

describe("bounds", () => {
  it.scoped("a key nobody asks for during the idle period is dropped", () =>
    Effect.gen(function* () {
      const { service, requestCount } = yield* setup(issue(), { idleTimeout: "15 minutes" })
      yield* service.get("DK90000028")
      yield* service.get("FI90000040")
      yield* TestClock.setTime(14 * 60_000)
      yield* service.get("FI90000040") // FI stays in use; DK does not
      yield* TestClock.setTime(16 * 60_000)
      yield* TestClock.adjust("0 millis")
      yield* service.get("FI90000040")
      expect(yield* requestCount).toBe(2)
      yield* service.get("DK90000028")
      expect(yield* requestCount).toBe(3)
    }),
  )

  it.scoped("at the key cap, the least recently used key goes first", () =>
    Effect.gen(function* () {
      const { service, requestCount } = yield* setup(issue(), { maxKeys: 2 })
      yield* service.get("DK00000001")
      yield* TestClock.adjust("1 second")
      yield* service.get("DK00000002")
      yield* TestClock.adjust("1 second")
      yield* service.get("DK00000001") // now DK...02 is the least recently used
      yield* TestClock.adjust("1 second")
      yield* service.get("DK00000003")
      expect(yield* requestCount).toBe(3)
      yield* service.get("DK00000001")
      expect(yield* requestCount).toBe(3)
      yield* service.get("DK00000002")
      expect(yield* requestCount).toBe(4)
    }),
  )
})
