/**
 * Clocks that disagree with the test's: a process whose wall clock is ahead of the others, and
 * whose wall clock can be stepped (as NTP or an operator does) while its monotonic clock and
 * its timers run on, the way an operating system's do.
 */
import { Clock, Duration, Effect } from "effect"

export interface SkewedClock extends Clock.Clock {
  /** Steps the wall clock by `by` (timers and the monotonic clock do not notice). */
  readonly step: (by: Duration.DurationInput) => Effect.Effect<void>
}

export const SkewedClock = {
  /** The clock in context (the TestClock in a test), its wall clock `ahead`. */
  make: (ahead: Duration.DurationInput): Effect.Effect<SkewedClock> =>
    Effect.map(Effect.clock, (base) => {
      const start = Duration.toMillis(ahead)
      let offset = start
      const millis = () => base.unsafeCurrentTimeMillis() + offset
      // The monotonic clock keeps the offset the process started with.
      const nanos = () => base.unsafeCurrentTimeNanos() + BigInt(start) * 1_000_000n
      return {
        [Clock.ClockTypeId]: Clock.ClockTypeId,
        unsafeCurrentTimeMillis: millis,
        currentTimeMillis: Effect.sync(millis),
        unsafeCurrentTimeNanos: nanos,
        currentTimeNanos: Effect.sync(nanos),
        sleep: (duration) => base.sleep(duration),
        step: (by) =>
          Effect.sync(() => {
            offset += Duration.toMillis(by)
          }),
      }
    }),
}
