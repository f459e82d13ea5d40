import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, TestClock } from "effect"
import { Fault, Sandbox, SeedData } from "../src/index.js"
import { createPos, expectError } from "./support/Flows.js"
import { field, json, posClient } from "./support/Http.js"

const { integratorA } = SeedData
const certVat = "DK90000028"

describe("fault injection", () => {
  it.scoped(
    "a connection reset loses the answer, not the create: the retry gets the same payment",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make()
        const pos = yield* posClient(sandbox, integratorA, certVat)
        const { posId } = yield* createPos(pos)
        yield* sandbox.addFault({
          route: "POST /pos/v10/payments",
          fault: Fault.Fault.ConnectionReset(),
          times: 1,
        })
        const body = {
          posId,
          orderId: "o",
          amount: 10,
          currencyCode: "DKK",
          plannedCaptureDelay: "None",
        }
        const lost = yield* Effect.either(
          pos.call("POST", "/payments", { json: body, idempotencyKey: "once" }),
        )
        expect(lost._tag === "Left" && lost.left._tag).toBe("TransportError")
        expect(yield* sandbox.payments).toHaveLength(1)
        const retry = yield* pos.call("POST", "/payments", { json: body, idempotencyKey: "once" })
        expect(retry.status).toBe(200)
        const payments = yield* sandbox.payments
        expect(payments.map((p) => p.paymentId)).toEqual([field(retry, "paymentId")])
      }),
  )

  it.scoped("500 with a 2xxx code, 503 and 401 refuse without processing", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      const create = () => createPos(pos)
      yield* sandbox.setFaults([
        {
          route: "POST /pos/v10/pointofsales",
          fault: Fault.Fault.ServerError({ code: "2042" }),
          times: 1,
        },
      ])
      const serverError = yield* pos.call("POST", "/pointofsales", {
        json: { merchantPosId: "a", storeId: "x", name: "x", supportedBeaconTypes: [] },
        contract: false,
      })
      expectError(serverError, 500, "2042")
      yield* sandbox.setFaults([
        { route: "/pos/v10/**", fault: Fault.Fault.Unavailable(), times: 1 },
      ])
      const unavailable = yield* pos.call("GET", "/stores", { contract: false })
      expect(unavailable.status).toBe(503)
      yield* sandbox.setFaults([
        { route: "GET /pos/v10/stores", fault: Fault.Fault.Unauthorized() },
      ])
      const unauthorized = yield* pos.call("GET", "/stores")
      expect(unauthorized.status).toBe(401)
      expect(unauthorized.text).toBe("")
      yield* sandbox.clearFaults
      expect((yield* pos.call("GET", "/stores")).status).toBe(200)
      yield* create()
      expect(yield* sandbox.pointsOfSale).toHaveLength(1)
    }),
  )

  it.scoped("malformed JSON: the request is processed, the body is cut off", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      yield* sandbox.addFault({
        route: "POST /pos/v10/pointofsales",
        fault: Fault.Fault.MalformedJson(),
      })
      const reply = yield* pos.call("POST", "/pointofsales", {
        json: {
          merchantPosId: "a",
          storeId: SeedData.selfCertificationMerchant.stores[0]?.storeId,
          name: "x",
          supportedBeaconTypes: ["QR"],
        },
        contract: false,
      })
      expect(reply.status).toBe(200)
      expect(reply.headers["content-type"]).toContain("application/json")
      expect(() => JSON.parse(reply.text)).toThrow()
      expect(yield* sandbox.pointsOfSale).toHaveLength(1)
    }),
  )

  it.scoped("malformed JSON cuts only 2xx answers: a refusal keeps its readable body", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      yield* sandbox.addFault({
        route: "POST /pos/v10/pointofsales",
        fault: Fault.Fault.MalformedJson(),
      })
      const refused = yield* pos.call("POST", "/pointofsales", {
        json: { merchantPosId: "a", storeId: "not-a-store", name: "x", supportedBeaconTypes: [] },
      })
      expect(refused.status).toBe(400)
      expect(json(refused)).toMatchObject({ code: expect.any(String) })
      expect(yield* sandbox.pointsOfSale).toHaveLength(0)
    }),
  )

  it.scoped("latency is on the Clock: the answer comes once TestClock passes the delay", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({
        faults: [
          {
            route: "GET /pos/v10/stores/{storeId}",
            fault: Fault.Fault.Latency({ delay: Duration.seconds(3) }),
          },
        ],
      })
      const pos = yield* posClient(sandbox, integratorA, certVat)
      const storeId = SeedData.selfCertificationMerchant.stores[0]?.storeId ?? ""
      const fiber = yield* Effect.fork(pos.call("GET", `/stores/${storeId}`))
      // Wait (in real time, without sleeping) until the handler is asleep on the TestClock.
      yield* Effect.repeat(
        Effect.zipRight(
          Effect.promise(() => new Promise((resolve) => setImmediate(resolve))),
          TestClock.sleeps(),
        ),
        { until: (sleeps) => Chunk.size(sleeps) > 0 },
      )
      expect(Chunk.toReadonlyArray(yield* TestClock.sleeps())).toEqual([3000])
      yield* TestClock.adjust(Duration.seconds(3))
      expect((yield* Fiber.join(fiber)).status).toBe(200)
    }),
  )

  it.scoped("the same seed gives the same faults; another seed others", () =>
    Effect.gen(function* () {
      const run = (seed: string) =>
        Effect.gen(function* () {
          const sandbox = yield* Sandbox.make({
            seed,
            faults: [
              { route: "GET /pos/v10/stores", fault: Fault.Fault.Unavailable(), probability: 0.5 },
            ],
          })
          const pos = yield* posClient(sandbox, integratorA, certVat)
          const statuses: Array<number> = []
          for (let i = 0; i < 24; i++) {
            statuses.push((yield* pos.call("GET", "/stores", { contract: false })).status)
          }
          return statuses
        })
      const first = yield* run("seed-1")
      expect(first).toContain(503)
      expect(first).toContain(200)
      expect(yield* run("seed-1")).toEqual(first)
      expect(yield* run("seed-2")).not.toEqual(first)
    }),
  )

  it("parses the CLI form of a rule", () => {
    expect(Fault.parseFaultRule("POST /pos/v10/payments=reset@0.25x2")).toEqual({
      route: "POST /pos/v10/payments",
      fault: Fault.Fault.ConnectionReset(),
      probability: 0.25,
      times: 2,
    })
    expect(Fault.parseFaultRule("/pos/v10/**=500:2500")).toEqual({
      route: "/pos/v10/**",
      fault: Fault.Fault.ServerError({ code: "2500" }),
    })
    expect(Fault.parseFaultRule("/x=latency:300")?.fault).toEqual(
      Fault.Fault.Latency({ delay: Duration.millis(300) }),
    )
    expect(Fault.parseFaultRule("/x=explode")).toBeUndefined()
    expect(Fault.parseFaultRule("/x=503@2")).toBeUndefined()
  })
})

