import { Payment, PointOfSale, Refund, Store } from "@effect-mobilepay/pos"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Schema } from "effect"

// The 200 examples of the OpenAPI file, as MobilePay sends them.
const queryPayment = {
  paymentId: "3974eae6-e36f-4148-b5ee-22689e528c75",
  posId: "c85916b1-8e17-4275-a388-551e16aa6293",
  orderId: "ORDER-12345",
  amount: 12.5,
  currencyCode: "DKK",
  restrictions: { debitCardDisallowed: false, creditCardDisallowed: false },
  merchantPaymentLabel: "PaymentLabel",
  plannedCaptureDelay: "None",
  status: "Reserved",
  customerToken: "09bee223516e44000811ab0988b802b72a193c22",
  customerReceiptToken: "d0d0f8dc0adc4cec9398d82c93dad0d1",
  loyaltyIds: ["123456"],
  paymentExpiresAt: "2022-10-17T06:07:45.4847176+00:00",
  partialCapturePossible: false,
  pollDelayInMs: 1000,
}

const pos = {
  posId: "22f8155d-4042-4439-825f-068dbca98857",
  merchantPosId: "My-Pos-1",
  storeId: "401b5617-ae5e-4f1a-9a59-5a446dbb3caa",
  name: "Cafeteria register #2",
  beaconId: "a7b69d37-6753-4e94-afc3-ef5dab04b7f4",
  callbackAlias: "Example Alias",
  supportedBeaconTypes: ["QR", "Bluetooth"],
  requirePaymentBeforeCheckin: false,
}

const store = {
  storeName: "MobilePay Finland HQ",
  storeId: "401b5617-ae5e-4f1a-9a59-5a446dbb3caa",
  storeStreet: "Keskuskatu 4",
  storeZipCode: "00100",
  storeCity: "Helsinki",
  brandName: "MobilePay Offices",
  merchantBrandId: "POSDK12345",
  merchantLocationId: "10001",
}

const refund = {
  refundId: "7f3a6f03-fcd4-4860-a795-138e7dcf948e",
  paymentId: "fc4e7476-894e-4d84-a9c8-a063067aad3a",
  refundOrderId: "REFUND-12345",
  amount: 12.5,
  currencyCode: "DKK",
  status: "Reserved",
  pollDelayInMs: 100,
}

const decodeJson = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.decodeUnknown(Schema.parseJson(schema))

