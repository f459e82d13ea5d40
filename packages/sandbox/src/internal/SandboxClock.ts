/**
 * The sandbox's clock: the `Clock` it was started on (a test's `TestClock`, or the system's)
 * plus an offset a person can move forward from the page, to see a reservation or a customer's
 * 10 minutes run out without waiting. Everything the sandbox serves reads time through it.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

export interface SandboxClock {
  readonly clock: Clock.Clock
  /** How far the sandbox is ahead of the clock it was started on, in milliseconds. */
  readonly offset: Effect.Effect<number>
  /** Moves the sandbox's time forward by `millis` (whole, positive). */
  readonly advance: (millis: number) => Effect.Effect<void>
}

export const make: Effect.Effect<SandboxClock> = Effect.map(Effect.clock, (base) => {
  // Read synchronously by `unsafeCurrentTimeMillis`; changed only inside `Effect.sync`.
  let offset = 0
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => base.unsafeCurrentTimeMillis() + offset,
    currentTimeMillis: Effect.map(base.currentTimeMillis, (now) => now + offset),
    unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos() + BigInt(offset) * 1_000_000n,
    currentTimeNanos: Effect.map(base.currentTimeNanos, (now) => now + BigInt(offset) * 1_000_000n),
    // A sleep is a duration: it ends on the base clock (so `TestClock.adjust` still runs it).
    sleep: (duration) => base.sleep(duration),
  }
  return {
    clock,
    offset: Effect.sync(() => offset),
    advance: (millis) =>
      Effect.sync(() => {
        offset += millis
      }),
  }
})
