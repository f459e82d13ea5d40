/**
 * The PoS pipeline against a MobilePay that misbehaves on purpose (echoing the request,
 * answering without end, nesting JSON thousands deep), and options that could never work:
 * each ends in a typed error, with no token in it, in the logs or in the spans.
 */
import { Observe, TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect } from "effect"
import { inspect } from "node:util"
import { paymentId, posId, setup } from "./support/ScriptedMobilePay.js"

const initiate = {
  posId,
  orderId: "order-1",
  amount: 12.5,
  currencyCode: "DKK",
  plannedCaptureDelay: "None",
} as const

const tokenOf = (request: TokenEndpoint.ReceivedRequest) =>
  String(request.headers["authorization"]).slice("Bearer ".length)

describe("an echoing MobilePay", () => {
  const replies: ReadonlyArray<
    readonly [string, (request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply]
  > = [
    [
      "a 409 whose message and correlation id echo the bare token",
      (request) =>
        TokenEndpoint.respond(409, {
          code: "1301",
          message: `you sent ${tokenOf(request)}`,
          correlationId: tokenOf(request),
        }),
    ],
    [
      "a 200 whose body does not decode and quotes the token",
      (request) => TokenEndpoint.respond(200, { paymentId: { echo: tokenOf(request) } }),
    ],
    [
      "a 200 whose headers echo the Authorization header",
      (request) =>
        TokenEndpoint.respond(
          200,
          { paymentId },
          {
            "x-echo": String(request.headers["authorization"]),
            "x-token": tokenOf(request),
          },
        ),
    ],
  ]
  for (const [name, reply] of replies) {
    it.scoped(`${name}: the token is in no error, log line or span`, () =>
      Effect.gen(function* () {
        const { client, received } = yield* setup((request) => reply(request))
        const [result, observed] = yield* Observe.observe(
          Effect.either(client.initiatePayment(initiate)),
        )
        const sent = (yield* received).map(tokenOf)
        expect(sent[0]).toMatch(/^token-/)
        expect(observed.spans.map((span) => span.name)).toContain("PosClient.InitiatePayment")
        const surfaces = [
          inspect(result, { depth: 10 }),
          JSON.stringify(result),
          ...observed.logLines,
          ...observed.spans.map((span) => span.attributes),
        ]
        for (const text of surfaces) {
          for (const token of sent) expect(text).not.toContain(token)
        }
      }),
    )
  }
})

describe("answer size", () => {
  it.scoped("an endless answer is PosResponseTooLarge once past the limit", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(() => TokenEndpoint.endless("x".repeat(16_384)), {
        maxResponseBytes: 100_000,
      })
      const error = yield* Effect.flip(client.getPos(posId))
      expect(error).toMatchObject({
        _tag: "PosResponseTooLarge",
        operation: "GetPos",
        maxBytes: 100_000,
      })
    }),
  )

  it.scoped("a declared length over the default 1 MiB is PosResponseTooLarge", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(() =>
        TokenEndpoint.respond(200, { posIds: [posId], padding: "x".repeat(1_100_000) }),
      )
      const error = yield* Effect.flip(client.getPosWithFilter({ merchantPosId: "till-1" }))
      expect(error).toMatchObject({ _tag: "PosResponseTooLarge", maxBytes: 1_048_576 })
    }),
  )

  it.scoped("an error answer over the limit keeps its status", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(
        () => TokenEndpoint.respond(409, { code: "1301", message: "x".repeat(5_000) }),
        { maxResponseBytes: 1_000 },
      )
      const error = yield* Effect.flip(client.initiatePayment(initiate))
      expect(error).toMatchObject({ _tag: "PosConflict", status: 409 })
    }),
  )
})

