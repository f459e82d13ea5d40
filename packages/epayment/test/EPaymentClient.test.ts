/**
 * Every ePayment operation against a scripted Vipps MobilePay on loopback (a real HTTP server
 * that records what it receives): the headers of §3, the paths and bodies, the idempotency key
 * made once per logical operation and sent with byte-identical bodies on every retry, what is
 * retried and how often, the 401 recovery, the deadlines (on the TestClock), and force approve
 * refused outside the test environment.
 */
import { RetryPolicy, VippsEnvironment } from "@effect-mobilepay/core"
import { EPaymentError } from "@effect-mobilepay/epayment"
import { Time, TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, TestClock } from "effect"
import {
  msn,
  paymentBody,
  problem,
  reference,
  setup,
  subscriptionKey,
  tokenValue,
} from "./support/ScriptedEPayment.js"

const push = {
  amount: { currency: "DKK", value: 1250 },
  paymentMethod: { type: "WALLET" },
  reference,
  userFlow: "PUSH_MESSAGE",
  customer: { phoneNumber: "4512345678" },
  customerInteraction: "CUSTOMER_PRESENT",
  paymentDescription: "Kvittering #42",
} as const

const ok = (body: unknown) => TokenEndpoint.respond(200, body)
const created = TokenEndpoint.respond(201, { reference })
const modified = ok(paymentBody("AUTHORIZED", 1250))
const noRetries = { retryPolicy: RetryPolicy.make({ retries: 0 }) }
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe("EPaymentClient: requests", () => {
  it.scoped("create sends every header of the API and the request as JSON", () =>
    Effect.gen(function* () {
      const { client, received, tokenRequests } = yield* setup(() => created)
      const answer = yield* client.create(push)
      expect(answer).toEqual({ reference })
      const [request] = yield* received
      expect(request?.method).toBe("POST")
      expect(request?.path).toBe("/epayment/v1/payments")
      expect(request?.headers).toMatchObject({
        authorization: `Bearer ${tokenValue(0)}`,
        "ocp-apim-subscription-key": subscriptionKey,
        "merchant-serial-number": msn,
        "content-type": "application/json",
        "vipps-system-name": "acme-pos",
        "vipps-system-version": "3.2.1",
        "vipps-system-plugin-name": "effect-mobilepay",
        "vipps-system-plugin-version": "0.2.0",
      })
      expect(request?.headers["idempotency-key"]).toMatch(uuid)
      expect(request?.headers["traceparent"]).toBeUndefined()
      expect(request?.headers["b3"]).toBeUndefined()
      expect(JSON.parse(request?.body ?? "")).toEqual(push)
      const [tokenRequest] = yield* tokenRequests
      expect(tokenRequest?.headers["merchant-serial-number"]).toBe(msn)
    }),
  )

  it.scoped("get and the event log: GETs with no key and no body, answers decoded", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup((request) =>
        request.path.endsWith("/events")
          ? ok([
              {
                reference,
                pspReference: "7686f7788898767977",
                name: "CREATED",
                amount: { currency: "DKK", value: 1250 },
                timestamp: "2023-03-27T10:51:44.5333258Z",
                idempotencyKey: "b2c8d0e6-8f0a-4f2b-9d3e-1a2b3c4d5e6f",
                success: true,
              },
            ])
          : ok(paymentBody("CREATED")),
      )
      const payment = yield* client.get(reference)
      expect(payment.state).toBe("CREATED")
      const events = yield* client.events(reference)
      expect(events.map((event) => event.name)).toEqual(["CREATED"])
      const requests = yield* received
      expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET /epayment/v1/payments/${reference}`,
        `GET /epayment/v1/payments/${reference}/events`,
      ])
      for (const request of requests) {
        expect(request.headers["idempotency-key"]).toBeUndefined()
        expect(request.body).toBe("")
        expect(request.headers["ocp-apim-subscription-key"]).toBe(subscriptionKey)
        expect(request.headers["merchant-serial-number"]).toBe(msn)
        expect(request.headers["vipps-system-name"]).toBe("acme-pos")
      }
    }),
  )

  it.scoped("capture, refund and cancel: paths, bodies and a key each", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup(() => modified)
      yield* client.capture(reference, { currency: "DKK", value: 1000 })
      yield* client.refund(reference, { currency: "DKK", value: 250 })
      yield* client.cancel(reference)
      const after = yield* client.cancel(reference, { cancelTransactionOnly: true })
      expect(after.aggregate.capturedAmount.value).toBe(1250)
      const requests = yield* received
      expect(requests.map((r) => `${r.method} ${r.path} ${r.body}`)).toEqual([
        `POST /epayment/v1/payments/${reference}/capture {"modificationAmount":{"currency":"DKK","value":1000}}`,
        `POST /epayment/v1/payments/${reference}/refund {"modificationAmount":{"currency":"DKK","value":250}}`,
        `POST /epayment/v1/payments/${reference}/cancel `,
        `POST /epayment/v1/payments/${reference}/cancel {"cancelTransactionOnly":true}`,
      ])
      const keys = requests.map((r) => r.headers["idempotency-key"])
      for (const key of keys) expect(key).toMatch(uuid)
      expect(new Set(keys).size).toBe(4)
    }),
  )

  it.scoped("the caller's idempotency key and sales unit are sent as given", () =>
    Effect.gen(function* () {
      const { client, received, tokenRequests } = yield* setup(() => modified)
      yield* client.capture(
        reference,
        { currency: "DKK", value: 1000 },
        { idempotencyKey: "order-42-capture-1", merchantSerialNumber: "7654321" },
      )
      const [request] = yield* received
      expect(request?.headers["idempotency-key"]).toBe("order-42-capture-1")
      expect(request?.headers["merchant-serial-number"]).toBe("7654321")
      expect((yield* tokenRequests)[0]?.headers["merchant-serial-number"]).toBe("7654321")
    }),
  )

  it.scoped("force approve: the test path, the customer, no idempotency key", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup(() => ok(""))
      yield* client.forceApprove(reference, { customer: { phoneNumber: "4512345678" } })
      const [request] = yield* received
      expect(request?.path).toBe(`/epayment/v1/test/payments/${reference}/approve`)
      expect(JSON.parse(request?.body ?? "")).toEqual({ customer: { phoneNumber: "4512345678" } })
      expect(request?.headers["idempotency-key"]).toBeUndefined()
    }),
  )

  it.scoped("force approve in production is refused before anything is sent", () =>
    Effect.gen(function* () {
      const { client, received, tokenRequests } = yield* setup(() => ok(""), {
        environment: VippsEnvironment.production,
      })
      const error = yield* Effect.flip(
        client.forceApprove(reference, { customer: { phoneNumber: "4512345678" } }),
      )
      expect(error._tag).toBe("ForceApproveNotAllowed")
      expect(yield* received).toHaveLength(0)
      expect(yield* tokenRequests).toHaveLength(0)
    }),
  )
})

describe("EPaymentClient: retries", () => {
  it.scoped("a create retried after a reset and a 503 sends the same key and the same bytes", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup((_, nth) =>
        nth === 0 ? { _tag: "Reset" } : nth === 1 ? problem(503) : created,
      )
      const fiber = yield* Effect.fork(client.create(push))
      // the backoff after the reset, then the one after the 503
      yield* Time.advanceToSleepAfter(yield* Time.arrival(received, 1), "10 seconds")
      yield* Time.advanceToSleepAfter(yield* Time.arrival(received, 2), "10 seconds")
      expect(yield* Fiber.join(fiber)).toEqual({ reference })
      const requests = yield* received
      expect(requests).toHaveLength(3)
      expect(new Set(requests.map((r) => r.headers["idempotency-key"])).size).toBe(1)
      expect(new Set(requests.map((r) => r.body)).size).toBe(1)
      // The next logical create gets a key of its own.
      yield* client.create({ ...push, reference: "till-1-order-42-2" })
      const next = (yield* received)[3]?.headers["idempotency-key"]
      expect(next).not.toBe(requests[0]?.headers["idempotency-key"])
    }),
  )

  it.scoped("a 429 is retried no sooner than its Retry-After", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup(
        (_, nth) =>
          nth === 0
            ? TokenEndpoint.respond(429, "", { "retry-after": "7" })
            : ok(paymentBody("CREATED")),
        // Longer than the wait, so that the only sleep within it is the wait.
        { readTimeout: "1 minute" },
      )
      const fiber = yield* Effect.fork(client.get(reference))
      const waited = yield* Time.advanceToSleepAfter(yield* Time.arrival(received, 1), "30 seconds")
      expect(yield* Fiber.join(fiber)).toMatchObject({ state: "CREATED" })
      expect(Duration.toMillis(waited)).toBeGreaterThanOrEqual(7000)
    }),
  )

  for (const [code, tag] of [
    ["6160", "PaymentBeingProcessed"],
    ["6280", "CaptureFailedTryLater"],
  ] as const) {
    it.scoped(`${code} is retried with the same key, then surfaces as ${tag}`, () =>
      Effect.gen(function* () {
        const { client, received } = yield* setup(() => problem(400, code))
        const fiber = yield* Effect.fork(
          Effect.flip(client.capture(reference, { currency: "DKK", value: 1000 })),
        )
        for (const seen of [1, 2]) {
          yield* Time.advanceToSleepAfter(yield* Time.arrival(received, seen), "10 seconds")
        }
        const error = yield* Fiber.join(fiber)
        expect(error._tag).toBe(tag)
        const requests = yield* received
        expect(requests).toHaveLength(3) // the default policy: 2 retries
        expect(new Set(requests.map((r) => r.headers["idempotency-key"])).size).toBe(1)
      }),
    )
  }

  it.scoped(
    "a modification makes at most 5 requests, whatever the policy (5 a minute per reference)",
    () =>
      Effect.gen(function* () {
        const { client, received, tokenRequests } = yield* setup(
          (_, nth) => (nth === 0 ? problem(401) : problem(503)),
          { retryPolicy: RetryPolicy.make({ retries: 5 }) },
        )
        const fiber = yield* Effect.fork(
          Effect.flip(client.refund(reference, { currency: "DKK", value: 100 })),
        )
        for (const seen of [2, 3, 4]) {
          yield* Time.advanceToSleepAfter(yield* Time.arrival(received, seen), "10 seconds")
        }
        const error = yield* Fiber.join(fiber)
        expect(error._tag).toBe("EPaymentServerError")
        expect(yield* received).toHaveLength(5)
        expect(yield* tokenRequests).toHaveLength(2)
      }),
  )

  it.scoped("a read may retry as often as the policy says", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup(() => problem(503), {
        retryPolicy: RetryPolicy.make({ retries: 5, maxDelay: "1 second" }),
      })
      const fiber = yield* Effect.fork(Effect.flip(client.get(reference)))
      for (const seen of [1, 2, 3, 4, 5]) {
        // The backoff (at most 1.2 s with jitter), not the attempt's 5 s deadline.
        yield* Time.advanceToSleepAfter(yield* Time.arrival(received, seen), "2 seconds")
      }
      expect((yield* Fiber.join(fiber))._tag).toBe("EPaymentServerError")
      expect(yield* received).toHaveLength(6)
    }),
  )

  it.scoped("a 401 gets one new token and one more try", () =>
    Effect.gen(function* () {
      const { client, received, tokenRequests } = yield* setup((_, nth) =>
        nth === 0 ? problem(401) : ok(paymentBody()),
      )
      yield* client.get(reference)
      const requests = yield* received
      expect(requests.map((r) => r.headers["authorization"])).toEqual([
        `Bearer ${tokenValue(0)}`,
        `Bearer ${tokenValue(1)}`,
      ])
      expect(yield* tokenRequests).toHaveLength(2)
    }),
  )

  it.scoped("a second 401 is EPaymentUnauthorized, with no third token", () =>
    Effect.gen(function* () {
      const { client, received, tokenRequests } = yield* setup(() => problem(401))
      const error = yield* Effect.flip(client.create(push))
      expect(error._tag).toBe("EPaymentUnauthorized")
      expect(yield* received).toHaveLength(2)
      expect(yield* tokenRequests).toHaveLength(2)
    }),
  )
})

describe("EPaymentClient: errors", () => {
  for (const Refused of EPaymentError.refusals) {
    if (EPaymentError.isTransient({ _tag: Refused._tag })) continue
    const code = Refused.codes[0] ?? ""
    it.scoped(
      `ErrorCode ${code} fails at once as ${Refused._tag}, with status, code, title and traceId`,
      () =>
        Effect.gen(function* () {
          const { client, received } = yield* setup(() =>
            problem(409, code, "Conflict of some kind"),
          )
          const call =
            Refused.operations === undefined
              ? client.capture(reference, { currency: "DKK", value: 1000 })
              : client.create(push)
          const error = yield* Effect.flip(call)
          expect(error).toBeInstanceOf(Refused)
          expect(error).toMatchObject({
            status: 409,
            code,
            title: "Conflict of some kind",
            traceId: `00-trace-409-${code}-01`,
          })
          expect(yield* received).toHaveLength(1)
        }),
    )
  }

  for (const [status, tag] of [
    [400, "EPaymentBadRequest"],
    [403, "EPaymentForbidden"],
    [404, "PaymentNotFound"],
    [409, "EPaymentConflict"],
  ] as const) {
    it.scoped(`HTTP ${status} without a code fails at once as ${tag}`, () =>
      Effect.gen(function* () {
        const { client, received } = yield* setup(() => problem(status))
        const error = yield* Effect.flip(client.get(reference))
        expect(error._tag).toBe(tag)
        expect(yield* received).toHaveLength(1)
      }),
    )
  }

  it.scoped("423 is retried, then surfaces as PaymentLocked", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(() => problem(423), noRetries)
      expect((yield* Effect.flip(client.cancel(reference)))._tag).toBe("PaymentLocked")
    }),
  )

  it.scoped("an answer larger than maxResponseBytes fails without being read whole", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(() => TokenEndpoint.endless('{"a":"'), {
        maxResponseBytes: 4096,
      })
      const error = yield* Effect.flip(client.get(reference))
      expect(error).toMatchObject({ _tag: "EPaymentResponseTooLarge", maxBytes: 4096 })
    }),
  )

  it.scoped("an answer nested deeper than JSON's bound is refused without being described", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(() => ok(`${"[".repeat(5000)}${"]".repeat(5000)}`))
      const error = yield* Effect.flip(client.get(reference))
      expect(error).toMatchObject({ _tag: "EPaymentDecodeError", path: "" })
    }),
  )

  it.scoped("an answer that does not decode names the field", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(() => ok({ ...paymentBody(), aggregate: 42 }))
      const error = yield* Effect.flip(client.get(reference))
      expect(error).toMatchObject({ _tag: "EPaymentDecodeError", path: "aggregate", status: 200 })
    }),
  )
})

describe("EPaymentClient: deadlines", () => {
  it.scoped("a get gives up after 5 seconds by default", () =>
    Effect.gen(function* () {
      const { client, nextArrival } = yield* setup(() => TokenEndpoint.hang, noRetries)
      const fiber = yield* Effect.fork(client.get(reference))
      yield* nextArrival // the token request
      yield* nextArrival // the get
      yield* TestClock.adjust("4999 millis")
      expect(yield* Fiber.poll(fiber)).toEqual(expect.objectContaining({ _tag: "None" }))
      yield* TestClock.adjust("1 millis")
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(exit)
      expect(error).toMatchObject({ _tag: "EPaymentTransportError", reason: "Timeout" })
    }),
  )

  it.scoped("a create gives up after 15 seconds by default; a call's own timeout wins", () =>
    Effect.gen(function* () {
      const { client, nextArrival } = yield* setup(() => TokenEndpoint.hang, noRetries)
      const fiber = yield* Effect.fork(Effect.flip(client.create(push)))
      yield* nextArrival
      yield* nextArrival
      yield* TestClock.adjust("14999 millis")
      expect((yield* Fiber.poll(fiber))._tag).toBe("None")
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(fiber)).toMatchObject({ reason: "Timeout" })
      const own = yield* Effect.fork(Effect.flip(client.create(push, { timeout: "2 seconds" })))
      yield* nextArrival
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(own)).toMatchObject({ reason: "Timeout" })
    }),
  )
})
