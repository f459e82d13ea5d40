import { RetryPolicy } from "@effect-mobilepay/core"
import { Polling } from "@effect-mobilepay/pos"
import { Time, TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Stream } from "effect"
import { paymentId, posId, setup } from "./support/ScriptedMobilePay.js"

const payment = (status: string, pollDelayInMs: number) =>
  TokenEndpoint.respond(200, {
    paymentId,
    posId,
    orderId: "order-1",
    amount: 10,
    currencyCode: "DKK",
    plannedCaptureDelay: "None",
    status,
    pollDelayInMs,
  })

// Timeouts far from any poll delay, and no retries inside a poll, so that the only sleeps
// the clock moves to are the polling loop's own.
const quiet = {
  readTimeout: "1 hour",
  writeTimeout: "1 hour",
  retryPolicy: RetryPolicy.make({ retries: 0 }),
} as const

describe("Polling", () => {
  it.scoped("waits exactly the pollDelayInMs of each answer before the next poll", () =>
    Effect.gen(function* () {
      const script = [
        payment("Initiated", 1000),
        payment("IssuedToUser", 3000),
        payment("Reserved", 1000),
      ]
      const { context, nextArrival } = yield* setup(
        (_, nth) => script[nth] ?? payment("Reserved", 1000),
        quiet,
      )
      const fiber = yield* Effect.fork(
        Polling.awaitPayment(paymentId, ["Reserved"], { timeout: "1 minute" }).pipe(
          Effect.provide(context),
        ),
      )
      yield* nextArrival // token
      yield* nextArrival
      const first = yield* Time.advanceToSleepWithin("5 seconds")
      yield* nextArrival
      const second = yield* Time.advanceToSleepWithin("5 seconds")
      const reserved = yield* Fiber.join(fiber)
      expect(reserved.status).toBe("Reserved")
      expect([Duration.toMillis(first), Duration.toMillis(second)]).toEqual([1000, 3000])
    }),
  )

  it.scoped("after a failed poll the next one waits longer, and polling goes on", () =>
    Effect.gen(function* () {
      const script = [
        payment("Initiated", 1000),
        TokenEndpoint.respond(503),
        payment("Reserved", 1000),
      ]
      const { context, nextArrival, received } = yield* setup(
        (_, nth) => script[nth] ?? payment("Reserved", 1000),
        quiet,
      )
      const fiber = yield* Effect.fork(
        Polling.awaitPayment(paymentId, ["Reserved"], { timeout: "1 minute" }).pipe(
          Effect.provide(context),
        ),
      )
      yield* nextArrival
      yield* nextArrival
      yield* Time.advanceToSleepWithin("5 seconds") // 1000 ms, as the answer said
      yield* nextArrival // 503
      const backoff = Duration.toMillis(yield* Time.advanceToSleepWithin("5 seconds"))
      expect((yield* Fiber.join(fiber)).status).toBe("Reserved")
      // Doubled from the last delay, with ±20 % jitter.
      expect(backoff).toBeGreaterThanOrEqual(1600)
      expect(backoff).toBeLessThanOrEqual(2400)
      expect(yield* received).toHaveLength(3)
    }),
  )

  it.scoped("a failure that is not transient ends the stream with its typed error", () =>
    Effect.gen(function* () {
      const { context } = yield* setup(() => TokenEndpoint.respond(404), quiet)
      const error = yield* Effect.flip(
        Polling.payment(paymentId).pipe(Stream.runCollect, Effect.provide(context)),
      )
      expect(error).toMatchObject({ _tag: "PosNotFound", operation: "QueryPayment" })
    }),
  )

  it.scoped("awaitPayment stops at a final status it was not waiting for", () =>
    Effect.gen(function* () {
      const { context } = yield* setup(() => payment("CancelledByUser", 1000), quiet)
      const result = yield* Polling.awaitPayment(paymentId, ["Reserved"], {
        timeout: "1 minute",
      }).pipe(Effect.provide(context))
      expect(result.status).toBe("CancelledByUser")
    }),
  )

  it.scoped("awaitPayment gives up after its timeout with the last status seen", () =>
    Effect.gen(function* () {
      const { context, nextArrival } = yield* setup(() => payment("Initiated", 1000), quiet)
      const fiber = yield* Effect.fork(
        Polling.awaitPayment(paymentId, ["Reserved"], { timeout: "2500 millis" }).pipe(
          Effect.provide(context),
        ),
      )
      yield* nextArrival
      for (let poll = 0; poll < 3; poll++) {
        yield* nextArrival
        yield* Time.advanceToSleepWithin("1 second")
      }
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error).toMatchObject({
        _tag: "AwaitTimeout",
        resource: "payment",
        id: paymentId,
        lastStatus: "Initiated",
      })
    }),
  )

  it.scoped("check-ins are polled until a customer is checked in", () =>
    Effect.gen(function* () {
      const script = [
        TokenEndpoint.respond(200, { isUserCheckedIn: false, pollDelayInMs: 500 }),
        TokenEndpoint.respond(200, {
          isUserCheckedIn: true,
          pollDelayInMs: 500,
          customerToken: "c-1",
        }),
      ]
      const { context, nextArrival } = yield* setup(
        (_, nth) => (nth === 0 ? script[0] : script[1]) ?? TokenEndpoint.respond(500),
        quiet,
      )
      const fiber = yield* Effect.fork(
        Polling.awaitCheckIn(posId, { timeout: "1 minute" }).pipe(Effect.provide(context)),
      )
      yield* nextArrival
      yield* nextArrival
      yield* Time.advanceToSleepWithin("1 second")
      const checkIn = yield* Fiber.join(fiber)
      expect(checkIn).toMatchObject({ isUserCheckedIn: true, customerToken: "c-1" })
    }),
  )
})