describe("request log", () => {
  it.scoped("records each request with its headers and body as received", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      yield* pos.call("GET", "/stores?merchantBrandId=MPPOSCERT1", {
        headers: { "X-Custom-Header": "Value" },
      })
      const log = yield* sandbox.requests
      expect(log.map((r) => `${r.method} ${r.path}`)).toEqual([
        "POST /integrator-authentication/connect/token",
        "GET /pos/v10/stores",
      ])
      const [token, stores] = log
      expect(token?.body).toBe("grant_type=client_credentials")
      expect(token?.headers["x-ibm-client-id"]).toBe(integratorA.clientId)
      expect(stores?.query).toEqual({ merchantBrandId: "MPPOSCERT1" })
      expect(stores?.headers).toMatchObject({
        authorization: `Bearer ${pos.token}`,
        "x-mobilepay-client-system-version": "1.0.0",
        "x-mobilepay-merchant-vat-number": certVat,
        "x-custom-header": "Value",
      })
      // The raw lines keep names as sent, and one line per header sent.
      expect(stores?.rawHeaders).toContainEqual(["X-Custom-Header", "Value"])
      yield* sandbox.clearRequests
      expect(yield* sandbox.requests).toEqual([])
    }),
  )

  it.scoped("keeps only the newest requests beyond its limit", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ requestLogLimit: 2 })
      const pos = yield* posClient(sandbox, integratorA, certVat)
      yield* pos.call("GET", "/stores?n=1")
      yield* pos.call("GET", "/stores?n=2")
      expect((yield* sandbox.requests).map((r) => r.query)).toEqual([{ n: "1" }, { n: "2" }])
    }),
  )
})
