/**
 * The request pipeline every PoS call takes, against a scripted MobilePay on loopback (a real
 * HTTP server that records what it receives): headers, idempotency keys across retries, 401
 * recovery, timeouts, what is retried and what is not, and input refused before sending.
 */
import { RetryPolicy } from "@effect-mobilepay/core"
import type { PosClient } from "@effect-mobilepay/pos"
import { Time, TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import { clientId, paymentId, posId, setup } from "./support/ScriptedMobilePay.js"

const initiate = {
  posId,
  orderId: "order-1",
  amount: 12.5,
  currencyCode: "DKK",
  plannedCaptureDelay: "None",
} as const

const ok = (body: unknown) => TokenEndpoint.respond(200, body)
const created = ok({ paymentId })

describe("PosClient request pipeline", () => {
  it.scoped("sends MobilePay's headers, with a merchant-bound token and no VAT header", () =>
    Effect.gen(function* () {
      const { client, received, tokenRequests } = yield* setup(() => created)
      yield* client.initiatePayment(initiate)
      const [request] = yield* received
      expect(request?.method).toBe("POST")
      expect(request?.path).toBe("/pos/v10/payments")
      expect(request?.headers["authorization"]).toBe("Bearer token-0")
      expect(request?.headers["x-ibm-client-id"]).toBe(clientId)
      expect(request?.headers["x-mobilepay-client-system-version"]).toBe("2.1.1")
      expect(request?.headers["x-mobilepay-merchant-vat-number"]).toBeUndefined()
      expect(request?.headers["traceparent"]).toBeUndefined()
      expect(request?.headers["b3"]).toBeUndefined()
      expect(request?.headers["content-type"]).toBe("application/json")
      expect(request?.headers["x-mobilepay-idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/)
      expect(JSON.parse(request?.body ?? "")).toEqual(initiate)
      const [tokenRequest] = yield* tokenRequests
      expect(tokenRequest?.body).toContain("merchant_vat=DK90000028")
    }),
  )

  it.scoped("with unbound tokens, names the merchant of each call in the VAT header", () =>
    Effect.gen(function* () {
      const { client, received, tokenRequests } = yield* setup(() => created, {
        tokenBinding: "unbound",
      })
      yield* client.initiatePayment(initiate)
      yield* client.initiatePayment(initiate, { merchantVat: "FI90000040" })
      const requests = yield* received
      expect(requests.map((r) => r.headers["x-mobilepay-merchant-vat-number"])).toEqual([
        "DK90000028",
        "FI90000040",
      ])
      expect((yield* tokenRequests).map((r) => r.body)).toEqual(["grant_type=client_credentials"])
    }),
  )

  for (const tokenBinding of ["merchant", "unbound"] as const) {
    it.scoped(`with ${tokenBinding} tokens, a call for no merchant fails before sending`, () =>
      Effect.gen(function* () {
        const { client, received, tokenRequests } = yield* setup(() => created, {
          tokenBinding,
          merchantVat: undefined,
        })
        const error = yield* Effect.flip(client.initiatePayment(initiate))
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "merchantVat" })
        expect(yield* received).toHaveLength(0)
        expect(yield* tokenRequests).toHaveLength(0)
        yield* client.initiatePayment(initiate, { merchantVat: "FI90000040" })
        expect(yield* received).toHaveLength(1)
      }),
    )
  }

  it.scoped("a create retried after a lost answer carries the same idempotency key", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup((_, nth) =>
        nth === 0 ? { _tag: "Reset" } : created,
      )
      const fiber = yield* Effect.fork(client.initiatePayment(initiate))
      yield* Time.advanceToSleepWithin("1 second") // the backoff after the reset
      const answer = yield* Fiber.join(fiber)
      expect(answer.paymentId).toBe(paymentId)
      const keys = (yield* received).map((r) => r.headers["x-mobilepay-idempotency-key"])
      expect(keys).toHaveLength(2)
      expect(keys[0]).toBe(keys[1])
      // The next logical create gets a key of its own.
      yield* client.initiatePayment(initiate)
      const third = (yield* received)[2]?.headers["x-mobilepay-idempotency-key"]
      expect(third).not.toBe(keys[0])
    }),
  )

  it.scoped("a caller's own idempotency key is sent as given", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup(() => created)
      yield* client.initiatePayment(initiate, { idempotencyKey: "till-7/receipt-42" })
      const [request] = yield* received
      expect(request?.headers["x-mobilepay-idempotency-key"]).toBe("till-7/receipt-42")
    }),
  )

  it.scoped("a 401 drops the token, gets a new one and tries once more", () =>
    Effect.gen(function* () {
      const { client, received, tokenRequests } = yield* setup((_, nth) =>
        nth === 0 ? TokenEndpoint.respond(401) : created,
      )
      const answer = yield* client.initiatePayment(initiate)
      expect(answer.paymentId).toBe(paymentId)
      const requests = yield* received
      expect(requests.map((r) => r.headers["authorization"])).toEqual([
        "Bearer token-0",
        "Bearer token-1",
      ])
      expect(requests[0]?.headers["x-mobilepay-idempotency-key"]).toBe(
        requests[1]?.headers["x-mobilepay-idempotency-key"],
      )
      expect(yield* tokenRequests).toHaveLength(2)
    }),
  )

  it.scoped("a second 401 in a row reaches the caller as PosUnauthorized", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup(() => TokenEndpoint.respond(401))
      const error = yield* Effect.flip(client.getPos(posId))
      expect(error).toMatchObject({ _tag: "PosUnauthorized", operation: "GetPos", status: 401 })
      expect(yield* received).toHaveLength(2)
    }),
  )

  it.scoped("a hanging read times out after 0.5 s and is retried", () =>
    Effect.gen(function* () {
      const { client, received, nextArrival } = yield* setup((_, nth) =>
        nth === 0
          ? TokenEndpoint.hang
          : ok({
              isUserCheckedIn: false,
              pollDelayInMs: 1000,
            }),
      )
      const fiber = yield* Effect.fork(client.getCheckIn(posId))
      yield* nextArrival // the token request
      yield* nextArrival // the hanging GET
      expect(Duration.toMillis(yield* Time.advanceToSleepWithin("500 millis"))).toBe(500)
      yield* Time.advanceToSleepWithin("400 millis") // the backoff
      const answer = yield* Fiber.join(fiber)
      expect(answer.isUserCheckedIn).toBe(false)
      expect(yield* received).toHaveLength(2)
    }),
  )

  it.scoped("a write waits 2 s before it times out", () =>
    Effect.gen(function* () {
      const { client, nextArrival } = yield* setup(() => TokenEndpoint.hang, {
        retryPolicy: RetryPolicy.make({ retries: 0 }),
      })
      const fiber = yield* Effect.fork(Effect.flip(client.cancelPayment(paymentId)))
      yield* nextArrival
      yield* nextArrival
      expect(Duration.toMillis(yield* Time.advanceToSleepWithin("2 seconds"))).toBe(2_000)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({
        _tag: "PosTransportError",
        reason: "Timeout",
        operation: "CancelPayment",
      })
    }),
  )

  it.scoped("5xx is retried twice, then surfaces with its code and correlation id", () =>
    Effect.gen(function* () {
      const { client, received, nextArrival } = yield* setup(() =>
        TokenEndpoint.respond(500, { code: "2000", message: "internal", correlationId: "corr-1" }),
      )
      const fiber = yield* Effect.fork(Effect.flip(client.queryPayment(paymentId)))
      yield* nextArrival
      for (let retry = 0; retry < 2; retry++) {
        const arrival1 = yield* nextArrival
        yield* Time.advanceToSleepAfter(arrival1, "1 second")
      }
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({
        _tag: "PosServerError",
        status: 500,
        code: "2000",
        correlationId: "corr-1",
      })
      expect(yield* received).toHaveLength(3)
    }),
  )

  // One classification with the token path: a lock or a rate limit is retried, never sooner
  // than the server asks.
  for (const status of [423, 429]) {
    it.scoped(`${status} is retried after its Retry-After, with the same idempotency key`, () =>
      Effect.gen(function* () {
        const { client, received, nextArrival } = yield* setup(
          (_, index) =>
            index === 0 ? TokenEndpoint.respond(status, "", { "retry-after": "2" }) : created,
          { writeTimeout: "1 minute" },
        )
        const fiber = yield* Effect.fork(client.initiatePayment(initiate))
        // The token request, then the first attempt.
        yield* nextArrival
        const arrival2 = yield* nextArrival
        const waited = yield* Time.advanceToSleepAfter(arrival2, "5 seconds")
        expect(yield* Fiber.join(fiber)).toMatchObject({ paymentId })
        expect(Duration.toMillis(waited)).toBeGreaterThanOrEqual(2_000)
        const [first, second] = yield* received
        expect(second?.headers["x-mobilepay-idempotency-key"]).toBe(
          first?.headers["x-mobilepay-idempotency-key"],
        )
        expect(yield* received).toHaveLength(2)
      }),
    )
  }

  const refusals = [
    [409, "1301", "PaymentAlreadyActive"],
    [409, "1306", "IdempotencyKeyReused"],
    [400, "1102", "PosBadRequest"],
    [403, "1400", "PosForbidden"],
    [404, "1004", "PosNotFound"],
  ] as const
  for (const [status, code, tag] of refusals) {
    it.scoped(`${status} ${code} is ${tag} after exactly one request`, () =>
      Effect.gen(function* () {
        const { client, received } = yield* setup(() =>
          TokenEndpoint.respond(status, { code, message: "no", correlationId: "corr-x" }),
        )
        const error = yield* Effect.flip(client.initiatePayment(initiate))
        expect(error).toMatchObject({
          _tag: tag,
          status,
          code,
          correlationId: "corr-x",
          operation: "InitiatePayment",
        })
        expect(yield* received).toHaveLength(1)
      }),
    )
  }

  it.scoped("an answer that does not decode is PosDecodeError", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(() => ok({ paymentId: "not-a-guid" }))
      const error = yield* Effect.flip(client.initiatePayment(initiate))
      expect(error).toMatchObject({ _tag: "PosDecodeError", path: "paymentId", status: 200 })
    }),
  )
})

