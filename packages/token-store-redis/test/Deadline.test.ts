/**
 * A Redis command's deadline counts the time the process could read an answer: a pause of the
 * process (the clock jumping past the budget at once) does not end it; steady time does.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, TestClock } from "effect"
import * as Deadline from "../src/internal/deadline.js"

describe("Deadline.responsive", () => {
  it.effect("ends one step after the budget of steady time", () =>
    Effect.gen(function* () {
      const deadline = yield* Effect.fork(Deadline.responsive(1_000))
      for (let step = 0; step < 20; step++) {
        yield* TestClock.adjust("50 millis")
        expect(deadline.unsafePoll()).toBeNull()
      }
      yield* TestClock.adjust("50 millis")
      yield* Fiber.join(deadline)
    }),
  )

  it.effect("a pause of the process longer than the budget does not end it", () =>
    Effect.gen(function* () {
      // The process's view of time: the TestClock, plus the pauses it was not running for
      // (sleeps wake on time under the TestClock, so a pause is added here).
      let paused = 0
      const now = Effect.map(Clock.currentTimeMillis, (millis) => millis + paused)
      const deadline = yield* Effect.fork(Deadline.responsive(1_000, now))
      yield* TestClock.adjust("50 millis")
      // The event loop was blocked for 5 s: that step counts for two steps, not for 5 s.
      paused += 5_000
      yield* TestClock.adjust("50 millis")
      expect(deadline.unsafePoll()).toBeNull()
      // Redis still does not answer: the rest of the budget (850 ms) runs out in steady time.
      for (let step = 0; step < 17; step++) yield* TestClock.adjust("50 millis")
      expect(deadline.unsafePoll()).toBeNull()
      yield* TestClock.adjust("50 millis")
      yield* Fiber.join(deadline)
    }),
  )
})
