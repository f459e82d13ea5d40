/**
 * Property: the QR inputs are refused exactly when the API's rules say so, and a refused one
 * never leaves the process.
 */
import { QrClient } from "@effect-mobilepay/epayment"
import { TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Redacted, Schema } from "effect"
import {
  apiServer,
  clientContext,
  environmentOf,
  subscriptionKey,
  tokenSource,
} from "./vippsApi.js"

const accepts =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (value: unknown) =>
    Either.isRight(Schema.decodeUnknownEither(schema)(value))

describe("QR inputs", () => {
  it("a location description is 1 to 36 characters", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        expect(accepts(QrClient.LocationDescription)(text)).toBe(
          text.length >= 1 && text.length <= 36,
        )
      }),
    )
  })

  it("a beacon id is a GUID or 15 digits, nothing else", () => {
    const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`))
    fc.assert(
      fc.property(fc.oneof(fc.uuid(), digits(15)), (id) => {
        expect(accepts(QrClient.BeaconId)(id)).toBe(true)
      }),
    )
    fc.assert(
      fc.property(
        fc.oneof(
          digits(14),
          digits(16),
          fc.uuid().map((id) => `${id}x`),
          fc.string(),
        ),
        (id) => {
          fc.pre(!/^\d{15}$/.test(id))
          expect(accepts(QrClient.BeaconId)(id)).toBe(false)
        },
      ),
    )
  })

  it("a merchantQrId is never a path separator, query or fragment, nor a control character", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 128 }),
          fc.string({ unit: "binary", minLength: 1, maxLength: 128 }),
        ),
        (id) => {
          const safe = [...id].every((c) => {
            const code = c.charCodeAt(0)
            return (
              code >= 0x20 &&
              !(code >= 0x7f && code <= 0x9f) &&
              code <= 0xff &&
              !"/?#\\".includes(c)
            )
          })
          expect(accepts(QrClient.MerchantQrId)(id)).toBe(safe)
        },
      ),
    )
  })

  it.scoped("an image size outside 100-2000 is refused before sending; one inside is sent", () =>
    Effect.gen(function* () {
      const server = yield* apiServer(() =>
        TokenEndpoint.respond(200, { merchantQrId: "till-7", qrImageUrl: "https://qr.vipps.no/x" }),
      )
      const source = yield* tokenSource
      const qr = yield* QrClient.make({
        environment: environmentOf(server.baseUrl),
        subscriptionKey: Redacted.make(subscriptionKey),
        merchantSerialNumber: "123456",
      }).pipe(Effect.provide(yield* clientContext(source.tokens)))
      const sizes = fc.sample(fc.integer({ min: -5000, max: 5000 }), { numRuns: 40, seed: 3 })
      let sent = 0
      for (const size of [...sizes, 99, 100, 2000, 2001]) {
        const result = yield* Effect.either(qr.getCallbackQr("till-7", { format: "PNG", size }))
        const valid = size >= 100 && size <= 2000
        expect(Either.isRight(result)).toBe(valid)
        if (valid) sent++
        expect((yield* server.received).length).toBe(sent)
      }
    }),
  )
})
