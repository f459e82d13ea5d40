/**
 * What the client does when the platform misbehaves, against the sandbox's fault injection:
 * a create whose answer is lost (the connection reset, or the JSON cut off) after the platform
 * committed it is retried with the same Idempotency-Key and body and leaves exactly one
 * payment; a 401 gets one new token.
 */
import type { Payment } from "@effect-mobilepay/epayment"
import { Fault } from "@effect-mobilepay/sandbox"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Effect, Fiber, Option, TestClock } from "effect"
import { anna, start } from "../support/Sandboxed.js"

const create = (reference: string): Payment.CreatePaymentRequest.Encoded => ({
  amount: { currency: "DKK", value: 9900 },
  paymentMethod: { type: "WALLET" },
  reference,
  userFlow: "PUSH_MESSAGE",
  customer: { phoneNumber: anna.phoneNumber },
  customerInteraction: "CUSTOMER_PRESENT",
})

// Lets each retry's backoff pass on the TestClock once it is scheduled (a sleep of at most
// 5 s: the attempt's 15 s deadline is not one), until the call is done.
const withRetries = <A, E>(call: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(call)
    for (;;) {
      const exit = yield* Fiber.poll(fiber)
      if (Option.isSome(exit)) return yield* exit.value
      const now = yield* Clock.currentTimeMillis
      const backoff = Chunk.findFirst(
        yield* TestClock.sleeps(),
        (wake) => wake > now && wake <= now + 5000,
      )
      if (Option.isSome(backoff)) yield* TestClock.setTime(backoff.value)
      else yield* Time.eventLoopTurn
    }
  })

describe("EPaymentClient against a misbehaving sandbox", () => {
  it.scoped("a create whose connection is reset after commit is retried: one payment", () =>
    Effect.gen(function* () {
      const { client, customer, ePaymentRequests } = yield* start({
        sandbox: {
          faults: [
            { route: "POST /epayment/v1/payments", fault: Fault.Fault.ConnectionReset(), times: 1 },
          ],
        },
      })
      const created = yield* withRetries(client.create(create("lost-reset-01")))
      expect(created.reference).toBe("lost-reset-01")
      const creates = (yield* ePaymentRequests).filter((request) => request.method === "POST")
      expect(creates).toHaveLength(2)
      expect(creates[0]?.fault).toBeDefined()
      // The same logical operation: the same key and byte-identical body.
      expect(creates[1]?.headers["idempotency-key"]).toBe(creates[0]?.headers["idempotency-key"])
      expect(creates[1]?.body).toBe(creates[0]?.body)
      // One payment: one request in the app, one CREATED event.
      expect((yield* customer.requests(anna.phoneNumber)).body).toHaveLength(1)
      const events = yield* client.events("lost-reset-01")
      expect(events.map((event) => event.name)).toEqual(["CREATED"])
    }),
  )

  it.scoped("a create answered with cut-off JSON after commit is retried: one payment", () =>
    Effect.gen(function* () {
      const { client, customer, ePaymentRequests } = yield* start({
        sandbox: {
          faults: [
            { route: "POST /epayment/v1/payments", fault: Fault.Fault.MalformedJson(), times: 1 },
          ],
        },
      })
      // The platform made the payment and its answer was cut off: the same key and bytes
      // again return that payment, so the caller gets it rather than an error.
      const created = yield* withRetries(client.create(create("lost-json-01")))
      expect(created.reference).toBe("lost-json-01")
      const creates = (yield* ePaymentRequests).filter((request) => request.method === "POST")
      expect(creates).toHaveLength(2)
      expect(creates[0]?.fault).toBeDefined()
      expect(creates[1]?.headers["idempotency-key"]).toBe(creates[0]?.headers["idempotency-key"])
      expect(creates[1]?.body).toBe(creates[0]?.body)
      expect((yield* customer.requests(anna.phoneNumber)).body).toHaveLength(1)
      const events = yield* client.events("lost-json-01")
      expect(events.map((event) => event.name)).toEqual(["CREATED"])
    }),
  )

  it.scoped("a caller's own key makes a retry after a restart the same create", () =>
    Effect.gen(function* () {
      const { client, customer } = yield* start()
      const first = yield* client.create(create("restart-0001"), { idempotencyKey: "order-7-c1" })
      // The till restarts and, not knowing whether the create went through, sends it again.
      const again = yield* client.create(create("restart-0001"), { idempotencyKey: "order-7-c1" })
      expect(again).toEqual(first)
      expect((yield* customer.requests(anna.phoneNumber)).body).toHaveLength(1)
      // The same key with another body is a conflict, typed.
      const other = yield* Effect.flip(
        client.create(
          { ...create("restart-0001"), paymentDescription: "changed" },
          {
            idempotencyKey: "order-7-c1",
          },
        ),
      )
      expect(other._tag).toBe("IdempotencyKeyConflict")
    }),
  )

  it.scoped("a 401 gets one new token and one more try", () =>
    Effect.gen(function* () {
      const { client, tokenRequests, ePaymentRequests } = yield* start({
        sandbox: {
          faults: [
            {
              route: "GET /epayment/v1/payments/{reference}",
              fault: Fault.Fault.Unauthorized(),
              times: 1,
            },
          ],
        },
      })
      yield* client.create(create("auth-0001"))
      const payment = yield* client.get("auth-0001")
      expect(payment.state).toBe("CREATED")
      expect(yield* tokenRequests).toHaveLength(2)
      const gets = (yield* ePaymentRequests).filter((request) => request.method === "GET")
      expect(gets).toHaveLength(2)
      expect(gets[1]?.headers["authorization"]).not.toBe(gets[0]?.headers["authorization"])
    }),
  )

  it.scoped("a second 401 in a row is the caller's, typed, after one new token only", () =>
    Effect.gen(function* () {
      const { client, tokenRequests } = yield* start({
        sandbox: {
          faults: [
            {
              route: "GET /epayment/v1/payments/{reference}",
              fault: Fault.Fault.Unauthorized(),
              times: 2,
            },
          ],
        },
      })
      yield* client.create(create("auth-0002"))
      const error = yield* Effect.flip(client.get("auth-0002"))
      expect(error).toMatchObject({ _tag: "EPaymentUnauthorized", status: 401 })
      expect(yield* tokenRequests).toHaveLength(2)
    }),
  )
})
