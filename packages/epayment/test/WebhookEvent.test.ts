import { WebhookEvent } from "@effect-mobilepay/epayment"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Inspectable, Option, Redacted } from "effect"

const payment = (overrides: Record<string, unknown> = {}) => ({
  msn: "123456",
  reference: "acme-1234-1",
  pspReference: "1304787731",
  name: "AUTHORIZED",
  amount: { currency: "DKK", value: 1250 },
  timestamp: "2023-03-27T10:51:59.3781234Z",
  idempotencyKey: "49ca711a-acee-4d01-993b-9487112e1def",
  success: true,
  ...overrides,
})

const checkIn = (overrides: Record<string, unknown> = {}) => ({
  customerToken: "Y3VzdG9tZXItdG9rZW4tZm9yLXRlc3Rz",
  merchantQrId: "till-7",
  msn: "123456",
  initiatedAt: "2024-05-02T09:10:11.1234567Z",
  ...overrides,
})

describe("WebhookEvent", () => {
  it("decodes every ePayment event name with the one payload shape", () => {
    for (const name of WebhookEvent.PaymentEventName.literals) {
      const event = WebhookEvent.fromJson(payment({ name }))
      expect(event._tag).toBe("PaymentEvent")
      if (event._tag === "PaymentEvent") {
        expect(event.name).toBe(name)
        expect(event.amount).toEqual({ currency: "DKK", value: 1250 })
        expect(DateTime.formatIso(event.timestamp)).toBe("2023-03-27T10:51:59.378Z")
      }
    }
  })

  it("keeps success, and an idempotency key that is null or absent", () => {
    const failed = WebhookEvent.fromJson(payment({ name: "CAPTURED", success: false }))
    expect(failed._tag === "PaymentEvent" && failed.success).toBe(false)
    const { idempotencyKey: _, ...withoutKey } = payment({ name: "CANCELLED" })
    for (const body of [payment({ idempotencyKey: null }), withoutKey]) {
      const event = WebhookEvent.fromJson(body)
      expect(event._tag === "PaymentEvent" && Option.isNone(event.idempotencyKey)).toBe(true)
    }
    const keyed = WebhookEvent.fromJson(payment())
    expect(keyed._tag === "PaymentEvent" && keyed.idempotencyKey).toEqual(
      Option.some("49ca711a-acee-4d01-993b-9487112e1def"),
    )
  })

  it("tolerates the live additions and reads captureGuaranteedUntil", () => {
    const event = WebhookEvent.fromJson(
      payment({
        captureGuaranteedUntil: "2026-09-01T10:00:00.0000000Z",
        userDetails: { email: "someone@example.com" },
        profile: { sub: "c06c4afe-d9e1-4c5d-939a-177d752a0944" },
      }),
    )
    expect(event._tag).toBe("PaymentEvent")
    if (event._tag === "PaymentEvent") {
      expect(Option.map(event.captureGuaranteedUntil, DateTime.formatIso)).toEqual(
        Option.some("2026-09-01T10:00:00.000Z"),
      )
    }
  })

  it("decodes a check-in with msn or merchantSerialNumber", () => {
    const { msn: _, ...older } = checkIn()
    for (const body of [checkIn(), { ...older, merchantSerialNumber: "123456" }]) {
      const event = WebhookEvent.fromJson(body)
      expect(event._tag).toBe("CheckedIn")
      if (event._tag === "CheckedIn") {
        expect([event.msn, event.merchantQrId]).toEqual(["123456", "till-7"])
        expect(Redacted.value(event.customerToken)).toBe("Y3VzdG9tZXItdG9rZW4tZm9yLXRlc3Rz")
        expect(DateTime.formatIso(event.initiatedAt)).toBe("2024-05-02T09:10:11.123Z")
      }
    }
  })

  it("keeps a check-in's customer token out of its printed and logged forms", () => {
    const event = WebhookEvent.fromJson(checkIn())
    for (const shown of [
      String(event),
      JSON.stringify(event),
      Inspectable.toStringUnknown(event),
      Inspectable.stringifyCircular(event),
    ]) {
      expect(shown).not.toContain("Y3VzdG9tZXItdG9rZW4")
    }
  })

  it("turns unknown kinds and malformed known ones into an UnknownEvent with the body", () => {
    for (const body of [
      { sub: "abc", eventType: "recurring.agreement-activated.v1" },
      payment({ name: "PARTIALLY_CAPTURED" }),
      payment({ amount: { currency: "DKK", value: -1 } }),
      payment({ timestamp: "yesterday" }),
      checkIn({ customerToken: 42 }),
      [1, 2, 3],
      "text",
      null,
    ]) {
      const event = WebhookEvent.fromJson(body)
      expect(event._tag).toBe("UnknownEvent")
      expect(event._tag === "UnknownEvent" && event.body).toEqual(body)
    }
  })

  it("keys a payment event by msn, reference, name and pspReference", () => {
    const key = (body: unknown) => WebhookEvent.deduplicationKey(WebhookEvent.fromJson(body), "h")
    expect(key(payment())).toBe(key(payment({ timestamp: "2023-03-27T11:00:00Z", success: false })))
    for (const other of [
      { msn: "654321" },
      { reference: "acme-1234-2" },
      { name: "CAPTURED" },
      { pspReference: "1304787732" },
    ]) {
      expect(key(payment(other))).not.toBe(key(payment()))
    }
  })

  it("keys a check-in by msn, merchantQrId and initiatedAt", () => {
    const key = (body: unknown) => WebhookEvent.deduplicationKey(WebhookEvent.fromJson(body), "h")
    expect(key(checkIn())).toBe(key(checkIn({ customerToken: "b3RoZXItdG9rZW4=" })))
    for (const other of [
      { msn: "654321" },
      { merchantQrId: "till-8" },
      { initiatedAt: "2024-05-02T09:10:12.1234567Z" },
    ]) {
      expect(key(checkIn(other))).not.toBe(key(checkIn()))
    }
  })

  it("keys an unknown event by the fallback it is given", () => {
    const event = WebhookEvent.fromJson({ kind: "new" })
    expect(WebhookEvent.deduplicationKey(event, "a")).not.toBe(
      WebhookEvent.deduplicationKey(event, "b"),
    )
  })
})
