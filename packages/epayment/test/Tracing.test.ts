/**
 * One span per call, named after the operation, with what support needs (the operation, the
 * sales unit, the idempotency key) and each retried attempt as an event on it.
 */
import { Observe, Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { problem, reference, setup } from "./support/ScriptedEPayment.js"
import { TokenEndpoint } from "@effect-mobilepay/test-support"

describe("EPaymentClient spans", () => {
  it.scoped("a capture retried once: one span, with its key and sales unit", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup((_, nth) =>
        nth === 0
          ? problem(503)
          : TokenEndpoint.respond(200, {
              reference,
              state: "AUTHORIZED",
              amount: { currency: "DKK", value: 1250 },
              aggregate: {
                authorizedAmount: { currency: "DKK", value: 1250 },
                cancelledAmount: { currency: "DKK", value: 0 },
                capturedAmount: { currency: "DKK", value: 1250 },
                refundedAmount: { currency: "DKK", value: 0 },
              },
              pspReference: "1304787731",
            }),
      )
      const fiber = yield* Effect.fork(
        Observe.observe(
          client.capture(
            reference,
            { currency: "DKK", value: 1250 },
            { idempotencyKey: "order-42-capture-1" },
          ),
        ),
      )
      yield* Time.advanceToSleepAfter(yield* Time.arrival(received, 1), "10 seconds")
      const [, observed] = yield* Fiber.join(fiber)
      const spans = observed.spans.filter((span) => span.name.startsWith("EPaymentClient."))
      expect(spans.map((span) => span.name)).toEqual(["EPaymentClient.capturePayment"])
      expect(spans[0]?.attributes).toContain('"epayment.idempotency_key":"order-42-capture-1"')
      expect(spans[0]?.attributes).toContain('"epayment.merchant_serial_number":"123456"')
      expect(spans[0]?.attributes).toContain(`/epayment/v1/payments/${reference}/capture`)
      expect(observed.logLines.some((line) => line.includes("EPaymentServerError"))).toBe(true)
    }),
  )
})
