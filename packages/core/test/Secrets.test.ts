import { ClientCredentials, Environment, TokenClient } from "@effect-mobilepay/core"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Redacted } from "effect"
import { Observe } from "@effect-mobilepay/test-support"
import { TokenEndpoint } from "@effect-mobilepay/test-support"
import { Time } from "@effect-mobilepay/test-support"

const clientId = "0d3c2b1a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"
const secret = "TopSecret-Value-42"
const basic = Buffer.from(`${clientId}:${secret}`).toString("base64")

const failingReplies: ReadonlyArray<readonly [string, TokenEndpoint.Reply]> = [
  ["401", TokenEndpoint.respond(401)],
  ["503 forever", TokenEndpoint.respond(503, "down")],
  ["a malformed body", TokenEndpoint.respond(200, "{")],
  ["an OAuth error", TokenEndpoint.respond(400, { error: "invalid_request" })],
]

describe("the client secret", () => {
  for (const [name, reply] of failingReplies) {
    it.scoped(`appears in no error, log line or span when the request fails with ${name}`, () =>
      Effect.gen(function* () {
        const endpoint = yield* TokenEndpoint.make(() => reply)
        const credentials = yield* ClientCredentials.make({
          clientId,
          clientSecret: Redacted.make(secret),
        })
        const client = yield* TokenClient.make({
          credentials,
          environment: Environment.custom({ authUrl: endpoint.authUrl, posUrl: "http://x" }),
        })
        const fiber = yield* Effect.fork(Observe.observe(Effect.flip(client.requestToken())))
        // Let every retry happen (only the 503 case has any).
        const first = yield* endpoint.nextArrival
        if (name === "503 forever") {
          yield* Time.advanceToSleepAfter(first, "1 second")
          const arrival1 = yield* endpoint.nextArrival
          yield* Time.advanceToSleepAfter(arrival1, "1 second")
        }
        const [error, observed] = yield* Fiber.join(fiber)

        // The request really carried the secret, so its absence below means something.
        const [request] = yield* endpoint.received
        expect(request?.headers["authorization"]).toBe(`Basic ${basic}`)
        expect(observed.logLines.length).toBeGreaterThan(0)
        expect(observed.spans.map((span) => span.name)).toContain("MobilePay.requestToken")

        const surfaces = [
          String(error),
          JSON.stringify(error),
          error instanceof Error ? (error.stack ?? "") : "",
          ...observed.logLines,
          ...observed.spans.map((span) => span.attributes),
          String(credentials),
          JSON.stringify(credentials),
        ]
        for (const text of surfaces) {
          expect(text).not.toContain(secret)
          expect(text).not.toContain(basic)
        }
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }
})
