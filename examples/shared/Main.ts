/**
 * How every example runs: Effect's pretty logger (the flows' debug lines included, so each
 * status change shows), a failure printed as one line naming its typed cause, and a closing
 * summary: what happened, how long it took, how many HTTP requests it sent.
 */
import { HttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import {
  Cause,
  ConfigError,
  Context,
  Duration,
  Effect,
  Layer,
  Logger,
  LogLevel,
  Option,
  Predicate,
  Ref,
} from "effect"

/** How many HTTP requests the example has sent (token requests and the customer's included). */
export class Requests extends Context.Tag("examples/Requests")<Requests, Ref.Ref<number>>() {}

/**
 * Node's undici HTTP client, counting what it sends. The client layers take any `HttpClient`:
 * on Node, `NodeMobilePay` from `@effect-mobilepay/node` provides this one without the count.
 */
export const layerHttpClient: Layer.Layer<HttpClient.HttpClient | Requests> = Layer.effect(
  HttpClient.HttpClient,
  Effect.gen(function* () {
    const requests = yield* Requests
    const client = yield* HttpClient.HttpClient
    return HttpClient.tapRequest(client, () => Ref.update(requests, (n) => n + 1))
  }),
).pipe(
  Layer.provide(NodeHttpClient.layerUndici),
  Layer.provideMerge(Layer.effect(Requests, Ref.make(0))),
)

/** An amount as MobilePay's apps show it: `125.50 DKK`. */
export const amount = (value: number, currencyCode = "DKK"): string =>
  `${value.toFixed(2)} ${currencyCode}`

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

const describeError = (error: unknown): string => {
  if (ConfigError.isConfigError(error)) return oneLine(`ConfigError: ${String(error)}`)
  if (error instanceof Error) {
    const name = Predicate.hasProperty(error, "_tag") ? String(error._tag) : error.name
    return oneLine(`${name}: ${error.message}`)
  }
  return oneLine(String(error))
}

/** The first failure of a cause (or its defect), in one readable line. */
export const describeCause = (cause: Cause.Cause<unknown>): string =>
  Option.match(Cause.failureOption(cause), {
    onSome: describeError,
    onNone: () =>
      Option.match(Cause.dieOption(cause), {
        onSome: describeError,
        onNone: () => "interrupted",
      }),
  })

/**
 * Runs an example to its end: `program` returns what happened, in a few words, for the
 * summary; on failure the cause is printed in one line and the exit code is 1.
 */
export const run = <E, R, LE>(
  program: Effect.Effect<string, E, R | Requests>,
  layer: Layer.Layer<R | Requests, LE>,
): void =>
  Effect.gen(function* () {
    const [took, outcome] = yield* Effect.timed(program)
    const requests = yield* Effect.flatMap(Requests, Ref.get)
    const seconds = (Duration.toMillis(took) / 1000).toFixed(2)
    yield* Effect.log(`done: ${outcome}, in ${seconds} s with ${requests} HTTP requests`)
  }).pipe(
    Effect.provide(layer),
    Effect.tapErrorCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError(describeCause(cause)),
    ),
    Effect.provide(Logger.minimumLogLevel(LogLevel.Debug)),
    // The line above is the report: no second one with a stack trace.
    NodeRuntime.runMain({ disableErrorReporting: true }),
  )
