/**
 * One till program, two platforms (#18: "move from V10 to ePayment by changing a layer"): the
 * program below knows only `Till`; each setting builds it with `PosTill.layer` (PoS V10) or
 * `EPaymentTill.layer` (ePayment) on the sandbox in-process over loopback, with a memory
 * journal, the customer played through the sandbox (V10's user simulation, ePayment's
 * simulated customer). Nothing here ages a payment, so the clock is the live one, with the
 * sandbox's and the flows' polls made short.
 */
import {
  ClientCredentials,
  Environment,
  SalesUnitCredentials,
  VippsEnvironment,
  VippsSystem,
} from "@effect-mobilepay/core"
import { EPaymentTill } from "@effect-mobilepay/epayment"
import { NodeEPayment, NodeMobilePay } from "@effect-mobilepay/node"
import { PosClient, PosTill } from "@effect-mobilepay/pos"
import { PaymentJournal, Till } from "@effect-mobilepay/sale"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { describe, expect, it } from "@effect/vitest"
import type { Scope } from "effect"
import { Effect, Layer, Option, Schedule } from "effect"

// ---------------------------------------------------------------------------------------
// The till program: only `Till`.

/** Rings a sale up; `customer` plays the customer once the sale is held; answers the outcome. */
const sell = <E, R>(
  sale: Till.Sale,
  customer: (held: Till.HeldSale) => Effect.Effect<void, E, R>,
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const held = yield* Till.start(sale)
      yield* customer(held)
      return { held, outcome: yield* held.await }
    }),
  )

/** Rings a sale up and gives up on it before the customer acts. */
const giveUp = (sale: Till.Sale) =>
  Effect.scoped(Effect.flatMap(Till.start(sale), (held) => held.cancel))

// ---------------------------------------------------------------------------------------
// The settings: the same program on each platform.

interface Setting {
  readonly till: Layer.Layer<Till.Till>
  /** The same till, on a platform that refuses its creates. */
  readonly refusing: Effect.Effect<Layer.Layer<Till.Till>>
  /** What the platform says when it refuses the create: status and code. */
  readonly refusal: { readonly status: number; readonly code: string }
  /** The customer approves the held sale in their app. */
  readonly approves: (held: Till.HeldSale) => Effect.Effect<void, unknown>
  /** How many requests the sandbox has received. */
  readonly requests: Effect.Effect<number>
}

const short = { pollDelay: "100 millis" } as const

const v10: Effect.Effect<Setting, unknown, Scope.Scope> = Effect.gen(function* () {
  const sandbox = yield* Sandbox.make(short)
  const merchant = SeedData.selfCertificationMerchant
  const storeId = merchant.stores[0]?.storeId ?? ""
  const clients = yield* Layer.build(
    NodeMobilePay.layer({
      credentials: yield* ClientCredentials.make(SeedData.integratorA),
      environment: Environment.custom(sandbox),
      clientSystemVersion: "1.0.0",
      merchantVat: merchant.vat,
    }),
  )
  const journal = yield* PaymentJournal.makeMemory
  const till = yield* Layer.build(
    PosTill.layer({ pointOfSale: { merchantPosId: "till-test", storeId } }),
  ).pipe(Effect.provide(clients), Effect.provideService(PaymentJournal.PaymentJournal, journal))
  const [pos] = (yield* sandbox.pointsOfSale).filter((p) => p.merchantPosId === "till-test")
  const beaconId = pos?.beaconId ?? ""
  const client = yield* Effect.provide(PosClient.PosClient, clients)
  return {
    till: Layer.succeedContext(till),
    // A deactivated store: MobilePay refuses new payments with 409, code 1204.
    refusing: Effect.as(sandbox.setStoreActivated(storeId, false), Layer.succeedContext(till)),
    refusal: { status: 409, code: "1204" },
    approves: () =>
      Effect.zipRight(
        client.simulateCheckIn({ beaconId, phoneNumber: "+4520031801" }),
        client.simulateAcceptPayment({ beaconId, phoneNumber: "+4520031801" }),
      ),
    requests: Effect.map(sandbox.requests, (all) => all.length),
  }
})

