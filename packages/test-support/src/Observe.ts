/**
 * Captures what a program tells the outside world: its log lines (at every level) and the
 * spans it opens with their attributes, so that tests can check no secret leaks into them.
 */
import { Effect, Inspectable, Logger, LogLevel, Ref, Tracer } from "effect"

export interface Observed {
  readonly logLines: ReadonlyArray<string>
  readonly spans: ReadonlyArray<{ readonly name: string; readonly attributes: string }>
}

export const observe = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<readonly [A | E, Observed], never, R> =>
  Effect.gen(function* () {
    const lines = yield* Ref.make<ReadonlyArray<string>>([])
    const spans: Array<Tracer.Span> = []
    const capture = Logger.make((options) => {
      Ref.update(lines, (all) => [...all, Logger.logfmtLogger.log(options)]).pipe(Effect.runSync)
    })
    const native = yield* Effect.tracer
    const recording = Tracer.make({
      span: (...args) => {
        const span = native.span(...args)
        spans.push(span)
        return span
      },
      context: (f, fiber) => native.context(f, fiber),
    })
    const result = yield* effect.pipe(
      Effect.merge,
      Effect.withTracer(recording),
      Logger.withMinimumLogLevel(LogLevel.All),
      Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
    )
    return [
      result,
      {
        logLines: yield* Ref.get(lines),
        spans: spans.map((span) => ({
          name: span.name,
          attributes: Inspectable.stringifyCircular(Object.fromEntries(span.attributes)),
        })),
      },
    ] as const
  })
