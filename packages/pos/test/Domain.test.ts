import { Domain as CoreDomain } from "@effect-mobilepay/core"
import { Domain } from "@effect-mobilepay/pos"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Schema } from "effect"
import { decodeRequest } from "../src/internal/decodeRequest.js"

const decodeAmount = decodeRequest(Domain.Amount, "amount")
const decodeDateTime = Schema.decodeUnknown(Domain.MobilePayDateTime)

describe("Amount", () => {
  it.effect("accepts whole and 2-decimal amounts as they are", () =>
    Effect.gen(function* () {
      expect(yield* decodeAmount(12.5)).toBe(12.5)
      expect(yield* decodeAmount(0.01)).toBe(0.01)
      expect(yield* decodeAmount(1.15)).toBe(1.15)
      expect(yield* decodeAmount(100)).toBe(100)
      expect(yield* decodeAmount(99999999.99)).toBe(99999999.99)
    }),
  )

  it.effect("rounds floating-point noise to whole cents: 0.1 + 0.2 is sent as 0.3", () =>
    Effect.gen(function* () {
      const amount = yield* decodeAmount(0.1 + 0.2)
      expect(amount).toBe(0.3)
      expect(JSON.stringify({ amount })).toBe('{"amount":0.3}')
      expect(yield* decodeAmount(1.1 * 3)).toBe(3.3)
      expect(yield* decodeAmount(0.07 * 100)).toBe(7)
    }),
  )

  it.effect("refuses 3 decimals, also where floating point hides them", () =>
    Effect.gen(function* () {
      for (const value of [12.345, 1.005, 0.001, 12.3400001, 12345678.12345]) {
        const error = yield* Effect.flip(decodeAmount(value))
        expect(error._tag).toBe("InvalidInput")
        expect(error.field).toBe("amount")
        expect(error.reason).toContain("at most 2 decimals")
      }
    }),
  )

  it.effect("refuses zero, negative and non-finite amounts", () =>
    Effect.gen(function* () {
      for (const value of [0, -1, -0.01, Number.NaN, Number.POSITIVE_INFINITY, 1e11]) {
        const error = yield* Effect.flip(decodeAmount(value))
        expect(error.field).toBe("amount")
      }
      expect((yield* Effect.flip(decodeAmount(-12.5))).reason).toContain("positive")
    }),
  )
})

describe("MobilePayDateTime", () => {
  it.effect("reads .NET's 7 fractional digits with an offset", () =>
    Effect.gen(function* () {
      const utc = yield* decodeDateTime("2022-10-17T06:07:45.4847176+00:00")
      expect(DateTime.toEpochMillis(utc)).toBe(Date.UTC(2022, 9, 17, 6, 7, 45, 484))
      expect(DateTime.formatIso(utc)).toBe("2022-10-17T06:07:45.484Z")
    }),
  )

  it.effect("applies the offset, and accepts Z and any number of fractional digits", () =>
    Effect.gen(function* () {
      const expected = Date.UTC(2022, 9, 17, 4, 7, 45, 400)
      const inputs = [
        "2022-10-17T06:07:45.4+02:00",
        "2022-10-17T06:07:45.40+02:00",
        "2022-10-17T04:07:45.4Z",
        "2022-10-16T23:37:45.4000000-04:30",
      ]
      for (const input of inputs) {
        expect(DateTime.toEpochMillis(yield* decodeDateTime(input))).toBe(expected)
      }
      const truncated = yield* decodeDateTime("2022-12-31T23:59:59.9999999Z")
      expect(DateTime.formatIso(truncated)).toBe("2022-12-31T23:59:59.999Z")
      const acrossYears = yield* decodeDateTime("2023-01-01T00:30:00.0000000+01:00")
      expect(DateTime.formatIso(acrossYears)).toBe("2022-12-31T23:30:00.000Z")
      const whole = yield* decodeDateTime("2024-02-29T23:59:59+00:00")
      expect(DateTime.toEpochMillis(whole)).toBe(Date.UTC(2024, 1, 29, 23, 59, 59))
      // Years 0-99 are themselves, not 1900-1999.
      const early = yield* decodeDateTime("0099-12-31T23:59:59Z")
      expect(DateTime.formatIso(early)).toBe("0099-12-31T23:59:59.000Z")
    }),
  )

  it.effect("refuses the OpenAPI example's slip, missing offsets and impossible dates", () =>
    Effect.gen(function* () {
      const inputs = [
        "17-10-2022 06:07:45 +00:00",
        "2022-10-17T06:07:45.4847176",
        "2022-10-17",
        "2022-02-30T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2022-10-17T24:00:00Z",
        "2022-10-17T06:60:00Z",
        "2022-13-01T00:00:00Z",
        "2022-10-17T06:07:45+25:00",
        "",
      ]
      for (const input of inputs) {
        const error = yield* Effect.flip(decodeDateTime(input))
        expect(error._tag).toBe("ParseError")
      }
    }),
  )

  it.effect("encodes back to ISO 8601 in UTC", () =>
    Effect.gen(function* () {
      const utc = yield* decodeDateTime("2022-10-17T08:07:45.1234567+02:00")
      expect(yield* Schema.encode(Domain.MobilePayDateTime)(utc)).toBe("2022-10-17T06:07:45.123Z")
    }),
  )
})

