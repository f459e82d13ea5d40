import { Domain } from "@effect-mobilepay/epayment"
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"

const accepts = (value: unknown) =>
  Schema.decodeUnknownEither(Domain.Reference)(value)._tag === "Right"

describe("Domain", () => {
  it("Reference is 8 to 64 of A-Z, a-z, 0-9 and -", () => {
    for (const good of ["acme-123", "A".repeat(64), "till-1-order-42-1", "12345678"]) {
      expect(accepts(good)).toBe(true)
    }
    for (const bad of ["acme-12", "A".repeat(65), "order_42-1", "order 42-1", "ordre-æøå-1", ""]) {
      expect(accepts(bad)).toBe(false)
    }
  })
})
