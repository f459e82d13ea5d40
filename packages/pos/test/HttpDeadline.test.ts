/**
 * The seam between the pipeline and a transport that enforces deadlines: the pipeline hands
 * an attempt's timeout to the transport (and sets no timer of its own) only when the
 * `HttpDeadline.Enforcer` in context names the very `HttpClient` it sends with.
 */
import { HttpDeadline } from "@effect-mobilepay/pos"
import { TokenEndpoint } from "@effect-mobilepay/test-support"
import { HttpClient, type HttpClientError } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import {
  Chunk,
  Clock,
  Context,
  Duration,
  Effect,
  Fiber,
  FiberRef,
  Layer,
  Option,
  TestClock,
} from "effect"
import { posId, setup } from "./support/ScriptedMobilePay.js"

// A client that enforces nothing itself: it records the deadline each request is sent with and
// forwards it to the platform's client. Its Enforcer names it, or another client.
const recordingTransport = (enforcerNames: "it" | "another client") =>
  Effect.gen(function* () {
    const inner = Context.get(yield* Layer.build(NodeHttpClient.layerUndici), HttpClient.HttpClient)
    const deadlines: Array<Option.Option<Duration.Duration>> = []
    const client = HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
      (request) =>
        Effect.flatMap(request, (ready) =>
          Effect.flatMap(FiberRef.get(HttpDeadline.current), (deadline) => {
            deadlines.push(deadline)
            return inner.execute(ready)
          }),
        ),
      Effect.succeed,
    )
    const layer = Layer.succeedContext(
      Context.make(HttpClient.HttpClient, client).pipe(
        Context.add(HttpDeadline.Enforcer, { client: enforcerNames === "it" ? client : inner }),
      ),
    )
    return { layer, deadlines }
  })

// The sleeps due within the next minute (the token cache's renewal is an hour away).
const soonSleeps = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  return Chunk.toReadonlyArray(yield* TestClock.sleeps())
    .filter((wake) => wake <= now + 60_000)
    .map((wake) => wake - now)
})

describe("HttpDeadline", () => {
  it.scoped(
    "an Enforcer naming the client in context is handed the deadline; no timer is set",
    () =>
      Effect.gen(function* () {
        const transport = yield* recordingTransport("it")
        const { client, nextArrival } = yield* setup(() => TokenEndpoint.hang, {}, transport.layer)
        const fiber = yield* Effect.fork(client.getCheckIn(posId))
        yield* nextArrival // the token
        yield* nextArrival // the GET, left hanging
        // The token request takes the same path: the transport is handed its deadline too
        // (the scripted setup's "1 hour"), and the GET's 500 ms.
        expect(transport.deadlines).toEqual([
          Option.some(Duration.hours(1)),
          Option.some(Duration.millis(500)),
        ])
        expect(yield* soonSleeps).toEqual([])
        yield* Fiber.interrupt(fiber)
      }),
  )

  it.scoped("an Enforcer naming another client is ignored: the pipeline times the attempt", () =>
    Effect.gen(function* () {
      const transport = yield* recordingTransport("another client")
      const { client, nextArrival } = yield* setup(() => TokenEndpoint.hang, {}, transport.layer)
      const fiber = yield* Effect.fork(client.getCheckIn(posId))
      yield* nextArrival
      yield* nextArrival
      expect(transport.deadlines).toEqual([Option.none(), Option.none()])
      expect(yield* soonSleeps).toEqual([500])
      yield* Fiber.interrupt(fiber)
    }),
  )
})
