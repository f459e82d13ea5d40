/**
 * Every operation of the client against the sandbox in-process, over loopback: the normal
 * path of each, the headers as the sandbox received them, and the pipeline's duties with
 * real faults (a lost answer after a create, a revoked token, a slow answer).
 */
import { ClientCredentials, Environment } from "@effect-mobilepay/core"
import { MobilePay, PosClient } from "@effect-mobilepay/pos"
import { Fault, SeedData } from "@effect-mobilepay/sandbox"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer } from "effect"
import { creditUser, merchant, pointOfSale, start, storeId } from "./support/Sandboxed.js"
import * as Transport from "./support/Transport.js"

const pay = (posId: string, orderId = "order-1", amount = 100) =>
  ({ posId, orderId, amount, currencyCode: "DKK", plannedCaptureDelay: "None" }) as const

describe("stores", () => {
  it.scoped("GetStores, GetDetailedStores and GetStore", () =>
    Effect.gen(function* () {
      const { client } = yield* start()
      const { storeIds } = yield* client.getStores()
      expect(storeIds).toEqual(merchant.stores.map((store) => store.storeId))
      const filtered = yield* client.getStores({
        merchantBrandId: "MPPOSCERT1",
        merchantLocationId: "00001",
      })
      expect(filtered.storeIds).toEqual([storeId])
      const detailed = yield* client.getDetailedStores()
      expect(detailed.map((store) => store.merchantLocationId)).toEqual(["00001"])
      const store = yield* client.getStore(storeId)
      expect(store).toMatchObject({ storeId, merchantBrandId: "MPPOSCERT1" })
    }),
  )
})

describe("points of sale", () => {
  it.scoped("CreatePos, GetPosWithFilter, GetPos, GetCheckIn and DeletePos", () =>
    Effect.gen(function* () {
      const { client } = yield* start()
      const { posId } = yield* client.createPos({
        merchantPosId: "till-7",
        storeId,
        name: "Till 7",
        supportedBeaconTypes: ["QR", "Bluetooth"],
      })
      const found = yield* client.getPosWithFilter({ merchantPosId: "till-7" })
      expect(found.posIds).toEqual([posId])
      const pos = yield* client.getPos(posId)
      expect(pos).toMatchObject({ posId, merchantPosId: "till-7", name: "Till 7", storeId })
      expect(pos.beaconId).toMatch(/^[0-9a-f-]{36}$|^\d{15}$/)

      expect((yield* client.getCheckIn(posId)).isUserCheckedIn).toBe(false)
      yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
      const checkIn = yield* client.getCheckIn(posId)
      expect(checkIn.isUserCheckedIn).toBe(true)
      expect(checkIn.pollDelayInMs).toBeGreaterThan(0)

      yield* client.deletePos(posId)
      expect((yield* client.getPosWithFilter({ merchantPosId: "till-7" })).posIds).toEqual([])
    }),
  )

  it.scoped("a store that is not activated is StoreNotActivated (1204)", () =>
    Effect.gen(function* () {
      const cafe = SeedData.demoCafe
      const inactive = cafe.stores.find((store) => !store.activated)?.storeId ?? ""
      const { client } = yield* start({ merchantVat: cafe.vat })
      const error = yield* Effect.flip(
        client.createPos({
          merchantPosId: "t",
          storeId: inactive,
          name: "T",
          supportedBeaconTypes: ["QR"],
        }),
      )
      expect(error).toMatchObject({ _tag: "StoreNotActivated", code: "1204", status: 409 })
    }),
  )

  it.scoped("a merchantPosId taken is MerchantPosIdTaken (1200)", () =>
    Effect.gen(function* () {
      const { client } = yield* start()
      yield* pointOfSale(client, "dup")
      const error = yield* Effect.flip(pointOfSale(client, "dup"))
      expect(error).toMatchObject({ _tag: "MerchantPosIdTaken", code: "1200" })
    }),
  )

  it.scoped("another integrator's point of sale is PosForbidden", () =>
    Effect.gen(function* () {
      const { sandbox, client } = yield* start()
      const pos = yield* pointOfSale(client)
      const other = yield* Layer.build(
        MobilePay.layer({
          credentials: yield* ClientCredentials.make(SeedData.integratorB),
          environment: Environment.custom({ authUrl: sandbox.authUrl, posUrl: sandbox.posUrl }),
          clientSystemVersion: "1.0.0",
          merchantVat: merchant.vat,
        }).pipe(Layer.provide(Transport.layer)),
      )
      const intruder = yield* Effect.provide(PosClient.PosClient, other)
      const error = yield* Effect.flip(intruder.getPos(pos.posId))
      expect(error).toMatchObject({
        _tag: "PosForbidden",
        status: 403,
        operation: "GetPos",
        code: expect.stringMatching(/^14\d\d$/),
      })
    }),
  )
})

