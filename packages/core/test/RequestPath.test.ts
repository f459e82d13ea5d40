/**
 * The shared request path, driven by a small API of the test's own against a scripted server
 * on loopback: what every client (PoS, ePayment, Webhooks, QR, the token requests) relies on.
 */
import { AccessToken, RequestPath, RetryPolicy, TokenError } from "@effect-mobilepay/core"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Fiber, Option, Redacted, Ref, Schema } from "effect"
import { Observe, Time, TokenEndpoint } from "@effect-mobilepay/test-support"

class ShopError extends Schema.TaggedError<ShopError>()("ShopError", {
  operation: Schema.String,
  reason: Schema.Literal("Answer", "Timeout", "Transport", "Malformed"),
  status: Schema.optional(Schema.Number),
  code: Schema.optional(Schema.String),
  detail: Schema.String,
  correlationId: Schema.optional(Schema.String),
}) {}

const ProblemCode = Schema.parseJson(Schema.Struct({ code: Schema.String }))
const Payment = Schema.Struct({ reference: Schema.String, amount: Schema.Number })

const apiSecret = "subscription-key-0123456789"

const tokenOf = (value: string) =>
  new AccessToken.AccessToken({
    value: Redacted.make(value),
    tokenType: "Bearer",
    scope: "",
    expiresIn: Duration.hours(1),
    issuedAt: DateTime.unsafeMake(0),
    expiresAt: DateTime.unsafeMake(3_600_000),
    merchantVat: Option.none(),
  })

// An in-memory token source that hands out token-1, token-2, ... and counts what it is asked.
const tokenSource = Effect.gen(function* () {
  const issued = yield* Ref.make(0)
  const current = yield* Ref.make(Option.none<AccessToken.AccessToken>())
  const invalidated = yield* Ref.make<ReadonlyArray<string>>([])
  const source: RequestPath.TokenSource = {
    get: () =>
      Effect.flatMap(Ref.get(current), (cached) =>
        Option.match(cached, {
          onSome: Effect.succeed,
          onNone: () =>
            Effect.flatMap(
              Ref.updateAndGet(issued, (n) => n + 1),
              (n) =>
                Effect.as(
                  Ref.set(current, Option.some(tokenOf(`token-${n}`))),
                  tokenOf(`token-${n}`),
                ),
            ),
        }),
      ),
    invalidate: (token) =>
      Effect.zipRight(
        Ref.update(invalidated, (all) => [...all, Redacted.value(token.value)]),
        Ref.set(current, Option.none()),
      ),
  }
  return { source, issued: Ref.get(issued), invalidated: Ref.get(invalidated) }
})

