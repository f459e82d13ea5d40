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
        Polling.awaitPayment(paymentId, ["Reserved"], { within: "1 minute" }).pipe(
          Effect.provide(context),
        ),
      )
      yield* nextArrival // token
      const arrival1 = yield* nextArrival
      const first = yield* Time.advanceToSleepAfter(arrival1, "5 seconds")
      const arrival2 = yield* nextArrival
      const second = yield* Time.advanceToSleepAfter(arrival2, "5 seconds")
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
        Polling.awaitPayment(paymentId, ["Reserved"], { within: "1 minute" }).pipe(
          Effect.provide(context),
        ),
      )
      yield* nextArrival
      const arrival3 = yield* nextArrival
      yield* Time.advanceToSleepAfter(arrival3, "5 seconds") // 1000 ms, as the answer said
      const arrival4 = yield* nextArrival // 503
      const backoff = Duration.toMillis(yield* Time.advanceToSleepAfter(arrival4, "5 seconds"))
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
        within: "1 minute",
      }).pipe(Effect.provide(context))
      expect(result.status).toBe("CancelledByUser")
    }),
  )

  it.scoped("awaitPayment gives up after its timeout with the last status seen", () =>
    Effect.gen(function* () {
      const { context, nextArrival } = yield* setup(() => payment("Initiated", 1000), quiet)
      const fiber = yield* Effect.fork(
        Polling.awaitPayment(paymentId, ["Reserved"], { within: "2500 millis" }).pipe(
          Effect.provide(context),
        ),
      )
      yield* nextArrival
      for (let poll = 0; poll < 3; poll++) {
        const arrival5 = yield* nextArrival
        yield* Time.advanceToSleepAfter(arrival5, "1 second")
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
        Polling.awaitCheckIn(posId, { within: "1 minute" }).pipe(Effect.provide(context)),
      )
      yield* nextArrival
      const arrival6 = yield* nextArrival
      yield* Time.advanceToSleepAfter(arrival6, "1 second")
      const checkIn = yield* Fiber.join(fiber)
      expect(checkIn).toMatchObject({ isUserCheckedIn: true, customerToken: "c-1" })
    }),
  )

  it.scoped(
    "each poll has the read timeout, not the whole wait: a hanging poll ends at 0.5 s",
    () =>
      Effect.gen(function* () {
        const script = [TokenEndpoint.hang, payment("Reserved", 1000)]
        const { context, nextArrival, received } = yield* setup(
          (_, nth) => script[nth] ?? payment("Reserved", 1000),
          { readTimeout: "500 millis", retryPolicy: RetryPolicy.make({ retries: 0 }) },
        )
        const fiber = yield* Effect.fork(
          Polling.awaitPayment(paymentId, ["Reserved"], { within: "1 minute" }).pipe(
            Effect.provide(context),
          ),
        )
        yield* nextArrival // token
        yield* nextArrival // the poll that hangs
        const timedOut = yield* Time.advanceToSleepWithin("1 minute")
        const backoff = yield* Time.advanceToSleepWithin("1 minute")
        expect((yield* Fiber.join(fiber)).status).toBe("Reserved")
        expect(Duration.toMillis(timedOut)).toBe(500)
        // The second poll went out after the 0.5 s timeout and one backoff (400 ± 20 %).
        expect(Duration.toMillis(backoff)).toBeLessThanOrEqual(480)
        expect(yield* received).toHaveLength(2)
      }),
  )

  it.scoped("a poll's own timeout option applies to each poll", () =>
    Effect.gen(function* () {
      const script = [TokenEndpoint.hang, payment("Reserved", 1000)]
      const { context, nextArrival } = yield* setup(
        (_, nth) => script[nth] ?? payment("Reserved", 1000),
        quiet,
      )
      const fiber = yield* Effect.fork(
        Polling.awaitPayment(paymentId, ["Reserved"], {
          within: "1 minute",
          timeout: "2 seconds",
        }).pipe(Effect.provide(context)),
      )
      yield* nextArrival
      yield* nextArrival
      const timedOut = yield* Time.advanceToSleepWithin("1 minute")
      yield* Time.advanceToSleepWithin("1 minute")
      expect((yield* Fiber.join(fiber)).status).toBe("Reserved")
      expect(Duration.toMillis(timedOut)).toBe(2000)
    }),
  )

  it.scoped("a negative pollDelayInMs from the server polls again at the floor, not at once", () =>
    Effect.gen(function* () {
      const script = [payment("Initiated", -5), payment("Reserved", 1000)]
      const { context, nextArrival } = yield* setup(
        (_, nth) => script[nth] ?? payment("Reserved", 1000),
        quiet,
      )
      const fiber = yield* Effect.fork(
        Polling.awaitPayment(paymentId, ["Reserved"], { within: "1 minute" }).pipe(
          Effect.provide(context),
        ),
      )
      yield* nextArrival
      const arrival7 = yield* nextArrival
      const wait = yield* Time.advanceToSleepAfter(arrival7, "1 second")
      expect((yield* Fiber.join(fiber)).status).toBe("Reserved")
      expect(Duration.toMillis(wait)).toBe(50)
    }),
  )

  it.scoped("bad durations fail typed before any poll is sent", () =>
    Effect.gen(function* () {
      const { context, received } = yield* setup(() => payment("Reserved", 1000), quiet)
      const bad: ReadonlyArray<Polling.AwaitOptions> = [
        { within: Number.NaN },
        { within: -1 },
        { within: 0 },
        { within: "soon" as Duration.DurationInput },
        { within: "1 minute", maxFailureDelay: -5 },
      ]
      for (const options of bad) {
        const error = yield* Effect.flip(
          Polling.awaitPayment(paymentId, ["Reserved"], options).pipe(Effect.provide(context)),
        )
        expect(error._tag).toBe("InvalidInput")
      }
      expect(yield* received).toHaveLength(0)
    }),
  )
})
