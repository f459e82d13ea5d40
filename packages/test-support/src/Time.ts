import { Chunk, Clock, Duration, Effect, Fiber, TestClock } from "effect"

/** One turn of the event loop, so that loopback I/O can progress while the TestClock stands. */
export const eventLoopTurn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/**
 * Waits, without moving the clock, until some fiber sleeps until at most `within` from now,
 * then moves the clock to the moment it wakes. Returns how far the clock moved.
 */
export const advanceToSleepWithin = (within: Duration.DurationInput) =>
  Effect.gen(function* () {
    const limit = Duration.toMillis(within)
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      const wakes = Chunk.toReadonlyArray(yield* TestClock.sleeps()).filter(
        (wake) => wake > now && wake <= now + limit,
      )
      if (wakes.length > 0) {
        const wake = Math.min(...wakes)
        yield* TestClock.setTime(wake)
        return Duration.millis(wake - now)
      }
      yield* eventLoopTurn
    }
  })

/**
 * Lets the program run (and its loopback I/O progress), without moving the clock, until
 * `condition` holds.
 */
export const waitUntil = <E, R>(condition: Effect.Effect<boolean, E, R>) =>
  Effect.gen(function* () {
    while (!(yield* condition)) yield* eventLoopTurn
  })

/**
 * Moves the clock forward in small steps, letting loopback I/O progress between them, until
 * `fiber` is done; returns its result. For flows that poll: each step is shorter than any
 * poll delay, so no poll happens sooner than the server asked.
 */
export const driveUntilDone = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  step: Duration.DurationInput = "100 millis",
) =>
  Effect.gen(function* () {
    for (;;) {
      for (let turn = 0; turn < 3; turn++) yield* eventLoopTurn
      const exit = yield* Fiber.poll(fiber)
      if (exit._tag === "Some") return yield* exit.value
      yield* TestClock.adjust(step)
    }
  })