describe("payments", () => {
  it.scoped(
    "initiate, check in, accept, capture; a second capture of the same amount is fine",
    () =>
      Effect.gen(function* () {
        const { client, sandbox } = yield* start()
        const pos = yield* pointOfSale(client)
        const { paymentId } = yield* client.initiatePayment(pay(pos.posId))
        expect((yield* client.queryPayment(paymentId)).status).toBe("Initiated")
        expect((yield* client.queryPaymentIds({ posId: pos.posId })).paymentIds).toEqual([
          paymentId,
        ])
        expect((yield* client.queryPaymentIds({ orderId: "order-1" })).paymentIds).toEqual([
          paymentId,
        ])

        yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
        expect((yield* client.queryPayment(paymentId)).status).toBe("IssuedToUser")
        yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
        const reserved = yield* client.queryPayment(paymentId)
        expect(reserved).toMatchObject({ status: "Reserved", amount: 100, currencyCode: "DKK" })

        yield* client.capturePayment(paymentId, { amount: 100 })
        yield* client.capturePayment(paymentId, { amount: 100 })
        expect((yield* client.queryPayment(paymentId)).status).toBe("Captured")
        const captured = yield* client.queryPaymentIds({ orderId: "order-1", state: "Captured" })
        expect(captured.paymentIds).toEqual([paymentId])
        const error = yield* Effect.flip(client.capturePayment(paymentId, { amount: 50 }))
        expect(error).toMatchObject({ _tag: "PaymentCapturedWithAnotherAmount", code: "1307" })
        expect((yield* sandbox.payments).map((p) => p.status)).toEqual(["Captured"])
      }),
  )

  it.scoped("prepare, pair, ready; the customer cancels", () =>
    Effect.gen(function* () {
      const { client } = yield* start()
      const pos = yield* pointOfSale(client)
      const { paymentId } = yield* client.preparePayment({ posId: pos.posId, orderId: "order-2" })
      expect((yield* client.queryPayment(paymentId)).status).toBe("Prepared")
      yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
      expect((yield* client.queryPayment(paymentId)).status).toBe("Paired")
      yield* client.paymentReady(paymentId, {
        amount: 42.5,
        currencyCode: "DKK",
        plannedCaptureDelay: "None",
      })
      expect((yield* client.queryPayment(paymentId)).status).toBe("IssuedToUser")
      yield* client.simulateCancelPaymentByUser({ beaconId: pos.beaconId })
      expect((yield* client.queryPayment(paymentId)).status).toBe("CancelledByUser")
    }),
  )

  it.scoped(
    "cancel by the client; a second payment while one is active is PaymentAlreadyActive",
    () =>
      Effect.gen(function* () {
        const { client, posRequests } = yield* start()
        const pos = yield* pointOfSale(client)
        const { paymentId } = yield* client.initiatePayment(pay(pos.posId))
        const before = (yield* posRequests).length
        const error = yield* Effect.flip(client.initiatePayment(pay(pos.posId, "order-2")))
        expect(error).toMatchObject({ _tag: "PaymentAlreadyActive", code: "1301", status: 409 })
        expect(error).toHaveProperty("correlationId", expect.any(String))
        expect((yield* posRequests).length - before).toBe(1) // a 4xx is never retried
        yield* client.cancelPayment(paymentId)
        expect((yield* client.queryPayment(paymentId)).status).toBe("CancelledByClient")
        const late = yield* Effect.flip(client.capturePayment(paymentId, { amount: 100 }))
        expect(late).toMatchObject({ _tag: "PaymentNotReserved", code: "1304" })
      }),
  )
})

