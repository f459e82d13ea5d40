/**
 * Properties of what a caller sends. Valid input: every request schema encodes (to JSON, as
 * sent) and decodes to itself. Invalid input: one field or option of an otherwise valid call
 * made invalid fails with `InvalidInput` naming it, and nothing reaches MobilePay (neither a
 * PoS request nor a token request).
 */
import type { PosClient } from "@effect-mobilepay/pos"
import { Payment, PointOfSale, Refund, Store, UserSimulation } from "@effect-mobilepay/pos"
import { Domain } from "@effect-mobilepay/pos"
import { Domain as CoreDomain } from "@effect-mobilepay/core"
import { Contract, TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect, Either, FastCheck as fc, Schema } from "effect"
import { setup } from "./support/ScriptedMobilePay.js"

const requestSchemas: ReadonlyArray<readonly [string, Schema.Schema.AnyNoContext]> = [
  ["InitiatePaymentRequest", Payment.InitiatePaymentRequest],
  ["PreparePaymentRequest", Payment.PreparePaymentRequest],
  ["PaymentReadyRequest", Payment.PaymentReadyRequest],
  ["PaymentCaptureRequest", Payment.PaymentCaptureRequest],
  ["QueryPaymentIdsRequest", Payment.QueryPaymentIdsRequest],
  ["CreateRefundRequest", Refund.CreateRefundRequest],
  ["QueryRefundIdsRequest", Refund.QueryRefundIdsRequest],
  ["CreatePosRequest", PointOfSale.CreatePosRequest],
  ["GetPosWithFilterRequest", PointOfSale.GetPosWithFilterRequest],
  ["GetStoresRequest", Store.GetStoresRequest],
  ["UserCheckInRequest", UserSimulation.UserCheckInRequest],
  ["AcceptPaymentRequest", UserSimulation.AcceptPaymentRequest],
  ["CancelPaymentByUserRequest", UserSimulation.CancelPaymentByUserRequest],
  ["PosId", Domain.PosId],
  ["PaymentId", Domain.PaymentId],
  ["RefundId", Domain.RefundId],
  ["StoreId", Domain.StoreId],
  ["BeaconId", Domain.BeaconId],
  ["IdempotencyKey", Domain.IdempotencyKey],
  ["Amount", Domain.Amount],
  ["MobilePayDateTime", Domain.MobilePayDateTime],
  ["MerchantVat", CoreDomain.MerchantVat],
]

Contract.everyInputRoundTrips(requestSchemas)

// What a JavaScript caller, or values read from JSON, can pass where the types say otherwise.
const untyped = <A>(value: unknown): A => value as A

const validCharacter = fc.constantFrom(...CoreDomain.validCharacters)
const text = (min: number, max: number) =>
  fc.string({ unit: validCharacter, minLength: min, maxLength: max })
const invalidCharacter = fc.constantFrom("\n", "\t", "\u0000", "€", "🙂", "日", "–", "\u200b")
const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const bad = {
  text36: fc.oneof(
    fc.constant(""),
    text(37, 80),
    fc.tuple(text(0, 20), invalidCharacter, text(0, 10)).map(([a, c, b]) => `${a}${c}${b}`),
    fc.constantFrom(42, null, true),
  ),
  guid: fc.oneof(
    fc.string({ maxLength: 40 }).filter((s) => !guidPattern.test(s)),
    fc.uuid().map((id) => id.replace(/-/g, "")),
    fc.uuid().map((id) => `${id}0`),
    fc.constantFrom(42, null),
  ),
  amount: fc.oneof(
    fc.constantFrom(0, -0.01, Number.NaN, Infinity, -Infinity, 1e11, "12.50", null),
    fc.double({ max: 0, noNaN: true }),
    fc
      .integer({ min: 1, max: 10_000_000 })
      .filter((n) => n % 10 !== 0)
      .map((n) => n / 1000),
  ),
  currency: fc.oneof(
    fc.string().filter((s) => s !== "DKK" && s !== "EUR"),
    fc.constantFrom("dkk", "SEK"),
  ),
  captureDelay: fc
    .string()
    .filter((s) => !["None", "LessThan24Hours", "LessThan14Days"].includes(s)),
  beaconId: fc.string({ maxLength: 40 }).filter((s) => !guidPattern.test(s) && !/^\d{15}$/.test(s)),
  boolean: fc.constantFrom("yes", 1, "true"),
  beaconTypes: fc.oneof(fc.constant(["QR", "QR"]), fc.constant(["QR", "Wifi"]), fc.constant("QR")),
  phone: fc.string({ maxLength: 20 }).filter((s) => !/^\+\d{6,15}$/.test(s)),
  brandId: fc.string({ maxLength: 12 }).filter((s) => !/^(MPPOS|POSDK|POSFI).{5}$/u.test(s)),
  locationId: fc.string({ maxLength: 8 }).filter((s) => [...s].length !== 5),
  state: fc.string().filter((s) => s !== "Captured"),
  vat: fc.string({ maxLength: 12 }).filter((s) => !/^(DK|FI)\d{8}$/.test(s)),
  timeout: fc.constantFrom(Number.NaN, -1, 0, Infinity, "soon", "-5 seconds", "5 secs", null),
  idempotencyKey: fc.oneof(
    fc.constant(""),
    text(37, 60),
    fc.constantFrom("Š-key", "key-ž", "tab\tkey", "€"),
  ),
}

