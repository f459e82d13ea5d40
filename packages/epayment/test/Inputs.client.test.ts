/**
 * Invalid input never leaves the process: one field of an otherwise valid call made invalid
 * fails with `InvalidInput` naming it, and the server sees nothing (no ePayment request, no
 * token request).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, TestClock } from "effect"
import { reference, setup } from "./support/ScriptedEPayment.js"
import { TokenEndpoint } from "@effect-mobilepay/test-support"

// What a JavaScript caller, or values read from JSON, can pass where the types say otherwise.
const untyped = <A>(value: unknown): A => value as A

const bad = {
  reference: fc.oneof(
    fc.string({ maxLength: 7 }),
    fc.string({ minLength: 65, maxLength: 80 }),
    fc.constantFrom("order_42-1", "order 42-1", "ordre-æøå-1", 42, null),
  ),
  amount: fc.oneof(
    fc.constantFrom(-1, 12.5, Number.NaN, Infinity, "1250", null),
    fc.record({ currency: fc.constant("DKK"), value: fc.constant(0) }).map((a) => a.value),
  ),
  currency: fc.constantFrom("SEK", "dkk", "", 1),
  phoneNumber: fc.oneof(
    fc.stringMatching(/^\d{1,9}$/),
    fc.stringMatching(/^\d{16,20}$/),
    fc.constantFrom("+4512345678", "45 12 34 56 78", "45-12345678"),
  ),
  personalQr: fc.oneof(fc.string({ maxLength: 4 }), fc.string({ minLength: 256, maxLength: 300 })),
  description: fc.oneof(fc.string({ maxLength: 2 }), fc.string({ minLength: 101, maxLength: 120 })),
  idempotencyKey: fc.oneof(
    fc.constant(""),
    fc.stringMatching(/^[a-z0-9-]{51,60}$/),
    fc.constantFrom("key with space", "key_underscore", "Š-key"),
  ),
  msn: fc.oneof(
    fc.stringMatching(/^\d{1,3}$/),
    fc.stringMatching(/^\d{11,14}$/),
    fc.constant("MSN123"),
  ),
  timeout: fc.constantFrom(Number.NaN, -1, 0, Infinity, "soon", "-5 seconds"),
}

interface Case {
  readonly call: string
  readonly field: string
  readonly value: fc.Arbitrary<unknown>
  readonly run: (
    client: Effect.Effect.Success<ReturnType<typeof setup>>["client"],
    value: unknown,
  ) => Effect.Effect<unknown, unknown>
}

const push = {
  amount: { currency: "DKK", value: 1250 },
  paymentMethod: { type: "WALLET" },
  reference,
  userFlow: "PUSH_MESSAGE",
  customer: { phoneNumber: "4512345678" },
} as const
const amount = { currency: "DKK", value: 100 } as const

const cases: ReadonlyArray<Case> = [
  {
    call: "create",
    field: "reference",
    value: bad.reference,
    run: (c, v) => c.create(untyped({ ...push, reference: v })),
  },
  {
    call: "create",
    field: "amount.value",
    value: bad.amount,
    run: (c, v) => c.create(untyped({ ...push, amount: { currency: "DKK", value: v } })),
  },
  {
    call: "create",
    field: "amount.currency",
    value: bad.currency,
    run: (c, v) => c.create(untyped({ ...push, amount: { currency: v, value: 1250 } })),
  },
  {
    call: "create (phoneNumber)",
    field: "customer",
    value: bad.phoneNumber,
    run: (c, v) => c.create(untyped({ ...push, customer: { phoneNumber: v } })),
  },
  {
    call: "create (personalQr)",
    field: "customer",
    value: bad.personalQr,
    run: (c, v) => c.create(untyped({ ...push, customer: { personalQr: v } })),
  },
  {
    call: "create",
    field: "paymentDescription",
    value: bad.description,
    run: (c, v) => c.create(untyped({ ...push, paymentDescription: v })),
  },
  {
    call: "create",
    field: "idempotencyKey",
    value: bad.idempotencyKey,
    run: (c, v) => c.create(push, { idempotencyKey: untyped(v) }),
  },
  {
    call: "get",
    field: "merchantSerialNumber",
    value: bad.msn,
    run: (c, v) => c.get(reference, { merchantSerialNumber: untyped(v) }),
  },
  {
    call: "get",
    field: "timeout",
    value: bad.timeout,
    run: (c, v) => c.get(reference, { timeout: untyped(v) }),
  },
  { call: "get", field: "reference", value: bad.reference, run: (c, v) => c.get(untyped(v)) },
  { call: "events", field: "reference", value: bad.reference, run: (c, v) => c.events(untyped(v)) },
  { call: "cancel", field: "reference", value: bad.reference, run: (c, v) => c.cancel(untyped(v)) },
  {
    call: "cancel",
    field: "cancelTransactionOnly",
    value: fc.constantFrom("yes", 1, null),
    run: (c, v) => c.cancel(reference, { cancelTransactionOnly: untyped(v) }),
  },
  {
    call: "capture",
    field: "modificationAmount.value",
    value: bad.amount,
    run: (c, v) => c.capture(reference, untyped({ currency: "DKK", value: v })),
  },
  {
    call: "refund",
    field: "modificationAmount.currency",
    value: bad.currency,
    run: (c, v) => c.refund(reference, untyped({ currency: v, value: 100 })),
  },
  {
    call: "refund",
    field: "idempotencyKey",
    value: bad.idempotencyKey,
    run: (c, v) => c.refund(reference, amount, { idempotencyKey: untyped(v) }),
  },
  {
    call: "forceApprove",
    field: "customer",
    value: bad.phoneNumber,
    run: (c, v) => c.forceApprove(reference, untyped({ customer: { phoneNumber: v } })),
  },
]

describe("invalid input fails with InvalidInput naming the field, and nothing is sent", () => {
  for (const { call, field, value, run } of cases) {
    it.scoped(`${call}: ${field}`, () =>
      Effect.gen(function* () {
        const { client, received, tokenRequests } = yield* setup(() => TokenEndpoint.respond(500))
        const samples = fc.sample(value, 25)
        for (const sample of samples) {
          const error = yield* Effect.flip(run(client, sample))
          expect(error).toMatchObject({
            _tag: "InvalidInput",
            field: expect.stringMatching(`^${field}`),
          })
        }
        expect(yield* received).toHaveLength(0)
        expect(yield* tokenRequests).toHaveLength(0)
      }),
    )
  }

  it.scoped("expiresAt must be more than 10 minutes and at most 60 days ahead (by the Clock)", () =>
    Effect.gen(function* () {
      const { client, received } = yield* setup(() => TokenEndpoint.respond(201, { reference }))
      yield* TestClock.setTime(Date.UTC(2026, 0, 1))
      const receipt = {
        orderLines: [
          {
            name: "socks",
            id: "1",
            totalAmount: 1250,
            totalAmountExcludingTax: 1000,
            totalTaxAmount: 250,
            taxRate: 2500,
          },
        ],
        bottomLine: { currency: "DKK" },
      } as const
      const at = (expiresAt: string) => client.create({ ...push, receipt, expiresAt })
      for (const early of ["2026-01-01T00:10:00Z", "2025-12-31T23:59:00Z"]) {
        expect(yield* Effect.flip(at(early))).toMatchObject({
          _tag: "InvalidInput",
          field: "expiresAt",
        })
      }
      expect(yield* Effect.flip(at("2026-03-02T00:00:01Z"))).toMatchObject({ field: "expiresAt" })
      expect(yield* received).toHaveLength(0)
      yield* at("2026-01-01T00:10:01Z")
      yield* at("2026-03-02T00:00:00+00:00")
      expect(yield* received).toHaveLength(2)
    }),
  )
})