describe("refunds", () => {
  it.scoped("create, query, get, capture; another one cancelled", () =>
    Effect.gen(function* () {
      const { client } = yield* start()
      const pos = yield* pointOfSale(client)
      const { paymentId } = yield* client.initiatePayment(pay(pos.posId))
      yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
      yield* client.capturePayment(paymentId, { amount: 100 })

      const first = yield* client.createRefund({
        paymentId,
        refundOrderId: "r-1",
        amount: 30,
        currencyCode: "DKK",
      })
      const second = yield* client.createRefund({
        paymentId,
        refundOrderId: "r-2",
        amount: 20,
        currencyCode: "DKK",
      })
      expect((yield* client.queryRefundIds({ paymentId })).refundIds).toEqual([
        first.refundId,
        second.refundId,
      ])
      const refund = yield* client.getRefund(first.refundId)
      expect(refund).toMatchObject({ paymentId, amount: 30, currencyCode: "DKK" })
      expect(["Initiated", "Reserved"]).toContain(refund.status)
      yield* client.captureRefund(first.refundId)
      expect((yield* client.getRefund(first.refundId)).status).toBe("Captured")
      yield* client.cancelRefund(second.refundId)
      expect((yield* client.getRefund(second.refundId)).status).toBe("CancelledByClient")

      const tooMuch = yield* Effect.flip(
        client.createRefund({ paymentId, refundOrderId: "r-3", amount: 80, currencyCode: "DKK" }),
      )
      expect(tooMuch).toMatchObject({ _tag: "RefundExceedsCapturedAmount", code: "1367" })
    }),
  )
})