type Input = Record<string, unknown>
type Call = (
  client: PosClient.PosClient.Service,
  input: Input,
  options: PosClient.CreateOptions,
) => Effect.Effect<unknown, unknown>

interface Case {
  readonly valid: fc.Arbitrary<Input>
  readonly fields: Readonly<Record<string, fc.Arbitrary<unknown>>>
  readonly create?: boolean
  readonly call: Call
}

const encoded = <A, I extends Input>(schema: Schema.Schema<A, I>): fc.Arbitrary<Input> =>
  Arbitrary.make(schema).map((value) => ({ ...Schema.encodeSync(schema)(value) }))
const withId = (name: string, body: fc.Arbitrary<Input>) =>
  fc.tuple(fc.uuid(), body).map(([id, rest]): Input => ({ ...rest, [name]: id }))
const id = (name: string) => fc.uuid().map((value): Input => ({ [name]: value }))
const without = (input: Input, name: string): Input => {
  const { [name]: _, ...rest } = input
  return rest
}
const idOf = (input: Input, name: string) => untyped<string>(input[name])

const cases: Readonly<Record<string, Case>> = {
  initiatePayment: {
    valid: encoded(Payment.InitiatePaymentRequest),
    fields: {
      posId: bad.guid,
      orderId: bad.text36,
      amount: bad.amount,
      currencyCode: bad.currency,
      plannedCaptureDelay: bad.captureDelay,
      merchantPaymentLabel: bad.text36,
    },
    create: true,
    call: (c, i, o) => c.initiatePayment(untyped(i), o),
  },
  preparePayment: {
    valid: encoded(Payment.PreparePaymentRequest),
    fields: { posId: bad.guid, orderId: bad.text36 },
    create: true,
    call: (c, i, o) => c.preparePayment(untyped(i), o),
  },
  paymentReady: {
    valid: withId("paymentId", encoded(Payment.PaymentReadyRequest)),
    fields: {
      paymentId: bad.guid,
      amount: bad.amount,
      currencyCode: bad.currency,
      plannedCaptureDelay: bad.captureDelay,
      merchantPaymentLabel: bad.text36,
    },
    call: (c, i, o) => c.paymentReady(idOf(i, "paymentId"), untyped(without(i, "paymentId")), o),
  },
  capturePayment: {
    valid: withId("paymentId", encoded(Payment.PaymentCaptureRequest)),
    fields: { paymentId: bad.guid, amount: bad.amount },
    call: (c, i, o) => c.capturePayment(idOf(i, "paymentId"), untyped(without(i, "paymentId")), o),
  },
  queryPaymentIds: {
    valid: encoded(Payment.QueryPaymentIdsRequest),
    fields: { posId: bad.guid, orderId: bad.text36, state: bad.state },
    call: (c, i, o) => c.queryPaymentIds(untyped(i), o),
  },
  queryPayment: {
    valid: id("paymentId"),
    fields: { paymentId: bad.guid },
    call: (c, i, o) => c.queryPayment(idOf(i, "paymentId"), o),
  },
  cancelPayment: {
    valid: id("paymentId"),
    fields: { paymentId: bad.guid },
    call: (c, i, o) => c.cancelPayment(idOf(i, "paymentId"), o),
  },
  createRefund: {
    valid: encoded(Refund.CreateRefundRequest),
    fields: {
      paymentId: bad.guid,
      refundOrderId: bad.text36,
      amount: bad.amount,
      currencyCode: bad.currency,
    },
    create: true,
    call: (c, i, o) => c.createRefund(untyped(i), o),
  },
  queryRefundIds: {
    valid: encoded(Refund.QueryRefundIdsRequest),
    fields: { paymentId: bad.guid },
    call: (c, i, o) => c.queryRefundIds(untyped(i), o),
  },
  getRefund: {
    valid: id("refundId"),
    fields: { refundId: bad.guid },
    call: (c, i, o) => c.getRefund(idOf(i, "refundId"), o),
  },
  captureRefund: {
    valid: id("refundId"),
    fields: { refundId: bad.guid },
    call: (c, i, o) => c.captureRefund(idOf(i, "refundId"), o),
  },
  cancelRefund: {
    valid: id("refundId"),
    fields: { refundId: bad.guid },
    call: (c, i, o) => c.cancelRefund(idOf(i, "refundId"), o),
  },
  createPos: {
    valid: encoded(PointOfSale.CreatePosRequest),
    fields: {
      merchantPosId: bad.text36,
      storeId: bad.guid,
      name: bad.text36,
      beaconId: bad.beaconId,
      callbackAlias: bad.text36,
      supportedBeaconTypes: bad.beaconTypes,
      requirePaymentBeforeCheckin: bad.boolean,
    },
    create: true,
    call: (c, i, o) => c.createPos(untyped(i), o),
  },
  getPosWithFilter: {
    valid: encoded(PointOfSale.GetPosWithFilterRequest),
    fields: { storeId: bad.guid, beaconId: bad.beaconId, merchantPosId: bad.text36 },
    call: (c, i, o) => c.getPosWithFilter(untyped(i), o),
  },
  getPos: {
    valid: id("posId"),
    fields: { posId: bad.guid },
    call: (c, i, o) => c.getPos(idOf(i, "posId"), o),
  },
  deletePos: {
    valid: id("posId"),
    fields: { posId: bad.guid },
    call: (c, i, o) => c.deletePos(idOf(i, "posId"), o),
  },
  getCheckIn: {
    valid: id("posId"),
    fields: { posId: bad.guid },
    call: (c, i, o) => c.getCheckIn(idOf(i, "posId"), o),
  },
  getStores: {
    valid: encoded(Store.GetStoresRequest),
    fields: { merchantBrandId: bad.brandId, merchantLocationId: bad.locationId },
    call: (c, i, o) => c.getStores(untyped(i), o),
  },
  getDetailedStores: {
    valid: encoded(Store.GetStoresRequest),
    fields: { merchantBrandId: bad.brandId, merchantLocationId: bad.locationId },
    call: (c, i, o) => c.getDetailedStores(untyped(i), o),
  },
  getStore: {
    valid: id("storeId"),
    fields: { storeId: bad.guid },
    call: (c, i, o) => c.getStore(idOf(i, "storeId"), o),
  },
  simulateCheckIn: {
    valid: encoded(UserSimulation.UserCheckInRequest),
    fields: { beaconId: bad.beaconId, phoneNumber: bad.phone },
    call: (c, i, o) => c.simulateCheckIn(untyped(i), o),
  },
  simulateAcceptPayment: {
    valid: encoded(UserSimulation.AcceptPaymentRequest),
    fields: { beaconId: bad.beaconId, phoneNumber: bad.phone },
    call: (c, i, o) => c.simulateAcceptPayment(untyped(i), o),
  },
  simulateCancelPaymentByUser: {
    valid: encoded(UserSimulation.CancelPaymentByUserRequest),
    fields: { beaconId: bad.beaconId },
    call: (c, i, o) => c.simulateCancelPaymentByUser(untyped(i), o),
  },
}

