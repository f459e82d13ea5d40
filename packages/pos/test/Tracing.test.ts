/**
 * What a PoS call shows a tracer: one span per logical call, without a stack, with its status
 * code, and each retried attempt as an event on it.
 */
import { Time, TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Tracer } from "effect"
import { posId, setup } from "./support/ScriptedMobilePay.js"

// A tracer that keeps every span it makes (Effect's own spans, recorded).
const recording = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = native.span(...args)
      spans.push(span)
      return span
    },
    context: native.context,
  })
  return { tracer, spans }
})

describe("tracing", () => {
  it.scoped("one span per call, retried attempts as its events", () =>
    Effect.gen(function* () {
      const { tracer, spans } = yield* recording
      const { client, nextArrival } = yield* setup((_, nth) =>
        nth === 0
          ? TokenEndpoint.respond(503, { code: "2000", message: "busy" })
          : TokenEndpoint.respond(200, { isUserCheckedIn: true, pollDelayInMs: 1000 }),
      )
      const fiber = yield* Effect.fork(Effect.withTracer(client.getCheckIn(posId), tracer))
      yield* nextArrival // the token
      const arrival1 = yield* nextArrival // the 503
      yield* Time.advanceToSleepAfter(arrival1, "1 second") // the backoff
      expect((yield* Fiber.join(fiber)).isUserCheckedIn).toBe(true)
      const calls = spans.filter((span) => span.name.startsWith("PosClient."))
      expect(calls.map((span) => span.name)).toEqual(["PosClient.GetCheckIn"])
      const [span] = calls
      expect(span?.attributes.get("http.response.status_code")).toBe(200)
      expect(span?.attributes.get("mobilepay.operation")).toBe("GetCheckIn")
      expect(span?.attributes.has("code.stacktrace")).toBe(false)
      expect(span?.status._tag).toBe("Ended")
      const events = span?._tag === "Span" && "events" in span ? span.events : undefined
      expect(events).toEqual([
        ["mobilepay.attempt_failed", expect.any(BigInt), { "error.type": "PosServerError" }],
      ])
    }),
  )
})
