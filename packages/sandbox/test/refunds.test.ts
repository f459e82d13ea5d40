import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import {
  capturedPayment,
  certStoreId,
  createPos,
  expectError,
  initiate,
  reservedPayment,
  type PosCaller,
} from "./support/Flows.js"
import { field, json, posClient } from "./support/Http.js"

const { integratorA, integratorB } = SeedData
const certVat = "DK90000028"

const setup = Effect.gen(function* () {
  const sandbox = yield* Sandbox.make({ tokenLifetime: Duration.days(400) })
  const pos = yield* posClient(sandbox, integratorA, certVat)
  return { sandbox, pos }
})

const refund = (
  pos: PosCaller,
  paymentId: string,
  amount: number,
  overrides: Record<string, unknown> = {},
) =>
  pos.call("POST", "/refunds", {
    json: { paymentId, refundOrderId: "refund-1", amount, currencyCode: "DKK", ...overrides },
  })

const refundStatus = (pos: PosCaller, refundId: string) =>
  Effect.map(pos.call("GET", `/refunds/${refundId}`), (reply) => field(reply, "status"))

describe("refunds", () => {
  it.scoped("a refund of a captured payment is Reserved, then Captured", () =>
    Effect.gen(function* () {
      const { sandbox, pos } = yield* setup
      const { paymentId } = yield* capturedPayment(sandbox, pos)
      const created = yield* refund(pos, paymentId, 40)
      expect(created.status).toBe(200)
      const refundId = String(field(created, "refundId"))
      expect(json(yield* pos.call("GET", `/refunds/${refundId}`))).toEqual({
        refundId,
        paymentId,
        refundOrderId: "refund-1",
        amount: 40,
        currencyCode: "DKK",
        status: "Reserved",
        pollDelayInMs: 1000,
      })
      expect((yield* pos.call("POST", `/refunds/${refundId}/capture`)).status).toBe(200)
      expect(yield* refundStatus(pos, refundId)).toBe("Captured")
      expect((yield* pos.call("POST", `/refunds/${refundId}/capture`)).status).toBe(200)
      expectError(yield* pos.call("POST", `/refunds/${refundId}/cancel`), 409, "1352")
      expect(field(yield* pos.call("GET", `/refunds?paymentId=${paymentId}`), "refundIds")).toEqual(
        [refundId],
      )
      expect((yield* sandbox.refunds).map((r) => r.status)).toEqual(["Captured"])
    }),
  )

  it.scoped("a cancelled refund cannot be captured (1351), and gives its amount back", () =>
    Effect.gen(function* () {
      const { sandbox, pos } = yield* setup
      const { paymentId } = yield* capturedPayment(sandbox, pos)
      const refundId = String(field(yield* refund(pos, paymentId, 100), "refundId"))
      expectError(yield* refund(pos, paymentId, 0.01, { refundOrderId: "r2" }), 409, "1367")
      expect((yield* pos.call("POST", `/refunds/${refundId}/cancel`)).status).toBe(200)
      expect((yield* pos.call("POST", `/refunds/${refundId}/cancel`)).status).toBe(200)
      expect(yield* refundStatus(pos, refundId)).toBe("CancelledByClient")
      expectError(yield* pos.call("POST", `/refunds/${refundId}/capture`), 409, "1351")
      expect((yield* refund(pos, paymentId, 100, { refundOrderId: "r3" })).status).toBe(200)
    }),
  )

  it.scoped("a reserved refund is captured automatically after 24 h (ExpiredAndCaptured)", () =>
    Effect.gen(function* () {
      const { sandbox, pos } = yield* setup
      const { paymentId } = yield* capturedPayment(sandbox, pos)
      const refundId = String(field(yield* refund(pos, paymentId, 10), "refundId"))
      yield* TestClock.adjust(Duration.subtract(Duration.hours(24), Duration.millis(1)))
      expect(yield* refundStatus(pos, refundId)).toBe("Reserved")
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* refundStatus(pos, refundId)).toBe("ExpiredAndCaptured")
      expect((yield* pos.call("POST", `/refunds/${refundId}/capture`)).status).toBe(200)
      expectError(yield* pos.call("POST", `/refunds/${refundId}/cancel`), 409, "1352")
    }),
  )

  it.scoped(
    "refuses refunds of unknown (1001), uncaptured (1354), other-currency (1365), too old (1366) payments",
    () =>
      Effect.gen(function* () {
        const { sandbox, pos } = yield* setup
        expectError(yield* refund(pos, "00000000-0000-4000-8000-000000000000", 1), 409, "1001")
        const reserved = yield* reservedPayment(sandbox, pos)
        expectError(yield* refund(pos, reserved.paymentId, 1), 409, "1354")
        const { paymentId } = yield* capturedPayment(sandbox, pos)
        expectError(yield* refund(pos, paymentId, 1, { currencyCode: "EUR" }), 409, "1365")
        expectError(yield* refund(pos, paymentId, 100.01), 409, "1367")
        yield* TestClock.adjust(Duration.sum(Duration.days(90), Duration.millis(1)))
        expectError(yield* refund(pos, paymentId, 1), 409, "1366")
      }),
  )

  it.scoped("refuses a refund the store balance cannot cover (1368)", () =>
    Effect.gen(function* () {
      const { sandbox, pos } = yield* setup
      const { paymentId } = yield* capturedPayment(sandbox, pos)
      yield* sandbox.setStoreBalance(certStoreId, 30)
      expect((yield* refund(pos, paymentId, 20)).status).toBe(200)
      expectError(yield* refund(pos, paymentId, 20, { refundOrderId: "r2" }), 409, "1368")
      yield* sandbox.setStoreBalance(certStoreId, undefined)
      expect((yield* refund(pos, paymentId, 20, { refundOrderId: "r2" })).status).toBe(200)
    }),
  )

  it.scoped("validates amounts and refund order ids; 1110 without a filter", () =>
    Effect.gen(function* () {
      const { sandbox, pos } = yield* setup
      const { paymentId } = yield* capturedPayment(sandbox, pos)
      expectError(yield* refund(pos, paymentId, -5), 400, "1102")
      expectError(yield* refund(pos, paymentId, 5, { refundOrderId: "" }), 400, "1114")
      expectError(yield* refund(pos, "abc", 5), 400, "1099")
      const noFilter = yield* pos.call("GET", "/refunds")
      expectError(noFilter, 400, "1110")
      // Refund errors use ErrorResponseV2, with an origin.
      expect(field(noFilter, "origin")).toBe("PoS")
    }),
  )

  it.scoped("refunds of another integrator answer 403 (1401 on create, 1402 after)", () =>
    Effect.gen(function* () {
      const { sandbox, pos } = yield* setup
      const { paymentId } = yield* capturedPayment(sandbox, pos)
      const refundId = String(field(yield* refund(pos, paymentId, 5), "refundId"))
      const b = yield* posClient(sandbox, integratorB, certVat)
      expectError(yield* refund(b, paymentId, 5), 403, "1401")
      expectError(yield* b.call("GET", `/refunds/${refundId}`), 403, "1402")
      expectError(yield* b.call("POST", `/refunds/${refundId}/capture`), 403, "1402")
      expectError(yield* b.call("POST", `/refunds/${refundId}/cancel`), 403, "1402")
      expect(field(yield* b.call("GET", `/refunds?paymentId=${paymentId}`), "refundIds")).toEqual(
        [],
      )
      expect((yield* pos.call("GET", "/refunds/00000000-0000-4000-8000-000000000000")).status).toBe(
        404,
      )
    }),
  )
})