describe("invalid input is InvalidInput with nothing sent", () => {
  it("every operation of the client is covered", () => {
    const setupOperations = Object.keys(cases).sort()
    expect(setupOperations).toHaveLength(23)
  })

  for (const [operation, spec] of Object.entries(cases)) {
    it.scoped(operation, () =>
      Effect.gen(function* () {
        const { client, received, tokenRequests } = yield* setup(() => TokenEndpoint.respond(500))
        const options: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
          merchantVat: bad.vat,
          timeout: bad.timeout,
          ...(spec.create === true ? { idempotencyKey: bad.idempotencyKey } : {}),
        }
        const targets = [
          ...Object.keys(spec.fields).map((name) => ["field", name] as const),
          ...Object.keys(options).map((name) => ["option", name] as const),
        ]
        const corrupted = fc
          .tuple(spec.valid, fc.constantFrom(...targets))
          .chain(([input, [where, name]]) =>
            (where === "field" ? spec.fields[name] : options[name])!.map(
              (value) => [input, where, name, value] as const,
            ),
          )
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(corrupted, async ([input, where, name, value]) => {
              const call =
                where === "field"
                  ? spec.call(client, { ...input, [name]: value }, {})
                  : spec.call(client, input, untyped({ [name]: value }))
              const result = await Effect.runPromise(Effect.either(call))
              // The field itself, or a path inside it (`supportedBeaconTypes.1`).
              expect(Either.isLeft(result) && result.left).toMatchObject({
                _tag: "InvalidInput",
                field: expect.stringMatching(new RegExp(`^${name}(\\.|$)`)),
              })
            }),
            { numRuns: 150 },
          ),
        )
        expect(yield* received).toHaveLength(0)
        expect(yield* tokenRequests).toHaveLength(0)
      }),
    )
  }
})
