/**
 * The token and the subscription key never appear in an error, a log line or a span, even when
 * a hostile server echoes every header it received: in a problem body, in a gateway's text
 * page, in an answer that does not decode, and in its own headers.
 */
import { RetryPolicy } from "@effect-mobilepay/core"
import { Observe, TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Inspectable } from "effect"
import { reference, setup, subscriptionKey, tokenValue } from "./support/ScriptedEPayment.js"

const echo = (request: TokenEndpoint.ReceivedRequest) => JSON.stringify(request.headers)

const hostile: ReadonlyArray<
  readonly [string, (request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply]
> = [
  [
    "a problem echoing the headers",
    (request) =>
      TokenEndpoint.respond(
        400,
        JSON.stringify({ title: echo(request), detail: echo(request), traceId: echo(request) }),
        { "x-echo": echo(request).slice(0, 2000) },
      ),
  ],
  [
    "a text page echoing the headers",
    (request) => TokenEndpoint.respond(502, `<pre>${echo(request)}</pre>`),
  ],
  [
    "an answer that does not decode, echoing the headers",
    (request) =>
      TokenEndpoint.respond(200, { reference: 42, state: echo(request), aggregate: echo(request) }),
  ],
  [
    "a 401 echoing the headers, twice",
    (request) => TokenEndpoint.respond(401, { statusCode: 401, message: echo(request) }),
  ],
]

describe("secrets stay secret", () => {
  for (const [name, script] of hostile) {
    it.scoped(name, () =>
      Effect.gen(function* () {
        // No retries: the 502 would wait for a TestClock that nobody moves.
        const { client, received } = yield* setup(script, {
          retryPolicy: RetryPolicy.make({ retries: 0 }),
        })
        const [outcome, observed] = yield* Observe.observe(
          client
            .get(reference)
            .pipe(Effect.tapErrorCause(Effect.logError), Effect.withSpan("caller")),
        )
        expect((yield* received).length).toBeGreaterThan(0)
        const everything = [
          Inspectable.stringifyCircular(outcome),
          outcome instanceof Error ? outcome.message : "",
          ...observed.logLines,
          ...observed.spans.map((span) => `${span.name} ${span.attributes}`),
        ].join("\n")
        expect(observed.spans.some((span) => span.name === "EPaymentClient.getPayment")).toBe(true)
        for (const secret of [subscriptionKey, tokenValue(0), tokenValue(1)]) {
          expect(everything).not.toContain(secret)
        }
      }),
    )
  }
})
