// A Redis command's deadline, counted in time this process was able to notice an answer.
//
// A plain timer counts the process's own pauses against Redis: after the event loop was
// blocked (a burst of work, a long GC, a starved core), Node runs the expired timers before it
// reads the sockets, so a command whose answer has been waiting in the socket for most of the
// pause fails as "too slow". Here the deadline advances in small steps, and a step that
// arrives late (the process was paused) counts for at most two steps; and the budget running
// out ends the deadline only at the step after, which comes after the sockets were read. A
// Redis that stopped answering (paused, partitioned) still runs the deadline out, about one
// budget of responsive time after the command was sent.
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/** The step for a budget: a quarter of it, between 1 and 50 ms. */
export const stepFor = (budgetMs: number): number =>
  Math.max(1, Math.min(50, Math.floor(budgetMs / 4)))

/**
 * Completes one step after `budgetMs` of responsive time have passed (by `now`, the `Clock`'s
 * time unless given): each step counts for the time it took, but for at most two steps.
 */
export const responsive = (
  budgetMs: number,
  now: Effect.Effect<number> = Clock.currentTimeMillis,
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const step = stepFor(budgetMs)
    let used = 0
    let last = yield* now
    for (;;) {
      yield* Effect.sleep(Duration.millis(step))
      if (used >= budgetMs) return
      const current = yield* now
      used += Math.min(current - last, 2 * step)
      last = current
    }
  })
