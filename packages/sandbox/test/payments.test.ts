import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import {
  createPos,
  expectError,
  initiate,
  reservedPayment,
  statusOf,
  type PosCaller,
} from "./support/Flows.js"
import { field, json, posClient, userSimulation, type Reply } from "./support/Http.js"

const { integratorA, integratorB } = SeedData
const certVat = "DK90000028"

// Tokens outlive the week-long tests on the TestClock.
const setup = Effect.gen(function* () {
  const sandbox = yield* Sandbox.make({ tokenLifetime: Duration.days(30) })
  const pos = yield* posClient(sandbox, integratorA, certVat)
  const { posId, beaconId } = yield* createPos(pos)
  return { sandbox, pos, posId, beaconId }
})

const paymentIdOf = (reply: Reply) => String(field(reply, "paymentId"))

const capture = (pos: PosCaller, paymentId: string, amount: number) =>
  pos.call("POST", `/payments/${paymentId}/capture`, { json: { amount } })

describe("initiated payments", () => {
  it.scoped("Initiated → (check-in) IssuedToUser → (accept) Reserved → (capture) Captured", () =>
    Effect.gen(function* () {
      const { sandbox, pos, posId, beaconId } = yield* setup
      const started = yield* initiate(pos, posId, {
        amount: 12.5,
        merchantPaymentLabel: "label",
        restrictions: { debitCardDisallowed: false, creditCardDisallowed: null },
      })
      expect(started.status).toBe(200)
      const paymentId = paymentIdOf(started)
      const initiated = yield* pos.call("GET", `/payments/${paymentId}`)
      expect(json(initiated)).toMatchObject({
        paymentId,
        posId,
        orderId: "order-1",
        amount: 12.5,
        currencyCode: "DKK",
        merchantPaymentLabel: "label",
        plannedCaptureDelay: "None",
        status: "Initiated",
        pollDelayInMs: 1000,
      })
      expect(field(initiated, "partialCapturePossible")).toBeUndefined()
      yield* userSimulation(sandbox, "checkin", { beaconId, phoneNumber: "+4520031804" })
      expect(yield* statusOf(pos, paymentId)).toBe("IssuedToUser")
      yield* userSimulation(sandbox, "acceptpayment", { beaconId, phoneNumber: "+4520031804" })
      const reserved = yield* pos.call("GET", `/payments/${paymentId}`)
      expect(json(reserved)).toMatchObject({
        status: "Reserved",
        partialCapturePossible: false,
        loyaltyIds: ["123456"],
      })
      expect(String(field(reserved, "paymentExpiresAt"))).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/,
      )
      expect((yield* capture(pos, paymentId, 12.5)).status).toBe(200)
      expect(yield* statusOf(pos, paymentId)).toBe("Captured")
      // Capturing again with the same amount is a success; with another, 1307.
      expect((yield* capture(pos, paymentId, 12.5)).status).toBe(200)
      expectError(yield* capture(pos, paymentId, 10), 409, "1307")
      const payments = yield* sandbox.payments
      expect(payments.map((p) => [p.paymentId, p.status, p.capturedAmount])).toEqual([
        [paymentId, "Captured", 12.5],
      ])
    }),
  )

  it.scoped("a user already checked in gets the payment at once (IssuedToUser)", () =>
    Effect.gen(function* () {
      const { sandbox, pos, posId, beaconId } = yield* setup
      yield* userSimulation(sandbox, "checkin", { beaconId, phoneNumber: "+4520031801" })
      const paymentId = paymentIdOf(yield* initiate(pos, posId))
      expect(yield* statusOf(pos, paymentId)).toBe("IssuedToUser")
    }),
  )

  it.scoped(
    "an active payment blocks a new one on the same point of sale (1301) until cancelled",
    () =>
      Effect.gen(function* () {
        const { pos, posId } = yield* setup
        const first = paymentIdOf(yield* initiate(pos, posId))
        expectError(yield* initiate(pos, posId, { orderId: "order-2" }), 409, "1301")
        const active = yield* pos.call("GET", `/payments?posId=${posId}`)
        expect(field(active, "paymentIds")).toEqual([first])
        expect((yield* pos.call("POST", `/payments/${first}/cancel`)).status).toBe(200)
        expect(yield* statusOf(pos, first)).toBe("CancelledByClient")
        expect((yield* initiate(pos, posId, { orderId: "order-2" })).status).toBe(200)
      }),
  )

  it.scoped("starting a payment on an unknown, deleted or foreign point of sale is refused", () =>
    Effect.gen(function* () {
      const { sandbox, pos, posId } = yield* setup
      expectError(yield* initiate(pos, "00000000-0000-4000-8000-000000000000"), 409, "1000")
      const b = yield* posClient(sandbox, integratorB, certVat)
      expectError(yield* initiate(b, posId), 403, "1400")
      yield* pos.call("DELETE", `/pointofsales/${posId}`)
      expectError(yield* initiate(pos, posId), 409, "1000")
    }),
  )

  it.scoped("a store deactivated after the point of sale was made refuses payments (1204)", () =>
    Effect.gen(function* () {
      const { sandbox, pos, posId } = yield* setup
      yield* sandbox.setStoreActivated(
        SeedData.selfCertificationMerchant.stores[0]?.storeId ?? "",
        false,
      )
      expectError(yield* initiate(pos, posId), 409, "1204")
      expectError(
        yield* pos.call("POST", "/payments/prepare", { json: { posId, orderId: "o" } }),
        409,
        "1204",
      )
    }),
  )

  it.scoped("validates amounts, order ids and labels", () =>
    Effect.gen(function* () {
      const { pos, posId } = yield* setup
      for (const amount of [0, -1, 1.234, "12"]) {
        expectError(yield* initiate(pos, posId, { amount }), 400, "1102")
      }
      expectError(yield* initiate(pos, posId, { orderId: "o".repeat(37) }), 400, "1113")
      expectError(yield* initiate(pos, posId, { merchantPaymentLabel: "☃" }), 400, "1117")
      expectError(yield* initiate(pos, posId, { currencyCode: "SEK" }), 400, "1099")
      expectError(yield* initiate(pos, posId, { plannedCaptureDelay: "Later" }), 400, "1099")
      expectError(yield* initiate(pos, posId, { posId: "pos-1" }), 400, "1099")
      expect((yield* initiate(pos, posId, { amount: 0.29 })).status).toBe(200)
    }),
  )
})