describe("invalid input fails before anything is sent", () => {
  const cases: ReadonlyArray<
    readonly [
      string,
      string,
      (client: PosClient.PosClient.Service) => Effect.Effect<unknown, unknown>,
    ]
  > = [
    [
      "an order id over 36 characters",
      "orderId",
      (c) => c.initiatePayment({ ...initiate, orderId: "x".repeat(37) }),
    ],
    [
      "an invalid character",
      "orderId",
      (c) => c.initiatePayment({ ...initiate, orderId: "order\u0007" }),
    ],
    ["a negative amount", "amount", (c) => c.initiatePayment({ ...initiate, amount: -5 })],
    ["three decimals", "amount", (c) => c.capturePayment(paymentId, { amount: 1.234 })],
    [
      "a malformed VAT on the call",
      "merchantVat",
      (c) => c.getPos(posId, { merchantVat: "DK123" }),
    ],
    ["a payment id that is no GUID", "paymentId", (c) => c.queryPayment("123")],
    [
      "an idempotency key over 36 characters",
      "idempotencyKey",
      (c) => c.initiatePayment(initiate, { idempotencyKey: "k".repeat(37) }),
    ],
    ["a bad brand id filter", "merchantBrandId", (c) => c.getStores({ merchantBrandId: "XX" })],
  ]
  for (const [name, field, call] of cases) {
    it.scoped(`${name} is InvalidInput(${field}) and no request`, () =>
      Effect.gen(function* () {
        const { client, received, tokenRequests } = yield* setup(() => created)
        const error = yield* Effect.flip(call(client))
        expect(error).toMatchObject({ _tag: "InvalidInput", field })
        expect(yield* received).toHaveLength(0)
        expect(yield* tokenRequests).toHaveLength(0)
      }),
    )
  }
})
