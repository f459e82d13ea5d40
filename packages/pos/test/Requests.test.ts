import { Payment, PointOfSale, Refund, Store, UserSimulation } from "@effect-mobilepay/pos"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { decodeRequest } from "../src/internal/decodeRequest.js"

const posId = "c85916b1-8e17-4275-a388-551e16aa6293"
const paymentId = "fc4e7476-894e-4d84-a9c8-a063067aad3a"
const storeId = "401b5617-ae5e-4f1a-9a59-5a446dbb3caa"
const beaconId = "a7b69d37-6753-4e94-afc3-ef5dab04b7f4"

const initiate: Payment.InitiatePaymentRequest.Encoded = {
  posId,
  orderId: "ORDER-12345",
  amount: 12.5,
  currencyCode: "DKK",
  restrictions: { debitCardDisallowed: false, creditCardDisallowed: false },
  merchantPaymentLabel: "PaymentLabel",
  plannedCaptureDelay: "None",
}
const decodeInitiate = decodeRequest(Payment.InitiatePaymentRequest, "request")

const createPos: PointOfSale.CreatePosRequest.Encoded = {
  merchantPosId: "My-Pos-1",
  storeId,
  name: "Cafeteria register #2",
  beaconId,
  callbackAlias: "Example Alias",
  supportedBeaconTypes: ["QR", "Bluetooth"],
  requirePaymentBeforeCheckin: false,
}
const decodeCreatePos = decodeRequest(PointOfSale.CreatePosRequest, "request")

// Decodes the caller's input and encodes it again: what would go on the wire.
const toWire =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (input: I) =>
    decodeRequest(schema, "request")(input).pipe(Effect.flatMap(Schema.encode(schema)))

describe("request bodies decode from plain input and encode to the wire unchanged", () => {
  it.effect("every request example of the OpenAPI file", () =>
    Effect.gen(function* () {
      expect(yield* toWire(Payment.InitiatePaymentRequest)(initiate)).toEqual(initiate)
      const prepare = { posId, orderId: "ORDER-12345" }
      expect(yield* toWire(Payment.PreparePaymentRequest)(prepare)).toEqual(prepare)
      const ready: Payment.PaymentReadyRequest.Encoded = {
        currencyCode: "EUR",
        amount: 12.5,
        restrictions: { creditCardDisallowed: true },
        plannedCaptureDelay: "LessThan24Hours",
      }
      expect(yield* toWire(Payment.PaymentReadyRequest)(ready)).toEqual(ready)
      expect(yield* toWire(Payment.PaymentCaptureRequest)({ amount: 12.5 })).toEqual({
        amount: 12.5,
      })
      expect(yield* toWire(PointOfSale.CreatePosRequest)(createPos)).toEqual(createPos)
      const refund: Refund.CreateRefundRequest.Encoded = {
        paymentId,
        refundOrderId: "REFUND-12345",
        amount: 12.5,
        currencyCode: "DKK",
      }
      expect(yield* toWire(Refund.CreateRefundRequest)(refund)).toEqual(refund)
      const checkIn = { beaconId, phoneNumber: "+4520031801" }
      expect(yield* toWire(UserSimulation.UserCheckInRequest)(checkIn)).toEqual(checkIn)
      expect(yield* toWire(UserSimulation.AcceptPaymentRequest)(checkIn)).toEqual(checkIn)
      expect(yield* toWire(UserSimulation.CancelPaymentByUserRequest)({ beaconId })).toEqual({
        beaconId,
      })
    }),
  )

  it.effect("the query filters", () =>
    Effect.gen(function* () {
      const payments: Payment.QueryPaymentIdsRequest.Encoded = {
        posId,
        orderId: "ORDER-12345",
        state: "Captured",
      }
      expect(yield* toWire(Payment.QueryPaymentIdsRequest)(payments)).toEqual(payments)
      expect(yield* toWire(Refund.QueryRefundIdsRequest)({ paymentId })).toEqual({ paymentId })
      const pos = { merchantPosId: "My-Pos-1", beaconId: "123456789012345", storeId }
      expect(yield* toWire(PointOfSale.GetPosWithFilterRequest)(pos)).toEqual(pos)
      const stores = { merchantBrandId: "MPPOSCERT1", merchantLocationId: "00001" }
      expect(yield* toWire(Store.GetStoresRequest)(stores)).toEqual(stores)
      expect(yield* toWire(Store.GetStoresRequest)({})).toEqual({})
    }),
  )

  it.effect("optional fields may be left out, and fields not in the API are dropped", () =>
    Effect.gen(function* () {
      const minimal: Payment.InitiatePaymentRequest.Encoded = {
        posId,
        orderId: "o-1",
        amount: 10,
        currencyCode: "EUR",
        plannedCaptureDelay: "LessThan14Days",
      }
      expect(yield* toWire(Payment.InitiatePaymentRequest)(minimal)).toEqual(minimal)
      const withExtra = { ...minimal, secretNote: "not for MobilePay" }
      expect(yield* toWire(Payment.InitiatePaymentRequest)(withExtra)).toEqual(minimal)
    }),
  )

  it.effect("the amount sent is rounded to whole cents", () =>
    Effect.gen(function* () {
      const wire = yield* toWire(Payment.InitiatePaymentRequest)({ ...initiate, amount: 0.1 + 0.2 })
      expect(JSON.stringify(wire)).toContain('"amount":0.3,')
    }),
  )
})