describe("ids", () => {
  it.effect("a beacon id is a GUID or exactly 15 digits", () =>
    Effect.gen(function* () {
      const decode = decodeRequest(Domain.BeaconId, "beaconId")
      expect(yield* decode("a7b69d37-6753-4e94-afc3-ef5dab04b7f4")).toBe(
        "a7b69d37-6753-4e94-afc3-ef5dab04b7f4",
      )
      expect(yield* decode("123456789012345")).toBe("123456789012345")
      for (const bad of ["12345678901234", "1234567890123456", "12345678901234a", "beacon-1", ""]) {
        const error = yield* Effect.flip(decode(bad))
        expect(error.field).toBe("beaconId")
        expect(error.reason).toContain("GUID or exactly 15 digits")
      }
    }),
  )

  it.effect("resource ids are GUIDs", () =>
    Effect.gen(function* () {
      const decode = decodeRequest(Domain.PaymentId, "paymentId")
      expect(yield* decode("3974eae6-e36f-4148-b5ee-22689e528c75")).toBe(
        "3974eae6-e36f-4148-b5ee-22689e528c75",
      )
      const error = yield* Effect.flip(decode("3974eae6e36f4148b5ee22689e528c75"))
      expect(error.field).toBe("paymentId")
    }),
  )

  it.effect("an idempotency key is 1 to 36 valid characters", () =>
    Effect.gen(function* () {
      const decode = decodeRequest(Domain.IdempotencyKey, "idempotencyKey")
      expect(yield* decode("8a3d4c2e-0b1f-4e5a-9c7d-6e2f1a0b3c4d")).toHaveLength(36)
      expect((yield* Effect.flip(decode("x".repeat(37)))).field).toBe("idempotencyKey")
      expect((yield* Effect.flip(decode("key\u0000"))).field).toBe("idempotencyKey")
      expect((yield* Effect.flip(decode(""))).field).toBe("idempotencyKey")
    }),
  )

  it.effect("a malformed merchant VAT number fails naming the field", () =>
    Effect.gen(function* () {
      const decode = decodeRequest(CoreDomain.MerchantVat, "merchantVat")
      expect(yield* decode("DK90000028")).toBe("DK90000028")
      for (const bad of ["DK1234567", "SE12345678", "dk12345678", "DK123456789"]) {
        const error = yield* Effect.flip(decode(bad))
        expect(error._tag).toBe("InvalidInput")
        expect(error.field).toBe("merchantVat")
      }
    }),
  )
})