describe("responses decode from MobilePay's JSON", () => {
  it.effect("QueryPayment: the OpenAPI example, with its 7-digit date", () =>
    Effect.gen(function* () {
      const payment = yield* decodeJson(Payment.QueryPaymentResponse)(JSON.stringify(queryPayment))
      expect(payment.status).toBe("Reserved")
      expect(payment.amount).toBe(12.5)
      expect(payment.loyaltyIds).toEqual(["123456"])
      expect(payment.pollDelayInMs).toBe(1000)
      expect(payment.restrictions).toEqual({
        debitCardDisallowed: false,
        creditCardDisallowed: false,
      })
      const expiresAt = payment.paymentExpiresAt
      expect(expiresAt === undefined ? undefined : DateTime.formatIso(expiresAt)).toBe(
        "2022-10-17T06:07:45.484Z",
      )
    }),
  )

  it.effect("QueryPayment: a prepared payment's nulls and missing fields are absent", () =>
    Effect.gen(function* () {
      const prepared = {
        paymentId: queryPayment.paymentId,
        posId: queryPayment.posId,
        orderId: "ORDER-12345",
        amount: null,
        currencyCode: null,
        restrictions: null,
        merchantPaymentLabel: null,
        plannedCaptureDelay: null,
        status: "Prepared",
        customerToken: null,
        customerReceiptToken: null,
        loyaltyIds: null,
        partialCapturePossible: null,
        pollDelayInMs: 500,
      }
      const payment = yield* decodeJson(Payment.QueryPaymentResponse)(JSON.stringify(prepared))
      expect(payment).toEqual({
        paymentId: queryPayment.paymentId,
        posId: queryPayment.posId,
        orderId: "ORDER-12345",
        status: "Prepared",
        pollDelayInMs: 500,
      })
      expect("amount" in payment).toBe(false)
    }),
  )

  it.effect(
    "QueryPayment: an empty receipt token and empty loyalty ids are kept (looked up, none)",
    () =>
      Effect.gen(function* () {
        const payment = yield* Schema.decodeUnknown(Payment.QueryPaymentResponse)({
          ...queryPayment,
          customerReceiptToken: "",
          loyaltyIds: [],
        })
        expect(payment.customerReceiptToken).toBe("")
        expect(payment.loyaltyIds).toEqual([])
      }),
  )

  it.effect("fields MobilePay adds later are ignored", () =>
    Effect.gen(function* () {
      const payment = yield* Schema.decodeUnknown(Payment.QueryPaymentResponse)({
        ...queryPayment,
        tipAmount: 2,
      })
      expect("tipAmount" in payment).toBe(false)
      const withOrigin = yield* Schema.decodeUnknown(Refund.GetRefundResponse)({
        ...refund,
        origin: "PoS",
      })
      expect(withOrigin.status).toBe("Reserved")
    }),
  )

  it.effect("every payment status, and the refund statuses including ExpiredAndCaptured", () =>
    Effect.gen(function* () {
      for (const status of Payment.KnownPaymentStatus.literals) {
        const payment = yield* Schema.decodeUnknown(Payment.QueryPaymentResponse)({
          ...queryPayment,
          status,
        })
        expect(payment.status).toBe(status)
      }
      expect(Payment.KnownPaymentStatus.literals).toHaveLength(10)
      const expired = yield* Schema.decodeUnknown(Refund.GetRefundResponse)({
        ...refund,
        status: "ExpiredAndCaptured",
      })
      expect(expired.status).toBe("ExpiredAndCaptured")
      expect(Refund.KnownRefundStatus.literals).toHaveLength(6)
    }),
  )

  it.effect("a status MobilePay does not document decodes, typed as unknown, never as known", () =>
    Effect.gen(function* () {
      const payment = yield* Schema.decodeUnknown(Payment.QueryPaymentResponse)({
        ...queryPayment,
        status: "PendingReview",
      })
      expect(payment.status).toBe("PendingReview")
      expect(Payment.isKnownPaymentStatus(payment.status)).toBe(false)
      expect(Schema.is(Payment.FinalPaymentStatus)(payment.status)).toBe(false)
      expect(Schema.is(Payment.ActivePaymentStatus)(payment.status)).toBe(false)
      const refundAnswer = yield* Schema.decodeUnknown(Refund.GetRefundResponse)({
        ...refund,
        status: "Disputed",
        currencyCode: "NOK",
      })
      expect(refundAnswer.status).toBe("Disputed")
      expect(Refund.isKnownRefundStatus(refundAnswer.status)).toBe(false)
      expect(refundAnswer.currencyCode).toBe("NOK")
      // A known value is never read as unknown.
      expect(Payment.isKnownPaymentStatus(queryPayment.status)).toBe(true)
    }),
  )

  it.effect("answers are read as the contract allows, not by the rules for requests", () =>
    Effect.gen(function* () {
      const long = "Ordre nr. 12345 – fra kassen i butikken 🙂"
      const payment = yield* Schema.decodeUnknown(Payment.QueryPaymentResponse)({
        ...queryPayment,
        orderId: long,
        merchantPaymentLabel: long,
        amount: 12.345,
        plannedCaptureDelay: "LessThan30Days",
        pollDelayInMs: -5,
        paymentExpiresAt: "2022-10-17t06:07:60.1z",
      })
      expect(payment).toMatchObject({
        orderId: long,
        merchantPaymentLabel: long,
        amount: 12.345,
        plannedCaptureDelay: "LessThan30Days",
        pollDelayInMs: -5,
      })
      const refundAnswer = yield* Schema.decodeUnknown(Refund.GetRefundResponse)({
        ...refund,
        refundOrderId: long,
        amount: 0,
      })
      expect(refundAnswer).toMatchObject({ refundOrderId: long, amount: 0 })
      const posAnswer = yield* Schema.decodeUnknown(PointOfSale.PosResponse)({
        ...pos,
        merchantPosId: long,
        name: long,
        beaconId: "beacon-7",
        callbackAlias: long,
        supportedBeaconTypes: ["QR", "UWB"],
      })
      expect(posAnswer).toMatchObject({ beaconId: "beacon-7", supportedBeaconTypes: ["QR", "UWB"] })
      const checkIn = yield* Schema.decodeUnknown(PointOfSale.GetCheckInResponse)({
        isUserCheckedIn: false,
        pollDelayInMs: -1,
      })
      expect(checkIn.pollDelayInMs).toBe(-1)
    }),
  )

  it.effect("a missing required field or a date that is no date-time does not decode", () =>
    Effect.gen(function* () {
      const { pollDelayInMs: _, ...withoutDelay } = queryPayment
      const missing = yield* Effect.flip(
        Schema.decodeUnknown(Payment.QueryPaymentResponse)(withoutDelay),
      )
      expect(missing.message).toContain("pollDelayInMs")
      const slip = yield* Effect.flip(
        Schema.decodeUnknown(Payment.QueryPaymentResponse)({
          ...queryPayment,
          paymentExpiresAt: "17-10-2022 06:07:45 +00:00",
        }),
      )
      expect(slip.message).toContain("paymentExpiresAt")
    }),
  )

  it.effect("the id lists and created ids", () =>
    Effect.gen(function* () {
      const id = "3974eae6-e36f-4148-b5ee-22689e528c75"
      expect(
        yield* Schema.decodeUnknown(Payment.PaymentInitiatedResponse)({ paymentId: id }),
      ).toEqual({
        paymentId: id,
      })
      expect(
        yield* Schema.decodeUnknown(Payment.QueryPaymentIdsResponse)({ paymentIds: [id] }),
      ).toEqual({ paymentIds: [id] })
      expect(yield* Schema.decodeUnknown(PointOfSale.CreatePosResponse)({ posId: id })).toEqual({
        posId: id,
      })
      expect(yield* Schema.decodeUnknown(PointOfSale.PosIdsResponse)({ posIds: [] })).toEqual({
        posIds: [],
      })
      expect(yield* Schema.decodeUnknown(Store.StoreIdsResponse)({ storeIds: [id] })).toEqual({
        storeIds: [id],
      })
      expect(yield* Schema.decodeUnknown(Refund.CreateRefundResponse)({ refundId: id })).toEqual({
        refundId: id,
      })
      expect(
        yield* Schema.decodeUnknown(Refund.QueryRefundIdsResponse)({ refundIds: [id] }),
      ).toEqual({ refundIds: [id] })
      const notAnId = yield* Effect.flip(
        Schema.decodeUnknown(Payment.QueryPaymentIdsResponse)({ paymentIds: ["42"] }),
      )
      expect(notAnId._tag).toBe("ParseError")
    }),
  )

  it.effect("GetPos: the OpenAPI example; a null callback alias is absent", () =>
    Effect.gen(function* () {
      expect(yield* Schema.decodeUnknown(PointOfSale.PosResponse)(pos)).toEqual(pos)
      const generated = yield* Schema.decodeUnknown(PointOfSale.PosResponse)({
        ...pos,
        beaconId: "123456789012345",
        callbackAlias: null,
      })
      expect(generated.beaconId).toBe("123456789012345")
      expect("callbackAlias" in generated).toBe(false)
    }),
  )

  it.effect("GetCheckIn: the OpenAPI example, and nobody checked in", () =>
    Effect.gen(function* () {
      const checkIn = {
        isUserCheckedIn: true,
        loyaltyIds: ["123456"],
        pollDelayInMs: 1000,
        customerToken: "09bee223516e44000811ab0988b802b72a193c22",
        customerReceiptToken: "d0d0f8dc0adc4cec9398d82c93dad0d1",
      }
      expect(yield* Schema.decodeUnknown(PointOfSale.GetCheckInResponse)(checkIn)).toEqual(checkIn)
      expect(
        yield* Schema.decodeUnknown(PointOfSale.GetCheckInResponse)({
          isUserCheckedIn: false,
          loyaltyIds: null,
          pollDelayInMs: 1000,
          customerToken: null,
        }),
      ).toEqual({ isUserCheckedIn: false, pollDelayInMs: 1000 })
    }),
  )

  it.effect("GetStore and GetDetailedStores: the OpenAPI example, self-certification store", () =>
    Effect.gen(function* () {
      expect(yield* Schema.decodeUnknown(Store.StoreResponse)(store)).toEqual(store)
      const cert = { ...store, merchantBrandId: "MPPOSCERT1", merchantLocationId: "00001" }
      expect(yield* Schema.decodeUnknown(Store.GetDetailedStoresResponse)([store, cert])).toEqual([
        store,
        cert,
      ])
    }),
  )

  it.effect("GetRefund: the OpenAPI example", () =>
    Effect.gen(function* () {
      expect(yield* Schema.decodeUnknown(Refund.GetRefundResponse)(refund)).toEqual(refund)
    }),
  )
})

describe("status groups", () => {
  it("active and final payment statuses", () => {
    const isActive = Schema.is(Payment.ActivePaymentStatus)
    const isFinal = Schema.is(Payment.FinalPaymentStatus)
    expect(Payment.KnownPaymentStatus.literals.filter(isActive)).toEqual([
      "Prepared",
      "Initiated",
      "Paired",
      "IssuedToUser",
    ])
    expect(Payment.KnownPaymentStatus.literals.filter((s) => !isActive(s) && !isFinal(s))).toEqual([
      "Reserved",
    ])
    const isFinalRefund = Schema.is(Refund.FinalRefundStatus)
    expect(Refund.KnownRefundStatus.literals.filter((s) => !isFinalRefund(s))).toEqual([
      "Initiated",
      "Reserved",
    ])
  })
})