describe("prepared payments", () => {
  it.scoped("Prepared → (check-in) Paired → (ready) IssuedToUser → Reserved", () =>
    Effect.gen(function* () {
      const { sandbox, pos, posId, beaconId } = yield* setup
      const prepared = yield* pos.call("POST", "/payments/prepare", {
        json: { posId, orderId: "o-1" },
      })
      const paymentId = paymentIdOf(prepared)
      expect(json(yield* pos.call("GET", `/payments/${paymentId}`))).toMatchObject({
        status: "Prepared",
        amount: null,
        currencyCode: null,
      })
      yield* userSimulation(sandbox, "checkin", { beaconId, phoneNumber: "+4520031802" })
      expect(yield* statusOf(pos, paymentId)).toBe("Paired")
      const ready = yield* pos.call("POST", `/payments/${paymentId}/ready`, {
        json: { amount: 20, currencyCode: "DKK", plannedCaptureDelay: "LessThan24Hours" },
      })
      expect(ready.status).toBe(200)
      expect(yield* statusOf(pos, paymentId)).toBe("IssuedToUser")
      expectError(
        yield* pos.call("POST", `/payments/${paymentId}/ready`, {
          json: { amount: 20, currencyCode: "DKK", plannedCaptureDelay: "None" },
        }),
        409,
        "1303",
      )
      yield* userSimulation(sandbox, "acceptpayment", { beaconId, phoneNumber: "+4520031802" })
      expect(json(yield* pos.call("GET", `/payments/${paymentId}`))).toMatchObject({
        status: "Reserved",
        amount: 20,
        plannedCaptureDelay: "LessThan24Hours",
      })
    }),
  )

  it.scoped("ready before any check-in makes it Initiated; a check-in then issues it", () =>
    Effect.gen(function* () {
      const { sandbox, pos, posId, beaconId } = yield* setup
      const paymentId = paymentIdOf(
        yield* pos.call("POST", "/payments/prepare", { json: { posId, orderId: "o" } }),
      )
      expectError(
        yield* pos.call("POST", `/payments/${paymentId}/ready`, {
          json: { amount: 1.001, currencyCode: "DKK", plannedCaptureDelay: "None" },
        }),
        400,
        "1102",
      )
      yield* pos.call("POST", `/payments/${paymentId}/ready`, {
        json: { amount: 5, currencyCode: "EUR", plannedCaptureDelay: "None" },
      })
      expect(yield* statusOf(pos, paymentId)).toBe("Initiated")
      yield* userSimulation(sandbox, "checkin", { beaconId, phoneNumber: "+4520031801" })
      expect(yield* statusOf(pos, paymentId)).toBe("IssuedToUser")
    }),
  )
})

