import { Domain, InvalidInput } from "@effect-mobilepay/core"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Option, Schema } from "effect"

const accepts = <A, I>(schema: Schema.Schema<A, I>, value: unknown) =>
  Schema.is(Schema.typeSchema(schema))(value) &&
  Schema.decodeUnknownEither(schema)(value)._tag === "Right"

describe("Domain", () => {
  it("MerchantVat is DK or FI followed by exactly 8 digits", () => {
    expect(accepts(Domain.MerchantVat, "DK90000028")).toBe(true)
    expect(accepts(Domain.MerchantVat, "FI90000040")).toBe(true)
    for (const bad of ["DK9000002", "DK900000288", "SE90000028", "dk90000028", " DK90000028"]) {
      expect(accepts(Domain.MerchantVat, bad)).toBe(false)
    }
  })

  it("ClientSystemVersion is Major.Minor.Build", () => {
    expect(accepts(Domain.ClientSystemVersion, "2.1.1")).toBe(true)
    expect(accepts(Domain.ClientSystemVersion, "10.0.123")).toBe(true)
    for (const bad of ["2.1", "2.1.1.1", "v2.1.1", "2.-1.1", ""]) {
      expect(accepts(Domain.ClientSystemVersion, bad)).toBe(false)
    }
  })

  it("Text36 takes 1 to 36 valid characters, Nordic letters and the listed punctuation included", () => {
    expect(accepts(Domain.Text36, "Ordre 1234 – ÆØÅ æøå äö šž ñ ÿý")).toBe(false) // the en dash is not valid
    expect(accepts(Domain.Text36, "Ordre 1234 - ÆØÅ æøå äö šž ñ ÿý")).toBe(true)
    expect(accepts(Domain.Text36, "#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")).toBe(true)
    expect(accepts(Domain.Text36, "x".repeat(36))).toBe(true)
    expect(accepts(Domain.Text36, "x".repeat(37))).toBe(false)
    expect(accepts(Domain.Text36, "")).toBe(false)
    for (const bad of ["tab\there", "emoji 🙂", "line\nbreak", "€uro", "日本"]) {
      expect(accepts(Domain.Text36, bad)).toBe(false)
    }
  })

  it("MerchantSerialNumber is 4 to 10 digits", () => {
    for (const good of ["1234", "123456", "1234567", "1234567890"]) {
      expect(accepts(Domain.MerchantSerialNumber, good)).toBe(true)
    }
    for (const bad of ["123", "12345678901", "12a456", " 123456", "+123456", ""]) {
      expect(accepts(Domain.MerchantSerialNumber, bad)).toBe(false)
    }
  })

  it("Guid is the canonical textual form", () => {
    expect(accepts(Domain.Guid, "3fa85f64-5717-4562-b3fc-2c963f66afa6")).toBe(true)
    expect(accepts(Domain.Guid, "3fa85f6457174562b3fc2c963f66afa6")).toBe(false)
  })

  it.effect("decodeInput names the field and says why", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        InvalidInput.decodeInput(Domain.Text36, "orderId")("x".repeat(40)),
      )
      expect(error).toMatchObject({ _tag: "InvalidInput", field: "orderId" })
      expect(error.message).toContain("at most 36 characters")
    }),
  )

  it("parseDateTime reads RFC 3339 as the platforms write it, and refuses days the calendar lacks", () => {
    const millis = (text: string) => Option.map(Domain.parseDateTime(text), DateTime.toEpochMillis)
    expect(millis("2023-03-27T10:51:44.5333258Z")).toEqual(
      Option.some(Date.UTC(2023, 2, 27, 10, 51, 44, 533)),
    )
    expect(millis("2022-10-17t08:07:45+02:00")).toEqual(
      Option.some(Date.UTC(2022, 9, 17, 6, 7, 45)),
    )
    expect(millis("0099-12-31T23:59:60z")).toEqual(
      Option.some(Date.UTC(2099, 11, 31, 23, 59, 59) - 146_097 * 86_400_000 * 5),
    )
    expect(Option.isSome(Domain.parseDateTime("2024-02-29T00:00:00Z"))).toBe(true)
    for (const text of ["2023-02-29T00:00:00Z", "2023-04-31T00:00:00Z", "2023-03-27T10:51:44"]) {
      expect(Domain.parseDateTime(text)).toEqual(Option.none())
    }
  })
})
