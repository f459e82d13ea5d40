/**
 * EPaymentClient end to end against the sandbox over loopback: the token from the Access Token
 * API, every operation, the in-store flows with the simulated customer, the customer timeout on
 * TestClock, and the typed errors for the refusals the sandbox produces.
 */
import type { Payment } from "@effect-mobilepay/epayment"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, TestClock } from "effect"
import { anna, bent, qrTarget, start } from "../support/Sandboxed.js"

const dkk = (value: number) => ({ currency: "DKK" as const, value })

const pushTo = (
  reference: string,
  customer: Payment.CreatePaymentRequest.Encoded["customer"],
  value = 12500,
): Payment.CreatePaymentRequest.Encoded => ({
  amount: dkk(value),
  paymentMethod: { type: "WALLET" },
  reference,
  userFlow: "PUSH_MESSAGE",
  customer,
  customerInteraction: "CUSTOMER_PRESENT",
  paymentDescription: "Coffee and a bun",
})

describe("EPaymentClient against the sandbox", () => {
  it.scoped("gets its token from the Access Token API, once, and sends it on every call", () =>
    Effect.gen(function* () {
      const { client, ePaymentRequests, tokenRequests, salesUnit } = yield* start()
      yield* client.create(pushTo("token-0001", { phoneNumber: anna.phoneNumber }))
      yield* client.get("token-0001")
      const tokens = yield* tokenRequests
      expect(tokens).toHaveLength(1)
      expect(tokens[0]?.headers["client_id"]).toBe(salesUnit.clientId)
      expect(tokens[0]?.headers["merchant-serial-number"]).toBe(salesUnit.msn)
      const calls = yield* ePaymentRequests
      expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([
        "POST /epayment/v1/payments",
        "GET /epayment/v1/payments/token-0001",
      ])
      for (const call of calls) {
        expect(call.headers["authorization"]).toMatch(/^Bearer .{20,}/)
        expect(call.headers["merchant-serial-number"]).toBe(salesUnit.msn)
        expect(call.headers["vipps-system-name"]).toBe("acme-pos")
      }
      expect(calls[0]?.headers["idempotency-key"]).toMatch(/^[A-Za-z0-9-]{1,50}$/)
    }),
  )

  it.scoped("push to a phone number: the customer approves, the till captures in full", () =>
    Effect.gen(function* () {
      const { client, customer } = yield* start()
      const created = yield* client.create(pushTo("push-0001", { phoneNumber: anna.phoneNumber }))
      expect(created.reference).toBe("push-0001")
      expect((yield* client.get("push-0001")).state).toBe("CREATED")
      const waiting = yield* customer.requests(anna.phoneNumber)
      expect(waiting.body).toMatchObject([{ reference: "push-0001", amount: dkk(12500) }])
      expect((yield* customer.approve("push-0001")).status).toBe(200)
      const authorized = yield* client.get("push-0001")
      expect(authorized.state).toBe("AUTHORIZED")
      expect(authorized.aggregate.authorizedAmount.value).toBe(12500)
      const captured = yield* client.capture("push-0001", dkk(12500))
      expect(captured.aggregate.capturedAmount.value).toBe(12500)
      const events = yield* client.events("push-0001")
      expect(events.map((event) => event.name)).toEqual(["CREATED", "AUTHORIZED", "CAPTURED"])
      expect(events.every((event) => event.success)).toBe(true)
    }),
  )

  it.scoped("the customer's personal QR: the request reaches its owner, who rejects it", () =>
    Effect.gen(function* () {
      const { client, customer } = yield* start()
      yield* client.create(pushTo("pqr-0001", { personalQr: bent.personalQr }))
      expect((yield* customer.requests(anna.phoneNumber)).body).toEqual([])
      expect((yield* customer.requests(bent.phoneNumber)).body).toMatchObject([
        { reference: "pqr-0001" },
      ])
      yield* customer.reject("pqr-0001", bent.phoneNumber)
      expect((yield* client.get("pqr-0001")).state).toBe("ABORTED")
      const events = yield* client.events("pqr-0001")
      expect(events.map((event) => event.name)).toEqual(["CREATED", "ABORTED"])
    }),
  )

  it.scoped("a dynamic QR in each format: the customer scans what the screen shows", () =>
    Effect.gen(function* () {
      const { client, customer } = yield* start()
      const svg = yield* client.create({
        amount: dkk(4500),
        paymentMethod: { type: "WALLET" },
        reference: "screen-0001",
        userFlow: "QR",
        qrFormat: { format: "IMAGE/SVG+XML" },
        customerInteraction: "CUSTOMER_PRESENT",
      })
      expect(svg.redirectUrl).toMatch(/\.svg$/)
      const target = yield* qrTarget(svg.redirectUrl ?? "")
      expect((yield* customer.scan(target)).body).toMatchObject({
        kind: "payment",
        reference: "screen-0001",
      })
      yield* customer.approve("screen-0001")
      expect((yield* client.get("screen-0001")).state).toBe("AUTHORIZED")

      const text = yield* client.create({
        amount: dkk(4500),
        paymentMethod: { type: "WALLET" },
        reference: "screen-0002",
        userFlow: "QR",
        qrFormat: { format: "TEXT/TARGETURL" },
      })
      yield* customer.scan(text.redirectUrl ?? "", bent.phoneNumber)
      yield* customer.approve("screen-0002", bent.phoneNumber)
      expect((yield* client.get("screen-0002")).state).toBe("AUTHORIZED")

      const png = yield* client.create({
        amount: dkk(4500),
        paymentMethod: { type: "WALLET" },
        reference: "screen-0003",
        userFlow: "QR",
        qrFormat: { format: "IMAGE/PNG", size: 300 },
      })
      expect(png.redirectUrl).toMatch(/\.png\?size=300$/)
    }),
  )

  it.scoped("partial captures, several, then partial refunds, several; the aggregate adds up", () =>
    Effect.gen(function* () {
      const { client, customer } = yield* start()
      yield* client.create(pushTo("split-0001", { phoneNumber: anna.phoneNumber }, 10000))
      yield* customer.approve("split-0001")
      yield* client.capture("split-0001", dkk(3000))
      const second = yield* client.capture("split-0001", dkk(2500))
      expect(second.aggregate.capturedAmount.value).toBe(5500)
      yield* client.refund("split-0001", dkk(1000))
      const refunded = yield* client.refund("split-0001", dkk(500))
      expect(refunded.aggregate.refundedAmount.value).toBe(1500)
      // A sixth change of the payment within a minute is over the platform's limit (§8); the
      // Retry-After is longer than the client waits, so the till sees it, typed.
      const limited = yield* Effect.flip(client.cancel("split-0001"))
      expect(limited).toMatchObject({ _tag: "EPaymentRateLimited", status: 429 })
      yield* TestClock.adjust("1 minute")
      // The rest of the reservation is released by a cancel after captures.
      const cancelled = yield* client.cancel("split-0001")
      expect(cancelled.aggregate.cancelledAmount.value).toBe(4500)
      const events = yield* client.events("split-0001")
      expect(events.map((event) => `${event.name} ${event.amount.value}`)).toEqual([
        "CREATED 10000",
        "AUTHORIZED 10000",
        "CAPTURED 3000",
        "CAPTURED 2500",
        "REFUNDED 1000",
        "REFUNDED 500",
        "CANCELLED 4500",
      ])
    }),
  )

  it.scoped("cancel before approval terminates the payment; the customer can no longer pay", () =>
    Effect.gen(function* () {
      const { client, customer } = yield* start()
      yield* client.create(pushTo("cancel-0001", { phoneNumber: anna.phoneNumber }))
      const cancelled = yield* client.cancel("cancel-0001")
      expect(cancelled.state).toBe("TERMINATED")
      expect((yield* customer.approve("cancel-0001")).status).toBe(409)
      expect((yield* client.get("cancel-0001")).state).toBe("TERMINATED")
    }),
  )

  it.scoped("cancelTransactionOnly after the approval won: CannotCancelAuthorized (6060)", () =>
    Effect.gen(function* () {
      const { client, customer } = yield* start()
      yield* client.create(pushTo("race-0001", { phoneNumber: anna.phoneNumber }))
      yield* customer.approve("race-0001")
      const error = yield* Effect.flip(client.cancel("race-0001", { cancelTransactionOnly: true }))
      expect(error._tag).toBe("CannotCancelAuthorized")
      expect(error).toMatchObject({ status: 400, code: "6060" })
      // The reservation is kept: the till captures it.
      expect((yield* client.get("race-0001")).state).toBe("AUTHORIZED")
    }),
  )

  it.scoped("cancelTransactionOnly racing an approval: exactly one of them wins", () =>
    Effect.gen(function* () {
      const { client, customer } = yield* start()
      for (const n of [1, 2, 3, 4, 5, 6]) {
        const reference = `race-100${n}`
        yield* client.create(pushTo(reference, { phoneNumber: anna.phoneNumber }))
        const [approval, cancel] = yield* Effect.all(
          [
            customer.approve(reference),
            Effect.either(client.cancel(reference, { cancelTransactionOnly: true })),
          ],
          { concurrency: 2 },
        )
        const state = (yield* client.get(reference)).state
        if (Either.isRight(cancel)) {
          expect(approval.status).toBe(409)
          expect(state).toBe("TERMINATED")
        } else {
          expect(cancel.left._tag).toBe("CannotCancelAuthorized")
          expect(approval.status).toBe(200)
          expect(state).toBe("AUTHORIZED")
        }
      }
    }),
  )

  it.scoped("force approve stands in for the customer", () =>
    Effect.gen(function* () {
      const { client } = yield* start()
      yield* client.create(pushTo("force-0001", { phoneNumber: bent.phoneNumber }))
      yield* client.forceApprove("force-0001", { customer: { phoneNumber: bent.phoneNumber } })
      expect((yield* client.get("force-0001")).state).toBe("AUTHORIZED")
    }),
  )

  it.scoped("an ignored request expires after the customer's 10 minutes", () =>
    Effect.gen(function* () {
      const { client } = yield* start()
      yield* client.create(pushTo("ignored-0001", { phoneNumber: anna.phoneNumber }))
      yield* TestClock.adjust(Duration.subtract(Duration.minutes(10), Duration.millis(1)))
      expect((yield* client.get("ignored-0001")).state).toBe("CREATED")
      yield* TestClock.adjust(Duration.millis(1))
      expect((yield* client.get("ignored-0001")).state).toBe("EXPIRED")
      const events = yield* client.events("ignored-0001")
      expect(events.map((event) => event.name)).toEqual(["CREATED", "EXPIRED"])
    }),
  )

  it.scoped("the refusals the sandbox makes arrive as their typed errors", () =>
    Effect.gen(function* () {
      const { client, customer } = yield* start()
      yield* client.create(pushTo("refuse-0001", { phoneNumber: anna.phoneNumber }, 5000))
      const early = yield* Effect.flip(client.capture("refuse-0001", dkk(5000)))
      expect(early).toMatchObject({
        _tag: "CaptureBeforeAuthorization",
        code: "6080",
        traceId: expect.stringMatching(/^00-[0-9a-f]{32}-/),
      })
      yield* customer.approve("refuse-0001")
      const tooHigh = yield* Effect.flip(client.capture("refuse-0001", dkk(5001)))
      expect(tooHigh).toMatchObject({ _tag: "CaptureAmountTooHigh", code: "6090", status: 400 })
      yield* client.capture("refuse-0001", dkk(2000))
      const refundTooHigh = yield* Effect.flip(client.refund("refuse-0001", dkk(2001)))
      expect(refundTooHigh).toMatchObject({ _tag: "RefundAmountTooHigh", code: "6150" })
      yield* TestClock.adjust("1 minute") // five changes so far: the limit per minute (§8)
      const afterCapture = yield* Effect.flip(
        client.cancel("refuse-0001", { cancelTransactionOnly: true }),
      )
      expect(afterCapture._tag).toBe("CannotCancelAuthorized")

      const unknown = yield* Effect.flip(client.get("no-such-payment"))
      expect(unknown).toMatchObject({ _tag: "PaymentNotFound", status: 404 })
      const stranger = yield* Effect.flip(
        client.create(pushTo("refuse-0002", { phoneNumber: "4599999999" })),
      )
      expect(stranger).toMatchObject({ _tag: "CustomerCannotPay", code: "7010" })
      // The reference is the payment's id: a second create with it (a new key) is refused.
      yield* TestClock.adjust("1 minute")
      const again = yield* Effect.flip(
        client.create(pushTo("refuse-0001", { phoneNumber: anna.phoneNumber }, 5000)),
      )
      expect(again._tag).toBe("ReferenceAlreadyUsed")
    }),
  )
})
