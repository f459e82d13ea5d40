import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, TestClock } from "effect"
import { Fault, Sandbox, SeedData } from "../src/index.js"
import { field, json } from "./support/Http.js"
import {
  expectProblem,
  platformCaller,
  requestAccessToken,
  tokenHeaders,
} from "./support/Platform.js"
import { eventually } from "./support/Receiver.js"

const { demoShopDk } = SeedData

const body = (reference: string) => ({
  amount: { currency: "DKK", value: 1000 },
  paymentMethod: { type: "WALLET" },
  reference,
  userFlow: "QR",
  customerInteraction: "CUSTOMER_PRESENT",
})

describe("fault injection on the platform's routes", () => {
  it.scoped("a reset after commit loses the create's answer; the retry with its key gets it", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const shop = yield* platformCaller(sandbox, demoShopDk)
      yield* sandbox.addFault({
        route: "POST /epayment/v1/payments",
        fault: Fault.Fault.ConnectionReset(),
        times: 1,
      })
      const lost = yield* Effect.either(
        shop.call("POST", "/epayment/v1/payments", {
          json: body("fault-0001"),
          idempotencyKey: "k1",
        }),
      )
      expect(lost._tag).toBe("Left")
      const retry = yield* shop.call("POST", "/epayment/v1/payments", {
        json: body("fault-0001"),
        idempotencyKey: "k1",
      })
      expect(retry.status).toBe(201)
      expect(field(retry, "reference")).toBe("fault-0001")
    }),
  )

  it.scoped("500 is an RFC 7807 problem (3010) and nothing is done; 401 is the gateway's", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const shop = yield* platformCaller(sandbox, demoShopDk)
      yield* sandbox.setFaults([
        {
          route: "POST /epayment/v1/payments",
          fault: Fault.Fault.ServerError({ code: "2000" }),
          times: 1,
        },
        {
          route: "GET /epayment/v1/payments/{reference}",
          fault: Fault.Fault.Unauthorized(),
          times: 1,
        },
        { route: "/accesstoken/get", fault: Fault.Fault.Unavailable(), times: 1 },
      ])
      expectProblem(
        yield* shop.call("POST", "/epayment/v1/payments", { json: body("fault-0002") }),
        500,
        "3010",
      )
      expectProblem(yield* shop.call("GET", "/epayment/v1/payments/fault-0002/events"), 404, "5090")
      yield* shop.call("POST", "/epayment/v1/payments", { json: body("fault-0002") })
      const unauthorized = yield* shop.call("GET", "/epayment/v1/payments/fault-0002")
      expect([unauthorized.status, field(unauthorized, "statusCode")]).toEqual([401, 401])
      expect((yield* requestAccessToken(sandbox, tokenHeaders(demoShopDk))).status).toBe(503)
      expect((yield* requestAccessToken(sandbox, tokenHeaders(demoShopDk))).status).toBe(200)
    }),
  )

  it.scoped("a cut-off body after the work is done, and latency on the Clock", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const shop = yield* platformCaller(sandbox, demoShopDk)
      yield* sandbox.setFaults([
        { route: "POST /epayment/v1/payments", fault: Fault.Fault.MalformedJson(), times: 1 },
        {
          route: "GET /epayment/v1/**",
          fault: Fault.Fault.Latency({ delay: Duration.seconds(5) }),
          times: 1,
        },
      ])
      const cut = yield* shop.call("POST", "/epayment/v1/payments", { json: body("fault-0003") })
      expect(cut.status).toBe(201)
      expect(() => json(cut)).toThrow()
      const slow = yield* Effect.fork(shop.call("GET", "/epayment/v1/payments/fault-0003"))
      yield* eventually(TestClock.sleeps(), (sleeps) => sleeps.length > 0)
      yield* TestClock.adjust(Duration.seconds(5))
      const reply = yield* Fiber.join(slow)
      expect(field(reply, "state")).toBe("CREATED")
    }),
  )
  it.scoped(
    "a lock is 423 with 6160 (capture, refund) or 6250 (cancel); the same key then works",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make()
        const shop = yield* platformCaller(sandbox, demoShopDk)
        yield* shop.call("POST", "/epayment/v1/payments", {
          json: {
            ...body("lock-0001"),
            userFlow: "PUSH_MESSAGE",
            customer: { phoneNumber: "4512345601" },
          },
        })
        const approved = yield* shop.call("POST", "/epayment/v1/test/payments/lock-0001/approve", {
          json: {},
          idempotencyKey: false,
        })
        expect(approved.status).toBe(200)
        yield* sandbox.setFaults([
          {
            route: "POST /epayment/v1/payments/{reference}/capture",
            fault: Fault.Fault.Locked(),
            times: 1,
          },
          {
            route: "POST /epayment/v1/payments/{reference}/cancel",
            fault: Fault.Fault.Locked(),
            times: 1,
          },
        ])
        const capture = (key: string) =>
          shop.call("POST", "/epayment/v1/payments/lock-0001/capture", {
            json: { modificationAmount: { currency: "DKK", value: 400 } },
            idempotencyKey: key,
          })
        expectProblem(yield* capture("capture-1"), 423, "6160")
        const retried = yield* capture("capture-1")
        expect(retried.status).toBe(200)
        expect(field(retried, "aggregate")).toMatchObject({ capturedAmount: { value: 400 } })
        const cancel = () =>
          shop.call("POST", "/epayment/v1/payments/lock-0001/cancel", {
            idempotencyKey: "cancel-1",
          })
        expectProblem(yield* cancel(), 423, "6250")
        const cancelled = yield* cancel()
        expect(cancelled.status).toBe(200)
        expect(field(cancelled, "aggregate")).toMatchObject({ cancelledAmount: { value: 600 } })
        expect(Fault.parseFaultRule("POST /epayment/v1/payments/*/refund=423x1")).toEqual({
          route: "POST /epayment/v1/payments/*/refund",
          fault: Fault.Fault.Locked(),
          times: 1,
        })
      }),
  )
})