const setup = (
  script: (index: number, request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply,
  withTokens = true,
) =>
  Effect.gen(function* () {
    const server = yield* TokenEndpoint.make(script)
    const tokens = yield* tokenSource
    const path = yield* RequestPath.make<"GetPayment" | "CreatePayment", ShopError>({
      name: "ShopClient",
      headers: { accept: "application/json", "ocp-apim-subscription-key": apiSecret },
      tokens: withTokens ? tokens.source : undefined,
      secrets: [apiSecret],
      redactedHeaders: ["ocp-apim-subscription-key"],
      idempotencyHeader: "idempotency-key",
      retryPolicy: RetryPolicy.defaultPolicy,
      maxResponseBytes: 1024,
      failed: (call, answer) =>
        new ShopError({
          operation: call.operation,
          reason: "Answer",
          status: answer.status,
          code: Option.getOrUndefined(
            Option.map(Schema.decodeUnknownOption(ProblemCode)(answer.body), (b) => b.code),
          ),
          detail: answer.scrub(answer.body ?? "(too large)"),
          correlationId: answer.correlationId,
        }),
      unreachable: (call, reason, detail) =>
        new ShopError({ operation: call.operation, reason, detail }),
      malformed: (call, status, issue) =>
        new ShopError({
          operation: call.operation,
          reason: "Malformed",
          status,
          detail: typeof issue === "string" ? issue : "does not decode",
        }),
      // "locked, try again" in this API's own codes.
      retryable: (error) => error.code === "6160",
      spanAttributes: (call) => ({ "shop.operation": call.operation }),
    })
    const base = server.authUrl.replace(/\/integrator-authentication$/, "")
    return { server, path, tokens, base }
  })

const payment = { reference: "acme-1", amount: 100 }
const answer = RequestPath.answer(Payment)

describe("RequestPath", () => {
  it.scoped("retries a 5xx with the same idempotency key and a byte-identical body", () =>
    Effect.gen(function* () {
      const { server, path, base } = yield* setup((index) =>
        index < 2 ? TokenEndpoint.respond(503, "busy") : TokenEndpoint.respond(201, payment),
      )
      const fiber = yield* Effect.fork(
        path.execute(
          {
            operation: "CreatePayment",
            method: "POST",
            url: `${base}/payments`,
            headers: { "idempotency-key": "key-made-once" },
            body: { reference: "acme-1", amount: { value: 100, currency: "DKK" } },
            timeout: Duration.seconds(10),
          },
          answer,
        ),
      )
      const arrival1 = yield* server.nextArrival
      yield* Time.advanceToSleepAfter(arrival1, "1 second")
      const arrival2 = yield* server.nextArrival
      yield* Time.advanceToSleepAfter(arrival2, "1 second")
      expect(yield* Fiber.join(fiber)).toEqual(payment)

      const received = yield* server.received
      expect(received).toHaveLength(3)
      for (const request of received) {
        expect(request.headers["idempotency-key"]).toBe("key-made-once")
        expect(request.headers["ocp-apim-subscription-key"]).toBe(apiSecret)
        expect(request.headers["authorization"]).toBe("Bearer token-1")
        expect(request.headers["content-type"]).toBe("application/json")
        expect(request.body).toBe(received[0]?.body)
        expect(request.headers["traceparent"]).toBeUndefined()
      }
      expect(JSON.parse(received[0]?.body ?? "")).toEqual({
        reference: "acme-1",
        amount: { value: 100, currency: "DKK" },
      })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a 401 invalidates the token, gets one new token and tries once more", () =>
    Effect.gen(function* () {
      const { server, path, tokens, base } = yield* setup((index) =>
        index === 0 ? TokenEndpoint.respond(401) : TokenEndpoint.respond(200, payment),
      )
      const result = yield* path.execute(
        { operation: "GetPayment", method: "GET", url: `${base}/p`, timeout: Duration.seconds(1) },
        answer,
      )
      expect(result).toEqual(payment)
      const received = yield* server.received
      expect(received.map((r) => r.headers["authorization"])).toEqual([
        "Bearer token-1",
        "Bearer token-2",
      ])
      expect(yield* tokens.invalidated).toEqual(["token-1"])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a second 401 is the API's error, after exactly two requests", () =>
    Effect.gen(function* () {
      const { server, path, tokens, base } = yield* setup(() => TokenEndpoint.respond(401))
      const error = yield* Effect.flip(
        path.execute({
          operation: "GetPayment",
          method: "GET",
          url: `${base}/p`,
          timeout: Duration.seconds(1),
        }),
      )
      expect(error).toMatchObject({ _tag: "ShopError", status: 401 })
      expect(yield* server.received).toHaveLength(2)
      expect(yield* tokens.issued).toBe(2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("without a token source a 401 is the API's error at once", () =>
    Effect.gen(function* () {
      const { server, path, base } = yield* setup(() => TokenEndpoint.respond(401), false)
      const error = yield* Effect.flip(
        path.execute({
          operation: "GetPayment",
          method: "GET",
          url: `${base}/p`,
          timeout: Duration.seconds(1),
        }),
      )
      expect(error).toMatchObject({ _tag: "ShopError", status: 401 })
      const [request] = yield* server.received
      expect(request?.headers["authorization"]).toBeUndefined()
      expect(yield* server.received).toHaveLength(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  for (const status of [423, 429]) {
    it.scoped(`${status} is retried, no sooner than Retry-After`, () =>
      Effect.gen(function* () {
        const { server, path, base } = yield* setup((index) =>
          index === 0
            ? TokenEndpoint.respond(status, "", { "retry-after": "2" })
            : TokenEndpoint.respond(200, payment),
        )
        const fiber = yield* Effect.fork(
          path.execute(
            {
              operation: "GetPayment",
              method: "GET",
              url: `${base}/p`,
              timeout: Duration.minutes(1),
            },
            answer,
          ),
        )
        const arrival3 = yield* server.nextArrival
        const waited = yield* Time.advanceToSleepAfter(arrival3, "5 seconds")
        expect(yield* Fiber.join(fiber)).toEqual(payment)
        expect(Duration.toMillis(waited)).toBeGreaterThanOrEqual(2_000)
        expect(yield* server.received).toHaveLength(2)
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }

  it.scoped("an API's own retryable code is retried; another code of the same status is not", () =>
    Effect.gen(function* () {
      const { server, path, base } = yield* setup((index) =>
        index === 0
          ? TokenEndpoint.respond(409, { code: "6160" })
          : TokenEndpoint.respond(409, { code: "6170" }),
      )
      const fiber = yield* Effect.fork(
        Effect.flip(
          path.execute({
            operation: "GetPayment",
            method: "GET",
            url: `${base}/p`,
            timeout: Duration.seconds(1),
          }),
        ),
      )
      const arrival4 = yield* server.nextArrival
      yield* Time.advanceToSleepAfter(arrival4, "1 second")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "ShopError", status: 409, code: "6170" })
      expect(yield* server.received).toHaveLength(2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a 400 is not retried and carries the correlation header, scrubbed", () =>
    Effect.gen(function* () {
      const { server, path, base } = yield* setup((_, request) =>
        TokenEndpoint.respond(
          400,
          `rejected ${String(request.headers["ocp-apim-subscription-key"])} ${String(request.headers["authorization"])}`,
          { "x-request-id": "req-42" },
        ),
      )
      const error = yield* Effect.flip(
        path.execute({
          operation: "GetPayment",
          method: "GET",
          url: `${base}/p`,
          timeout: Duration.seconds(1),
        }),
      )
      expect(error).toMatchObject({ _tag: "ShopError", status: 400, correlationId: "req-42" })
      expect(String(error)).not.toContain(apiSecret)
      expect(JSON.stringify(error)).not.toContain(apiSecret)
      expect(JSON.stringify(error)).not.toContain("token-1")
      expect(JSON.stringify(error)).toContain("rejected")
      expect(yield* server.received).toHaveLength(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("an attempt past its deadline is a Timeout, and is retried", () =>
    Effect.gen(function* () {
      const { server, path, base } = yield* setup((index) =>
        index === 0 ? TokenEndpoint.hang : TokenEndpoint.respond(200, payment),
      )
      const fiber = yield* Effect.fork(
        path.execute(
          {
            operation: "GetPayment",
            method: "GET",
            url: `${base}/p`,
            timeout: Duration.millis(700),
          },
          answer,
        ),
      )
      yield* server.nextArrival
      // The attempt's own deadline: pending since before the request arrived.
      expect(Duration.toMillis(yield* Time.advanceToSleepWithin("1 second"))).toBe(700)
      yield* Time.advanceToSleepWithin("1 second")
      expect(yield* Fiber.join(fiber)).toEqual(payment)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  // Cut off after the platform committed: the answer is lost, the operation is not.
  const cutOff = JSON.stringify(payment).slice(0, 20)
  const repeatable: ReadonlyArray<
    readonly [string, Partial<RequestPath.Call<"GetPayment" | "CreatePayment">>]
  > = [
    ["a GET", { operation: "GetPayment", method: "GET" }],
    [
      "a POST with its idempotency key",
      {
        operation: "CreatePayment",
        method: "POST",
        headers: { "idempotency-key": "key-made-once" },
        body: payment,
      },
    ],
  ]
  for (const [name, call] of repeatable) {
    it.scoped(`a 2xx whose body is not JSON is retried on ${name}: the same bytes again`, () =>
      Effect.gen(function* () {
        const { server, path, base } = yield* setup((index) =>
          index === 0 ? TokenEndpoint.respond(201, cutOff) : TokenEndpoint.respond(201, payment),
        )
        const fiber = yield* Effect.fork(
          path.execute(
            {
              operation: "GetPayment",
              method: "GET",
              ...call,
              url: `${base}/payments`,
              timeout: Duration.seconds(10),
            },
            answer,
          ),
        )
        yield* server.nextArrival
        yield* Time.advanceToSleepWithin("1 second")
        expect(yield* Fiber.join(fiber)).toEqual(payment)
        const received = yield* server.received
        expect(received).toHaveLength(2)
        expect(received[1]?.headers["idempotency-key"]).toBe(
          received[0]?.headers["idempotency-key"],
        )
        expect(received[1]?.body).toBe(received[0]?.body)
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }

  it.scoped("a 2xx whose body is not JSON is final on a POST without an idempotency key", () =>
    Effect.gen(function* () {
      const { server, path, base } = yield* setup((index) =>
        index === 0 ? TokenEndpoint.respond(200, cutOff) : TokenEndpoint.respond(200, payment),
      )
      const error = yield* Effect.flip(
        path.execute(
          {
            operation: "CreatePayment",
            method: "POST",
            url: `${base}/payments`,
            body: payment,
            timeout: Duration.seconds(5),
          },
          answer,
        ),
      )
      expect(error).toMatchObject({ _tag: "ShopError", reason: "Malformed", status: 200 })
      expect(yield* server.received).toHaveLength(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  // Each reads the same however often it is asked: retrying them, even a GET, is no use.
  const malformed: ReadonlyArray<readonly [string, TokenEndpoint.Reply]> = [
    ["a body of the wrong shape", TokenEndpoint.respond(200, { reference: 7 })],
    ["a body nesting too deeply", TokenEndpoint.respond(200, "[".repeat(40) + "]".repeat(40))],
    [
      "a body over the size limit",
      TokenEndpoint.respond(200, { reference: "x".repeat(2000), amount: 1 }),
    ],
    ["an endless body", TokenEndpoint.endless("[")],
  ]
  for (const [name, reply] of malformed) {
    it.scoped(`${name} is malformed and not retried`, () =>
      Effect.gen(function* () {
        const { server, path, base } = yield* setup(() => reply)
        const error = yield* Effect.flip(
          path.execute(
            {
              operation: "GetPayment",
              method: "GET",
              url: `${base}/p`,
              timeout: Duration.seconds(5),
            },
            answer,
          ),
        )
        expect(error).toMatchObject({ _tag: "ShopError", reason: "Malformed", status: 200 })
        expect(yield* server.received).toHaveLength(1)
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }

  it.scoped("one span per call with the API's attributes, retries as events, no secret in it", () =>
    Effect.gen(function* () {
      const { server, path, base } = yield* setup((index, request) =>
        index === 0
          ? TokenEndpoint.respond(503, `echo ${String(request.headers["authorization"])}`, {
              "x-correlation-id": apiSecret,
            })
          : TokenEndpoint.respond(200, payment),
      )
      const fiber = yield* Effect.fork(
        Observe.observe(
          path.execute(
            {
              operation: "GetPayment",
              method: "GET",
              url: `${base}/p`,
              timeout: Duration.seconds(5),
            },
            answer,
          ),
        ),
      )
      const arrival6 = yield* server.nextArrival
      yield* Time.advanceToSleepAfter(arrival6, "1 second")
      const [result, observed] = yield* Fiber.join(fiber)
      expect(result).toEqual(payment)
      expect(observed.spans.map((span) => span.name)).toEqual(["ShopClient.GetPayment"])
      expect(observed.spans[0]?.attributes).toContain('"shop.operation":"GetPayment"')
      for (const text of [...observed.logLines, ...observed.spans.map((s) => s.attributes)]) {
        expect(text).not.toContain(apiSecret)
        expect(text).not.toContain("token-1")
      }
      expect(observed.logLines.some((line) => line.includes("ShopClient attempt failed"))).toBe(
        true,
      )
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a token source that fails fails the call with its error, sending nothing", () =>
    Effect.gen(function* () {
      const server = yield* TokenEndpoint.make(() => TokenEndpoint.respond(200, payment))
      const path = yield* RequestPath.make<"GetPayment", ShopError>({
        name: "ShopClient",
        headers: {},
        tokens: {
          get: () =>
            Effect.fail(
              new TokenError.InvalidClientCredentials({ status: 401, clientId: "client-1" }),
            ),
          invalidate: () => Effect.void,
        },
        retryPolicy: RetryPolicy.defaultPolicy,
        maxResponseBytes: 1024,
        failed: (call, answer) =>
          new ShopError({
            operation: call.operation,
            reason: "Answer",
            detail: String(answer.status),
          }),
        unreachable: (call, reason, detail) =>
          new ShopError({ operation: call.operation, reason, detail }),
        malformed: (call) =>
          new ShopError({ operation: call.operation, reason: "Malformed", detail: "" }),
      })
      const error = yield* Effect.flip(
        path.execute({
          operation: "GetPayment",
          method: "GET",
          url: server.authUrl,
          timeout: Duration.seconds(1),
        }),
      )
      expect(error._tag).toBe("InvalidClientCredentials")
      expect(yield* server.received).toHaveLength(0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )
})