describe("idempotency keys", () => {
  it.scoped(
    "a retried create with the same key answers the same resource, and makes no second one",
    () =>
      Effect.gen(function* () {
        const { sandbox, pos } = yield* setup
        const body = {
          merchantPosId: "till",
          storeId: certStoreId,
          name: "Till",
          supportedBeaconTypes: ["QR"],
        }
        const first = yield* pos.call("POST", "/pointofsales", {
          json: body,
          idempotencyKey: "key-1",
        })
        const retry = yield* pos.call("POST", "/pointofsales", {
          json: body,
          idempotencyKey: "key-1",
        })
        expect(retry.status).toBe(200)
        expect(field(retry, "posId")).toBe(field(first, "posId"))
        expect(yield* sandbox.pointsOfSale).toHaveLength(1)
        const posId = String(field(first, "posId"))
        const payment = {
          posId,
          orderId: "o",
          amount: 1,
          currencyCode: "DKK",
          plannedCaptureDelay: "None",
        }
        const p1 = yield* pos.call("POST", "/payments", { json: payment, idempotencyKey: "key-2" })
        const p2 = yield* pos.call("POST", "/payments", { json: payment, idempotencyKey: "key-2" })
        expect(field(p2, "paymentId")).toBe(field(p1, "paymentId"))
        expect(yield* sandbox.payments).toHaveLength(1)
      }),
  )

  it.scoped("the same key with another request is 409 1306", () =>
    Effect.gen(function* () {
      const { pos } = yield* setup
      const { posId } = yield* createPos(pos)
      const payment = {
        posId,
        orderId: "o",
        amount: 1,
        currencyCode: "DKK",
        plannedCaptureDelay: "None",
      }
      yield* pos.call("POST", "/payments", { json: payment, idempotencyKey: "k" })
      expectError(
        yield* pos.call("POST", "/payments", {
          json: { ...payment, amount: 2 },
          idempotencyKey: "k",
        }),
        409,
        "1306",
      )
      expectError(
        yield* pos.call("POST", "/payments/prepare", {
          json: { posId, orderId: "o" },
          idempotencyKey: "k",
        }),
        409,
        "1306",
      )
    }),
  )

  it.scoped("keys are kept 24 hours", () =>
    Effect.gen(function* () {
      const { sandbox, pos } = yield* setup
      const body = {
        merchantPosId: "till",
        storeId: certStoreId,
        name: "Till",
        supportedBeaconTypes: ["QR"],
      }
      const first = yield* pos.call("POST", "/pointofsales", { json: body, idempotencyKey: "day" })
      yield* TestClock.adjust(Duration.subtract(Duration.hours(24), Duration.millis(1)))
      const within = yield* pos.call("POST", "/pointofsales", { json: body, idempotencyKey: "day" })
      expect(field(within, "posId")).toBe(field(first, "posId"))
      yield* TestClock.adjust(Duration.millis(1))
      // Forgotten: the retry is a new create, which now collides on merchantPosId.
      expectError(
        yield* pos.call("POST", "/pointofsales", { json: body, idempotencyKey: "day" }),
        409,
        "1200",
      )
      expect(yield* sandbox.pointsOfSale).toHaveLength(1)
    }),
  )

  it.scoped("a missing (1164), duplicated (1163) or invalid (1162) key is refused", () =>
    Effect.gen(function* () {
      const { pos } = yield* setup
      const { posId } = yield* createPos(pos)
      const noKey = yield* pos.call("POST", "/payments/prepare", {
        json: { posId, orderId: "o" },
        headers: { "x-mobilepay-idempotency-key": "" },
      })
      expectError(noKey, 400, "1164")
      const duplicated = yield* pos.call("POST", "/payments/prepare", {
        json: { posId, orderId: "o" },
        headers: { "x-mobilepay-idempotency-key": "a, b" },
      })
      expectError(duplicated, 400, "1163")
      expectError(
        yield* pos.call("POST", "/payments/prepare", {
          json: { posId, orderId: "o" },
          idempotencyKey: "k".repeat(37),
        }),
        400,
        "1162",
      )
      // None of them started a payment.
      expect((yield* initiate(pos, posId)).status).toBe(200)
    }),
  )
})