describe("invalid input fails with InvalidInput naming the field", () => {
  it.effect("an order id over 36 characters", () =>
    Effect.gen(function* () {
      const ok = yield* decodeInitiate({ ...initiate, orderId: "x".repeat(36) })
      expect(ok.orderId).toHaveLength(36)
      const error = yield* Effect.flip(decodeInitiate({ ...initiate, orderId: "x".repeat(37) }))
      expect(error._tag).toBe("InvalidInput")
      expect(error.field).toBe("orderId")
      expect(error.reason).toContain("at most 36 characters")
      expect(error.message).toContain("orderId")
    }),
  )

  it.effect("a character outside the valid set, in each text field", () =>
    Effect.gen(function* () {
      expect(
        (yield* decodeInitiate({ ...initiate, orderId: "Ordre æøå #1 €?" }).pipe(Effect.flip))
          .field,
      ).toBe("orderId")
      expect(yield* decodeInitiate({ ...initiate, orderId: "Ordre æøå #1" })).toMatchObject({
        orderId: "Ordre æøå #1",
      })
      const label = yield* Effect.flip(
        decodeInitiate({ ...initiate, merchantPaymentLabel: "tab\there" }),
      )
      expect(label.field).toBe("merchantPaymentLabel")
      expect(label.reason).toContain("valid character set")
      const textFields: ReadonlyArray<"merchantPosId" | "name" | "callbackAlias"> = [
        "merchantPosId",
        "name",
        "callbackAlias",
      ]
      for (const field of textFields) {
        const error = yield* Effect.flip(decodeCreatePos({ ...createPos, [field]: "emoji 🙂" }))
        expect(error.field).toBe(field)
      }
      const refund = yield* Effect.flip(
        decodeRequest(
          Refund.CreateRefundRequest,
          "request",
        )({
          paymentId,
          refundOrderId: "refund\n1",
          amount: 1,
          currencyCode: "DKK",
        }),
      )
      expect(refund.field).toBe("refundOrderId")
    }),
  )

  it.effect("an empty order id", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(decodeInitiate({ ...initiate, orderId: "" }))
      expect(error.field).toBe("orderId")
    }),
  )

  it.effect("a negative amount, and an amount with 3 decimals", () =>
    Effect.gen(function* () {
      const negative = yield* Effect.flip(decodeInitiate({ ...initiate, amount: -12.5 }))
      expect(negative.field).toBe("amount")
      expect(negative.reason).toContain("positive")
      const decimals = yield* Effect.flip(decodeInitiate({ ...initiate, amount: 12.345 }))
      expect(decimals.field).toBe("amount")
      expect(decimals.reason).toContain("at most 2 decimals")
      const capture = yield* Effect.flip(
        decodeRequest(Payment.PaymentCaptureRequest, "request")({ amount: 0 }),
      )
      expect(capture.field).toBe("amount")
    }),
  )

  it.effect("a currency, capture delay or restriction MobilePay does not know", () =>
    Effect.gen(function* () {
      const currency = yield* Effect.flip(
        decodeRequest(
          Payment.InitiatePaymentRequest,
          "request",
        )({
          ...initiate,
          // @ts-expect-error SEK is not a PoS currency
          currencyCode: "SEK",
        }),
      )
      expect(currency.field).toBe("currencyCode")
      const delay = yield* Effect.flip(
        decodeRequest(
          Payment.PaymentReadyRequest,
          "request",
        )({
          amount: 1,
          currencyCode: "DKK",
          // @ts-expect-error not a planned capture delay
          plannedCaptureDelay: "Tomorrow",
        }),
      )
      expect(delay.field).toBe("plannedCaptureDelay")
      const restriction = yield* Effect.flip(
        decodeInitiate({
          ...initiate,
          // @ts-expect-error a restriction is a boolean
          restrictions: { debitCardDisallowed: "yes" },
        }),
      )
      expect(restriction.field).toBe("restrictions.debitCardDisallowed")
    }),
  )

  it.effect("a malformed posId or paymentId", () =>
    Effect.gen(function* () {
      expect((yield* Effect.flip(decodeInitiate({ ...initiate, posId: "pos-1" }))).field).toBe(
        "posId",
      )
      const query = yield* Effect.flip(
        decodeRequest(Refund.QueryRefundIdsRequest, "request")({ paymentId: "1" }),
      )
      expect(query.field).toBe("paymentId")
    }),
  )

  it.effect("a bad beacon id", () =>
    Effect.gen(function* () {
      const create = yield* Effect.flip(decodeCreatePos({ ...createPos, beaconId: "12345" }))
      expect(create.field).toBe("beaconId")
      const filter = yield* Effect.flip(
        decodeRequest(
          PointOfSale.GetPosWithFilterRequest,
          "request",
        )({
          beaconId: "1234567890123456",
        }),
      )
      expect(filter.field).toBe("beaconId")
      const checkIn = yield* Effect.flip(
        decodeRequest(
          UserSimulation.UserCheckInRequest,
          "request",
        )({
          beaconId: "not-a-beacon",
          phoneNumber: "+4520031801",
        }),
      )
      expect(checkIn.field).toBe("beaconId")
    }),
  )

  it.effect("a repeated beacon type", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        decodeCreatePos({ ...createPos, supportedBeaconTypes: ["QR", "NFC", "QR"] }),
      )
      expect(error.field).toBe("supportedBeaconTypes")
      const unknown = yield* Effect.flip(
        // @ts-expect-error not a beacon type
        decodeCreatePos({ ...createPos, supportedBeaconTypes: ["QR", "Wifi"] }),
      )
      expect(unknown.field).toBe("supportedBeaconTypes.1")
    }),
  )

  it.effect("a bad merchant brand id or location id", () =>
    Effect.gen(function* () {
      const decode = decodeRequest(Store.GetStoresRequest, "request")
      expect(yield* decode({ merchantBrandId: "POSDK12345", merchantLocationId: "10001" })).toEqual(
        {
          merchantBrandId: "POSDK12345",
          merchantLocationId: "10001",
        },
      )
      expect(yield* decode({ merchantBrandId: "POSFIabcde" })).toEqual({
        merchantBrandId: "POSFIabcde",
      })
      for (const merchantBrandId of [
        "POSSE12345",
        "POSDK1234",
        "POSDK123456",
        "MPPOS",
        "posdk12345",
      ]) {
        const error = yield* Effect.flip(decode({ merchantBrandId }))
        expect(error.field).toBe("merchantBrandId")
      }
      for (const merchantLocationId of ["1000", "100001", ""]) {
        const error = yield* Effect.flip(decode({ merchantLocationId }))
        expect(error.field).toBe("merchantLocationId")
      }
    }),
  )

  it.effect("a phone number that is not in international format", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        decodeRequest(
          UserSimulation.AcceptPaymentRequest,
          "request",
        )({
          beaconId,
          phoneNumber: "20031801",
        }),
      )
      expect(error.field).toBe("phoneNumber")
    }),
  )

  it.effect("a missing required field", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        decodeRequest(
          Payment.PreparePaymentRequest,
          "request",
        )(
          // @ts-expect-error orderId is required
          { posId },
        ),
      )
      expect(error.field).toBe("orderId")
      expect(error.reason).toContain("missing")
    }),
  )
})