describe("capture and cancel", () => {
  it.scoped("capture needs a reservation (1304), at most the reserved amount (1305)", () =>
    Effect.gen(function* () {
      const { sandbox, pos, posId } = yield* setup
      const initiated = paymentIdOf(yield* initiate(pos, posId))
      expectError(yield* capture(pos, initiated, 100), 409, "1304")
      yield* pos.call("POST", `/payments/${initiated}/cancel`)
      const { paymentId } = yield* reservedPayment(sandbox, pos, { amount: 50 })
      expectError(yield* capture(pos, paymentId, 50.01), 409, "1305")
      expectError(yield* capture(pos, paymentId, 0), 400, "1102")
    }),
  )

  it.scoped("partial capture only for the partial-capture test user (1308)", () =>
    Effect.gen(function* () {
      const { sandbox, pos } = yield* setup
      const credit = yield* reservedPayment(sandbox, pos, { amount: 50 })
      expect(
        field(yield* pos.call("GET", `/payments/${credit.paymentId}`), "partialCapturePossible"),
      ).toBe(false)
      expectError(yield* capture(pos, credit.paymentId, 20), 409, "1308")
      const partial = yield* reservedPayment(sandbox, pos, {
        amount: 50,
        phoneNumber: "+4520031805",
      })
      expect(
        field(yield* pos.call("GET", `/payments/${partial.paymentId}`), "partialCapturePossible"),
      ).toBe(true)
      expect((yield* capture(pos, partial.paymentId, 20)).status).toBe(200)
      const captured = (yield* sandbox.payments).find((p) => p.paymentId === partial.paymentId)
      expect(captured?.capturedAmount).toBe(20)
    }),
  )

  it.scoped("cancel works until capture (1300 after), and repeats as a success", () =>
    Effect.gen(function* () {
      const { sandbox, pos } = yield* setup
      const reserved = yield* reservedPayment(sandbox, pos)
      expect((yield* pos.call("POST", `/payments/${reserved.paymentId}/cancel`)).status).toBe(200)
      expect(yield* statusOf(pos, reserved.paymentId)).toBe("CancelledByClient")
      expect((yield* pos.call("POST", `/payments/${reserved.paymentId}/cancel`)).status).toBe(200)
      expectError(yield* capture(pos, reserved.paymentId, 100), 409, "1304")
      const captured = yield* reservedPayment(sandbox, pos)
      yield* capture(pos, captured.paymentId, 100)
      expectError(yield* pos.call("POST", `/payments/${captured.paymentId}/cancel`), 409, "1300")
    }),
  )

  it.scoped("a reservation expires after 7 days on the Clock (ExpiredAndCancelled)", () =>
    Effect.gen(function* () {
      const { sandbox, pos } = yield* setup
      const { paymentId } = yield* reservedPayment(sandbox, pos)
      const expiresAt = Date.parse(
        String(field(yield* pos.call("GET", `/payments/${paymentId}`), "paymentExpiresAt")),
      )
      yield* TestClock.adjust(Duration.subtract(Duration.days(7), Duration.millis(1)))
      expect(yield* statusOf(pos, paymentId)).toBe("Reserved")
      yield* TestClock.adjust(Duration.millis(1))
      expect(expiresAt).toBe(Duration.toMillis(Duration.days(7)))
      expect(yield* statusOf(pos, paymentId)).toBe("ExpiredAndCancelled")
      expectError(yield* capture(pos, paymentId, 100), 409, "1304")
    }),
  )

  it.scoped("payments of another integrator or merchant answer 403 with the documented codes", () =>
    Effect.gen(function* () {
      const { sandbox, pos, posId } = yield* setup
      const paymentId = paymentIdOf(
        yield* pos.call("POST", "/payments/prepare", { json: { posId, orderId: "o" } }),
      )
      const b = yield* posClient(sandbox, integratorB, certVat)
      expectError(yield* b.call("GET", `/payments/${paymentId}`), 403, "1401")
      expectError(yield* b.call("POST", `/payments/${paymentId}/cancel`), 403, "1401")
      const other = yield* posClient(sandbox, integratorA, SeedData.demoCafe.vat)
      expectError(yield* other.call("GET", `/payments/${paymentId}`), 403, "1411")
      expectError(
        yield* other.call("POST", `/payments/${paymentId}/ready`, {
          json: { amount: 1, currencyCode: "DKK", plannedCaptureDelay: "None" },
        }),
        403,
        "1406",
      )
      expectError(
        yield* other.call("POST", `/payments/${paymentId}/capture`, { json: { amount: 1 } }),
        403,
        "1407",
      )
      expectError(yield* other.call("POST", `/payments/${paymentId}/cancel`), 403, "1408")
      const missing = yield* pos.call("GET", "/payments/00000000-0000-4000-8000-000000000000")
      expect(missing.status).toBe(404)
    }),
  )
})