describe("hostile bodies", () => {
  it.scoped("a deeply nested answer is PosDecodeError, not a stack overflow", () =>
    Effect.gen(function* () {
      const deep = `{"paymentId":${"[".repeat(3000)}${"]".repeat(3000)}}`
      const { client } = yield* setup(() => TokenEndpoint.respond(200, deep))
      const error = yield* Effect.flip(client.initiatePayment(initiate))
      expect(error).toMatchObject({ _tag: "PosDecodeError", operation: "InitiatePayment" })
    }),
  )

  it.scoped("a deeply nested error body still gives the status's error", () =>
    Effect.gen(function* () {
      const deep = `{"code":${"[".repeat(3000)}${"]".repeat(3000)}}`
      const { client } = yield* setup(() => TokenEndpoint.respond(409, deep))
      const error = yield* Effect.flip(client.initiatePayment(initiate))
      expect(error).toMatchObject({ _tag: "PosConflict", status: 409 })
    }),
  )
})

describe("options that could never work fail before anything is sent", () => {
  // As they would arrive from configuration: values the type system never saw.
  const garbage: Duration.DurationInput = JSON.parse('"soon"')
  const timeouts: ReadonlyArray<readonly [string, Duration.DurationInput]> = [
    ["NaN", NaN],
    ["negative", -1],
    ["0", 0],
    ["garbage", garbage],
  ]
  for (const [name, timeout] of timeouts) {
    it.scoped(`a per-call timeout of ${name} is InvalidInput(timeout) and no request`, () =>
      Effect.gen(function* () {
        const { client, received, tokenRequests } = yield* setup(() =>
          TokenEndpoint.respond(200, { paymentId }),
        )
        const error = yield* Effect.flip(client.initiatePayment(initiate, { timeout }))
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "timeout" })
        expect(yield* received).toHaveLength(0)
        expect(yield* tokenRequests).toHaveLength(0)
      }),
    )
    it.scoped(`a readTimeout of ${name} fails the layer with InvalidInput(readTimeout)`, () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          setup(() => TokenEndpoint.respond(200, { paymentId }), { readTimeout: timeout }),
        )
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "readTimeout" })
      }),
    )
  }

  it.scoped("a writeTimeout or size limit that cannot work fails the layer", () =>
    Effect.gen(function* () {
      const reply = () => TokenEndpoint.respond(200, { paymentId })
      expect(yield* Effect.flip(setup(reply, { writeTimeout: -5 }))).toMatchObject({
        field: "writeTimeout",
      })
      expect(yield* Effect.flip(setup(reply, { maxResponseBytes: 1.5 }))).toMatchObject({
        field: "maxResponseBytes",
      })
    }),
  )

  for (const key of ["Šž-key", "key-Ž", "tab\tkey"]) {
    it.scoped(`idempotency key ${JSON.stringify(key)} is InvalidInput and no request`, () =>
      Effect.gen(function* () {
        const { client, received } = yield* setup(() => TokenEndpoint.respond(200, { paymentId }))
        const error = yield* Effect.flip(client.initiatePayment(initiate, { idempotencyKey: key }))
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "idempotencyKey" })
        expect(yield* received).toHaveLength(0)
      }),
    )
  }

  it.scoped("a request value nested thousands deep is InvalidInput, not a stack overflow", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup(() => TokenEndpoint.respond(200, { paymentId }))
      let deep: unknown = true
      for (let level = 0; level < 100_000; level++) deep = [deep]
      // What a JavaScript caller can pass where the types say boolean.
      const debitCardDisallowed = deep as boolean
      const error = yield* Effect.flip(
        client.initiatePayment({ ...initiate, restrictions: { debitCardDisallowed } }),
      )
      expect(error).toMatchObject({ _tag: "InvalidInput" })
      expect(yield* received).toHaveLength(0)
    }),
  )

  it.scoped("a Latin-1 key with Nordic letters is sent as given", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup(() => TokenEndpoint.respond(200, { paymentId }))
      yield* client.initiatePayment(initiate, { idempotencyKey: "kø-æå-1" })
      const [request] = yield* received
      expect(
        Buffer.from(String(request?.headers["x-mobilepay-idempotency-key"]), "latin1").toString(
          "latin1",
        ),
      ).toBe("kø-æå-1")
    }),
  )
})
