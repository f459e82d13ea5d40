import { RetryPolicy } from "@effect-mobilepay/core"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Option } from "effect"
import * as Transience from "../src/internal/transience.js"

describe("RetryPolicy", () => {
  it("defaults to MobilePay's suggested 2 retries", () => {
    expect(RetryPolicy.defaultPolicy.retries).toBe(2)
  })

  it("holds the retries between 0 and MobilePay's maximum of 5", () => {
    expect(RetryPolicy.make({ retries: 9 }).retries).toBe(5)
    expect(RetryPolicy.make({ retries: -1 }).retries).toBe(0)
    expect(RetryPolicy.make({ retries: 4 }).retries).toBe(4)
  })

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-11-28T10:00:00Z")
    expect(Transience.parseRetryAfter("7", now)).toEqual(Option.some(Duration.seconds(7)))
    expect(Transience.parseRetryAfter("Sat, 28 Nov 2026 10:00:05 GMT", now)).toEqual(
      Option.some(Duration.seconds(5)),
    )
    expect(Transience.parseRetryAfter("soon", now)).toEqual(Option.none())
    expect(Transience.parseRetryAfter(undefined, now)).toEqual(Option.none())
  })
})