const ePayment: Effect.Effect<Setting, unknown, Scope.Scope> = Effect.gen(function* () {
  const sandbox = yield* Sandbox.make()
  const unit = SeedData.demoShopDk
  const [customer] = SeedData.platformUsers.filter((user) => user.market === "DK")
  const phoneNumber = customer?.phoneNumber ?? ""
  const clients = yield* Layer.build(
    NodeEPayment.layer({
      environment: VippsEnvironment.custom(sandbox.baseUrl),
      credentials: yield* SalesUnitCredentials.make(unit),
      system: new VippsSystem.VippsSystem({
        name: VippsSystem.SystemValue.make("till-test"),
        version: VippsSystem.SystemValue.make("1.0.0"),
      }),
      merchantSerialNumber: unit.msn,
    }),
  )
  const journal = yield* PaymentJournal.makeMemory
  const layer = (currency: "DKK" | "EUR") =>
    EPaymentTill.layer({
      till: "till-test",
      currency,
      qrFormat: { format: "TEXT/TARGETURL" },
      flow: { firstPoll: "100 millis", pollInterval: "100 millis" },
    }).pipe(
      Layer.provide(Layer.succeedContext(clients)),
      Layer.provide(Layer.succeed(PaymentJournal.PaymentJournal, journal)),
    )
  const call = (path: string, body: Record<string, string>) =>
    Effect.promise(() =>
      fetch(`${sandbox.customerUrl}${path}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      }).then((response) => response.status),
    )
  const tillContext = yield* Layer.build(layer("DKK"))
  return {
    till: Layer.succeedContext(tillContext),
    // The sales unit takes DKK only: a till in EUR is refused with 400, code 5040.
    refusing: Effect.succeed(layer("EUR")),
    refusal: { status: 400, code: "5040" },
    approves: (held) =>
      Effect.gen(function* () {
        // The customer scans the QR on the screen, then approves once the app shows it.
        yield* call("/scan", { phoneNumber, qr: held.customerUrl ?? "" })
        const approved = call("/approve", { phoneNumber, msn: unit.msn, reference: held.id })
        yield* approved.pipe(
          Effect.filterOrFail((status) => status === 200),
          Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.intersect(Schedule.recurs(100)))),
        )
      }),
    requests: Effect.map(sandbox.requests, (all) => all.length),
  }
})

// ---------------------------------------------------------------------------------------

const settings = [
  ["PoS V10", "PosV10", v10],
  ["ePayment", "EPayment", ePayment],
] as const

describe.each(settings)("the till program on %s", (_, backend, setting) => {
  it.scopedLive(
    "a sale the customer approves is Paid its exact amount; lookup and a refund by order id",
    () =>
      Effect.gen(function* () {
        const { till, approves } = yield* setting
        const run = Effect.gen(function* () {
          expect((yield* Till.Till).backend).toBe(backend)
          // 10.29: as a double, 10.29 * 100 is 1028.9999999999998; the till must say 1999.
          const { held, outcome } = yield* sell({ orderId: "till-order-1", amount: 1999 }, approves)
          expect(outcome).toEqual(
            Till.Outcome.Paid({ orderId: "till-order-1", id: held.id, amount: 1999 }),
          )
          const looked = yield* Till.lookup("till-order-1")
          expect(Option.flatMap(looked, (found) => found.outcome)).toEqual(Option.some(outcome))
          // 0.29 back, named by the sale's order id (0.29 * 100 is 28.999999999999996), then
          // one øre, named by the platform's id.
          const refunded = yield* Till.refund({
            refundOrderId: "till-refund-1",
            orderId: "till-order-1",
            amount: 29,
          })
          expect(refunded).toEqual({ refundOrderId: "till-refund-1", id: held.id, amount: 29 })
          const oneOre = yield* Till.refund({
            refundOrderId: "till-refund-2",
            id: held.id,
            amount: 1,
          })
          expect(oneOre).toEqual({ refundOrderId: "till-refund-2", id: held.id, amount: 1 })
          // Ringing the order up again answers Paid without charging again.
          expect(yield* Till.run({ orderId: "till-order-1", amount: 1999 })).toEqual(outcome)
        })
        yield* Effect.provide(run, till)
      }),
    30_000,
  )

  it.scopedLive(
    "the till gives up before the customer acts: NotPaid, cancelled",
    () =>
      Effect.gen(function* () {
        const { till } = yield* setting
        const outcome = yield* Effect.provide(
          giveUp({ orderId: "till-order-2", amount: 500 }),
          till,
        )
        expect(outcome).toMatchObject({
          _tag: "NotPaid",
          orderId: "till-order-2",
          reason: "Cancelled",
        })
      }),
    30_000,
  )

  it.scopedLive(
    "a create the platform refuses: PlatformError with its status and code",
    () =>
      Effect.gen(function* () {
        const { refusing, refusal } = yield* setting
        const error = yield* Till.run({ orderId: "till-order-3", amount: 500 }).pipe(
          Effect.flip,
          Effect.provide(yield* refusing),
        )
        expect(error).toMatchObject({ _tag: "PlatformError", backend, refused: true, ...refusal })
        // Caught by its tag, with no backend imported.
        const caught = yield* Till.run({ orderId: "till-order-4", amount: 500 }).pipe(
          Effect.catchTag("PlatformError", (e) => Effect.succeed(`refused: ${e.code ?? ""}`)),
          Effect.provide(yield* refusing),
        )
        expect(caught).toBe(`refused: ${refusal.code}`)
      }),
    30_000,
  )

  it.scopedLive(
    "a bad amount: InvalidInput, and no request sent",
    () =>
      Effect.gen(function* () {
        const { till, requests } = yield* setting
        const before = yield* requests
        for (const amount of [0, -100, 12.5, Number.NaN]) {
          const error = yield* Till.run({ orderId: "till-order-5", amount }).pipe(
            Effect.flip,
            Effect.provide(till),
          )
          expect(error).toMatchObject({ _tag: "InvalidInput", field: "amount" })
        }
        const refund = yield* Till.refund({ refundOrderId: "r-1", id: "x-1", amount: 0.5 }).pipe(
          Effect.flip,
          Effect.provide(till),
        )
        expect(refund).toMatchObject({ _tag: "InvalidInput", field: "amount" })
        expect(yield* requests).toBe(before)
      }),
    30_000,
  )
})