describe("user simulation", () => {
  it.scoped("the user cancels a paired or issued payment (CancelledByUser)", () =>
    Effect.gen(function* () {
      const { sandbox, pos, posId, beaconId } = yield* setup
      const paymentId = paymentIdOf(yield* initiate(pos, posId))
      expect((yield* userSimulation(sandbox, "cancelpaymentbyuser", { beaconId })).status).toBe(409)
      yield* userSimulation(sandbox, "checkin", { beaconId, phoneNumber: "+4520031801" })
      expect((yield* userSimulation(sandbox, "cancelpaymentbyuser", { beaconId })).status).toBe(200)
      expect(yield* statusOf(pos, paymentId)).toBe("CancelledByUser")
    }),
  )

  it.scoped("a debit user cannot accept a payment that disallows debit cards", () =>
    Effect.gen(function* () {
      const { sandbox, pos, posId, beaconId } = yield* setup
      const paymentId = paymentIdOf(
        yield* initiate(pos, posId, { restrictions: { debitCardDisallowed: true } }),
      )
      yield* userSimulation(sandbox, "checkin", { beaconId, phoneNumber: "+4520031802" })
      const refused = yield* userSimulation(sandbox, "acceptpayment", {
        beaconId,
        phoneNumber: "+4520031802",
      })
      expect(refused.status).toBe(409)
      expect(yield* statusOf(pos, paymentId)).toBe("IssuedToUser")
    }),
  )

  it.scoped(
    "unknown beacons are 404, unknown users 400, accepting someone else's payment 409",
    () =>
      Effect.gen(function* () {
        const { sandbox, pos, posId, beaconId } = yield* setup
        yield* initiate(pos, posId)
        const unknownBeacon = yield* userSimulation(sandbox, "checkin", {
          beaconId: "999999999999999",
          phoneNumber: "+4520031801",
        })
        expect(unknownBeacon.status).toBe(404)
        const unknownUser = yield* userSimulation(sandbox, "checkin", {
          beaconId,
          phoneNumber: "+4511111111",
        })
        expect(unknownUser.status).toBe(400)
        yield* userSimulation(sandbox, "checkin", { beaconId, phoneNumber: "+4520031801" })
        const other = yield* userSimulation(sandbox, "acceptpayment", {
          beaconId,
          phoneNumber: "+4520031803",
        })
        expect(other.status).toBe(409)
      }),
  )

  it.scoped("MobilePay can cancel an inactive payment (CancelledByMobilePay)", () =>
    Effect.gen(function* () {
      const { sandbox, pos, posId } = yield* setup
      const paymentId = paymentIdOf(yield* initiate(pos, posId))
      expect(yield* sandbox.cancelPaymentByMobilePay(paymentId)).toBe(true)
      expect(yield* statusOf(pos, paymentId)).toBe("CancelledByMobilePay")
      expect(yield* sandbox.cancelPaymentByMobilePay(paymentId)).toBe(false)
    }),
  )
})

describe("payment queries", () => {
  it.scoped(
    "by posId and orderId: active and reserved ones, or captured ones; 1109 without a filter",
    () =>
      Effect.gen(function* () {
        const { sandbox, pos } = yield* setup
        const reserved = yield* reservedPayment(sandbox, pos)
        const captured = yield* reservedPayment(sandbox, pos)
        yield* capture(pos, captured.paymentId, 100)
        const ids = (query: string) =>
          Effect.map(pos.call("GET", `/payments${query}`), (reply) => field(reply, "paymentIds"))
        expect(yield* ids("?orderId=order-1")).toEqual([reserved.paymentId])
        expect(yield* ids("?orderId=order-1&state=Captured")).toEqual([captured.paymentId])
        expect(yield* ids(`?posId=${captured.posId}&state=Captured`)).toEqual([captured.paymentId])
        expectError(yield* pos.call("GET", "/payments"), 400, "1109")
        expectError(yield* pos.call("GET", "/payments?orderId=x&state=Reserved"), 400, "1099")
        const b = yield* posClient(sandbox, integratorB, certVat)
        expect(field(yield* b.call("GET", "/payments?orderId=order-1"), "paymentIds")).toEqual([])
      }),
  )
})
