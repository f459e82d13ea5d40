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
 * Waits, without moving the clock, until a fiber starts a sleep that was not pending when
 * `arrival` reached the server, ending at most `within` from now, then moves the clock to the
 * moment it wakes; returns how far the clock moved.
 *
 * This is how a test lets a retry's backoff pass without racing the loopback I/O: the backoff
 * starts only after the client has read the answer, so the clock moves only after that event.
 * `advanceToSleepWithin` cannot tell a backoff from the attempt's own deadline (still pending
 * while the answer is on its way) or from an ended attempt's deadline (a `TestClock` keeps an
 * interrupted sleep until the clock passes it), and on a busy machine it can pick either.
 */
export const advanceToSleepAfter = (
  arrival: { readonly sleepsAtArrival: ReadonlyArray<number> },
  within: Duration.DurationInput,
) =>
  Effect.gen(function* () {
    const limit = Duration.toMillis(within)
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      const before = new Map<number, number>()
      for (const wake of arrival.sleepsAtArrival) before.set(wake, (before.get(wake) ?? 0) + 1)
      const started: Array<number> = []
      for (const wake of yield* TestClock.sleeps()) {
        const pending = before.get(wake) ?? 0
        if (pending > 0) before.set(wake, pending - 1)
        else started.push(wake)
      }
      const wakes = started.filter((wake) => wake > now && wake <= now + limit)
      if (wakes.length > 0) {
        const wake = Math.min(...wakes)
        yield* TestClock.setTime(wake)
        return Duration.millis(wake - now)
      }
      yield* eventLoopTurn
    }
  })

/**
 * Waits, without moving the clock, until `received` (a server's requests so far) holds `count`
 * requests; returns the `count`th, for `advanceToSleepAfter`.
 */
export const arrival = <A, E, R>(received: Effect.Effect<ReadonlyArray<A>, E, R>, count: number) =>
  Effect.gen(function* () {
    for (;;) {
      const all = yield* received
      const nth = all[count - 1]
      if (nth !== undefined) return nth
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