describe("the pipeline against the sandbox", () => {
  it.scoped("the sandbox receives MobilePay's headers on every call", () =>
    Effect.gen(function* () {
      const { client, posRequests } = yield* start()
      const pos = yield* pointOfSale(client)
      yield* client.initiatePayment(pay(pos.posId))
      const requests = yield* posRequests
      for (const request of requests) {
        expect(request.headers["authorization"]).toMatch(/^Bearer eyJ/)
        expect(request.headers["x-ibm-client-id"]).toBe(SeedData.integratorA.clientId)
        expect(request.headers["x-mobilepay-client-system-version"]).toBe("1.2.3")
      }
      const creates = requests.filter(
        (r) => r.method === "POST" && !r.path.includes("/pointofsales/"),
      )
      expect(creates.map((r) => r.headers["x-mobilepay-idempotency-key"] !== undefined)).toEqual([
        true,
        true,
      ])
    }),
  )

  it.scoped(
    "with the answer to a create lost, the retry carries the same key and one payment exists",
    () =>
      Effect.gen(function* () {
        const { client, sandbox, posRequests } = yield* start()
        const pos = yield* pointOfSale(client)
        yield* sandbox.addFault({
          route: "POST /pos/v10/payments",
          fault: Fault.Fault.ConnectionReset(),
          times: 1,
        })
        const fiber = yield* Effect.fork(client.initiatePayment(pay(pos.posId)))
        yield* Time.advanceToSleepWithin("1 second") // the backoff after the reset
        const { paymentId } = yield* Fiber.join(fiber)
        const creates = (yield* posRequests).filter(
          (r) => r.method === "POST" && r.path === "/pos/v10/payments",
        )
        expect(creates).toHaveLength(2)
        expect(creates[0]?.headers["x-mobilepay-idempotency-key"]).toBe(
          creates[1]?.headers["x-mobilepay-idempotency-key"],
        )
        const payments = yield* sandbox.payments
        expect(payments.map((p) => p.paymentId)).toEqual([paymentId])
      }),
  )

  it.scoped("with the answer to a create cut off mid-JSON, the retry carries the same key", () =>
    Effect.gen(function* () {
      const { client, sandbox, posRequests } = yield* start()
      const pos = yield* pointOfSale(client)
      yield* sandbox.addFault({
        route: "POST /pos/v10/payments",
        fault: Fault.Fault.MalformedJson(),
        times: 1,
      })
      const fiber = yield* Effect.fork(client.initiatePayment(pay(pos.posId)))
      yield* Time.advanceToSleepWithin("1 second") // the backoff after the unreadable answer
      const { paymentId } = yield* Fiber.join(fiber)
      const creates = (yield* posRequests).filter(
        (r) => r.method === "POST" && r.path === "/pos/v10/payments",
      )
      expect(creates).toHaveLength(2)
      expect(creates[1]?.headers["x-mobilepay-idempotency-key"]).toBe(
        creates[0]?.headers["x-mobilepay-idempotency-key"],
      )
      expect(creates[1]?.body).toBe(creates[0]?.body)
      const payments = yield* sandbox.payments
      expect(payments.map((p) => p.paymentId)).toEqual([paymentId])
    }),
  )

  it.scoped("a revoked token costs one new token, and the call succeeds", () =>
    Effect.gen(function* () {
      const { client, sandbox, tokenRequests } = yield* start()
      const pos = yield* pointOfSale(client)
      expect(yield* tokenRequests).toHaveLength(1)
      expect(yield* sandbox.revokeTokens()).toBe(1)
      const again = yield* client.getPos(pos.posId)
      expect(again.posId).toBe(pos.posId)
      expect(yield* tokenRequests).toHaveLength(2)
    }),
  )

  it.scoped("a slow answer times out after 0.5 s and the retry succeeds", () =>
    Effect.gen(function* () {
      const { client, sandbox, posRequests } = yield* start()
      const pos = yield* pointOfSale(client)
      yield* sandbox.addFault({
        route: "GET /pos/v10/pointofsales/{posId}",
        fault: Fault.Fault.Latency({ delay: Duration.seconds(30) }),
        times: 1,
      })
      const before = (yield* posRequests).length
      const fiber = yield* Effect.fork(client.getPos(pos.posId))
      yield* Time.waitUntil(Effect.map(posRequests, (all) => all.length > before))
      expect(Duration.toMillis(yield* Time.advanceToSleepWithin("500 millis"))).toBe(500)
      yield* Time.advanceToSleepWithin("400 millis") // the backoff
      expect((yield* Fiber.join(fiber)).posId).toBe(pos.posId)
      expect((yield* posRequests).length - before).toBe(2)
    }),
  )

  it.scoped("invalid input sends nothing at all", () =>
    Effect.gen(function* () {
      const { client, sandbox } = yield* start()
      yield* sandbox.clearRequests
      const errors = yield* Effect.all([
        Effect.flip(client.initiatePayment({ ...pay(storeId), orderId: "ø".repeat(37) })),
        Effect.flip(client.initiatePayment({ ...pay(storeId), amount: -1 })),
        Effect.flip(
          client.createRefund({
            paymentId: storeId,
            refundOrderId: "r\t1",
            amount: 1,
            currencyCode: "DKK",
          }),
        ),
        Effect.flip(client.getStores({}, { merchantVat: "DK9000002" })),
      ])
      expect(errors.map((error) => error._tag)).toEqual([
        "InvalidInput",
        "InvalidInput",
        "InvalidInput",
        "InvalidInput",
      ])
      expect(yield* sandbox.requests).toHaveLength(0)
    }),
  )
})
