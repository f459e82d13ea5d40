import { RetryPolicy } from "@effect-mobilepay/core"
import { Observe, TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { posId, setup } from "./support/ScriptedMobilePay.js"

describe("the access token", () => {
  for (const [name, reply] of [
    ["401 twice", TokenEndpoint.respond(401)],
    [
      "a 409 with a body",
      TokenEndpoint.respond(409, { code: "1301", message: "active", correlationId: "c" }),
    ],
    ["a body that does not decode", TokenEndpoint.respond(200, { posIds: ["nope"] })],
  ] as const) {
    it.scoped(`appears in no error, log line or span of a PoS call failing with ${name}`, () =>
      Effect.gen(function* () {
        const { client, received } = yield* setup(() => reply, {
          retryPolicy: RetryPolicy.make({ retries: 0 }),
        })
        const [error, observed] = yield* Observe.observe(
          Effect.flip(client.getPosWithFilter({ merchantPosId: "till-1" })),
        )
        const sent = (yield* received).map((request) => request.headers["authorization"])
        expect(sent[0]).toMatch(/^Bearer token-/)
        expect(observed.spans.map((span) => span.name)).toContain("PosClient.GetPosWithFilter")
        const surfaces = [
          String(error),
          JSON.stringify(error),
          ...observed.logLines,
          ...observed.spans.map((span) => span.attributes),
        ]
        for (const text of surfaces) {
          for (const header of sent) {
            expect(text).not.toContain(header?.slice("Bearer ".length))
          }
        }
      }),
    )
  }
  it.scoped("is never put in a URL", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup(() =>
        TokenEndpoint.respond(200, { posIds: [posId] }),
      )
      yield* client.getPosWithFilter({ merchantPosId: "till-1" })
      const [request] = yield* received
      expect(request?.path).toBe("/pos/v10/pointofsales?merchantPosId=till-1")
    }),
  )
})
