/**
 * A token's times count from when its request was sent, shortened (never lengthened) by the
 * `iat`/`exp` claims of a JWT.
 */
import { AccessToken } from "@effect-mobilepay/core"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Option, Redacted } from "effect"
import * as TokenTimes from "../src/internal/tokenTimes.js"

const jwt = (claims: object) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`

// As TokenClient makes it: received at `readAt`, living `seconds` from then.
const received = (value: string, readAt: number, seconds: number) =>
  new AccessToken.AccessToken({
    value: Redacted.make(value),
    tokenType: "Bearer",
    scope: "integrator_scope",
    expiresIn: Duration.seconds(seconds),
    issuedAt: DateTime.unsafeMake(readAt),
    expiresAt: DateTime.unsafeMake(readAt + seconds * 1000),
    merchantVat: Option.none(),
  })

describe("TokenTimes.countedFrom", () => {
  it("counts the lifetime from when the request was sent, not from when the answer was read", () => {
    // Sent at 10 s, read 3.5 s later by a stalled process.
    const token = TokenTimes.countedFrom(received("opaque-token", 13_500, 60), 10_000)
    expect(token.issuedAt.epochMillis).toBe(10_000)
    expect(token.expiresAt.epochMillis).toBe(70_000)
  })

  it("takes an earlier exp claim, and a shorter exp - iat lifetime", () => {
    const sentAt = 1_800_000_000_000
    // The server says the token expires 50 s after it was issued, though expires_in says 60.
    const claimed = TokenTimes.countedFrom(
      received(jwt({ iat: sentAt / 1000, exp: sentAt / 1000 + 50 }), sentAt + 900, 60),
      sentAt,
    )
    expect(claimed.expiresAt.epochMillis).toBe(sentAt + 50_000)
    // An exp before the request's start plus half the lifetime (a server clock far behind)
    // is not believed; exp - iat still bounds the lifetime.
    const behind = TokenTimes.countedFrom(
      received(jwt({ iat: sentAt / 1000 - 3600, exp: sentAt / 1000 - 3540 }), sentAt + 10, 60),
      sentAt,
    )
    expect(behind.expiresAt.epochMillis).toBe(sentAt + 60_000)
    // Claims never lengthen a token.
    const later = TokenTimes.countedFrom(
      received(jwt({ iat: sentAt / 1000, exp: sentAt / 1000 + 7200 }), sentAt + 10, 60),
      sentAt,
    )
    expect(later.expiresAt.epochMillis).toBe(sentAt + 60_000)
  })
})
