/**
 * Operating recovery: what a program can alert on (metrics read through Effect's Metric API, the
 * layer's `onReport`), and how much an entry that keeps failing is logged. V10 entries against
 * the sandbox; time on TestClock.
 */
import { PaymentFlow, Recovery } from "@effect-mobilepay/pos"
import { Recovery as SaleRecovery } from "@effect-mobilepay/sale"
import { Fault } from "@effect-mobilepay/sandbox"
import { Observe, Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Metric, Ref } from "effect"
import { pointOfSale, start } from "./support/Sandboxed.js"

const patient = { readTimeout: "1 hour", writeTimeout: "1 hour" } as const

const payment = (posId: string, orderId: string) =>
  ({ posId, orderId, amount: 100, currencyCode: "DKK", plannedCaptureDelay: "None" }) as const

const resets = (route: string, times?: number) =>
  ({
    route,
    fault: Fault.Fault.ConnectionReset(),
    ...(times === undefined ? {} : { times }),
  }) as const

type Started = Effect.Effect.Success<ReturnType<typeof start>>

/** A V10 sale whose flow ended unresolved (its create answers lost): an unfinished entry. */
const unresolvedSale = (started: Started, orderId: string) =>
  Effect.gen(function* () {
    const pos = yield* pointOfSale(started.client, `till-${orderId}`)
    yield* started.sandbox.addFault(resets("POST /pos/v10/payments", 3))
    const fiber = yield* Effect.fork(
      PaymentFlow.payAndCapture(payment(pos.posId, orderId)).pipe(
        Effect.flip,
        Effect.provide(started.context),
      ),
    )
    expect((yield* Time.driveUntilDone(fiber))._tag).toBe("SaleUnresolved")
  })

const count = (metric: Metric.Metric.Counter<number>) =>
  Effect.map(Metric.value(Metric.tagged(metric, "backend", "PosV10")), (state) => state.count)
const counts = Effect.all({
  finished: count(SaleRecovery.metrics.finished),
  pending: count(SaleRecovery.metrics.pending),
  failed: count(SaleRecovery.metrics.failed),
  busy: count(SaleRecovery.metrics.busy),
})
const unfinished = Effect.map(
  Metric.value(Metric.tagged(SaleRecovery.metrics.unfinished, "backend", "PosV10")),
  (state) => state.value,
)

const recovering = (started: Started, options: Recovery.RecoverOptions = {}) =>
  Effect.flatMap(
    Effect.fork(Recovery.recover(options).pipe(Effect.provide(started.context))),
    (fiber) => Time.driveUntilDone(fiber),
  )

describe("recovery's metrics", () => {
  it.scoped("count each run's finished, pending and failed entries and gauge what is left", () =>
    Effect.gen(function* () {
      const started = yield* start(patient)
      yield* unresolvedSale(started, "order-m1")
      const before = yield* counts

      // Within the grace: pending, one left unfinished.
      yield* recovering(started)
      expect(yield* counts).toEqual({ ...before, pending: before.pending + 1 })
      expect(yield* unfinished).toBe(1)

      // The platform keeps failing: failed, still one left.
      yield* started.sandbox.addFault(resets("POST /pos/v10/payments"))
      yield* recovering(started, { undecidedGrace: 0 })
      expect(yield* counts).toEqual({
        ...before,
        pending: before.pending + 1,
        failed: before.failed + 1,
      })
      expect(yield* unfinished).toBe(1)

      // It answers again: finished, none left.
      yield* started.sandbox.clearFaults
      yield* recovering(started, { undecidedGrace: 0 })
      expect(yield* counts).toEqual({
        ...before,
        pending: before.pending + 1,
        failed: before.failed + 1,
        finished: before.finished + 1,
      })
      expect(yield* unfinished).toBe(0)
    }),
  )
})

describe("recovery in the background", () => {
  it.scoped(
    "an entry that keeps failing for an hour is logged a few times with its count, and each run is reported",
    () =>
      Effect.gen(function* () {
        const started = yield* start(patient)
        yield* unresolvedSale(started, "order-q1")
        yield* started.sandbox.addFault(resets("POST /pos/v10/payments"))
        const reports = yield* Ref.make<ReadonlyArray<SaleRecovery.RecoveryReport>>([])
        const background = Layer.launch(
          Recovery.layer({
            undecidedGrace: 0,
            interval: "1 minute",
            onReport: (report) => Ref.update(reports, (all) => [...all, report]),
          }),
        ).pipe(Effect.provide(started.context))
        const [, observed] = yield* Observe.observe(
          Effect.gen(function* () {
            const fiber = yield* Effect.fork(background)
            // An hour, from one sleep (a retry's backoff, the next run) to the next.
            const end = (yield* Clock.currentTimeMillis) + 60 * 60 * 1000
            while ((yield* Clock.currentTimeMillis) < end)
              yield* Time.advanceToSleepWithin("1 minute")
            yield* Fiber.interrupt(fiber)
          }),
        )
        const runs = yield* Ref.get(reports)
        expect(runs.length).toBeGreaterThanOrEqual(55)
        expect(runs.every((report) => report.failed.length === 1)).toBe(true)
        const lines = observed.logLines.filter((line) => line.includes("order order-q1"))
        // The 1st, 2nd, 4th, 8th, 16th and 32nd failed run: not one line per run.
        expect(lines).toHaveLength(6)
        expect(lines[0]).toContain("first failure")
        expect(lines[5]).toContain("32 runs in a row")
      }),
    { timeout: 120_000 },
  )
})
