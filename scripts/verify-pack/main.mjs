// A user's program, as plain JavaScript run by plain `node`: the packed packages from the
// registry, a payment against the sandbox, from initiation to Captured.
import { ClientCredentials, Environment } from "@effect-mobilepay/core"
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import { NodeMobilePay } from "@effect-mobilepay/node"
import { PaymentFlow, PaymentJournal, PointOfSaleFlow, PosClient } from "@effect-mobilepay/pos"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { Effect, Layer, Schedule } from "effect"

const merchant = SeedData.selfCertificationMerchant

const MobilePayOnSandbox = Layer.unwrapEffect(
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.Sandbox
    return NodeMobilePay.layer({
      credentials: yield* ClientCredentials.make(SeedData.integratorA),
      environment: Environment.custom(sandbox),
      clientSystemVersion: "1.0.0",
      merchantVat: merchant.vat,
    })
  }),
).pipe(
  Layer.provide(Sandbox.layer()),
  // The journal in memory: the SQL one needs a driver (and SQLite a native build).
  Layer.merge(PaymentJournal.layerMemory),
)

if (typeof SqlPaymentJournal.layer !== "function") throw new Error("journal-sql did not load")

const customer = (beaconId) =>
  Effect.gen(function* () {
    const client = yield* PosClient.PosClient
    const phoneNumber = "+4520031801"
    yield* client.simulateCheckIn({ beaconId, phoneNumber })
    yield* client
      .simulateAcceptPayment({ beaconId, phoneNumber })
      .pipe(
        Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.intersect(Schedule.recurs(50)))),
      )
  })

const program = Effect.gen(function* () {
  const pos = yield* PointOfSaleFlow.ensurePos({
    merchantPosId: "verify-pack",
    storeId: merchant.stores[0].storeId,
    name: "Verify pack",
    supportedBeaconTypes: ["QR"],
  })
  yield* Effect.fork(customer(pos.beaconId))
  const outcome = yield* PaymentFlow.payAndCapture({
    posId: pos.posId,
    orderId: "verify-pack-1",
    amount: 125.5,
    currencyCode: "DKK",
    plannedCaptureDelay: "None",
  })
  return `${outcome._tag} ${outcome._tag === "Captured" ? outcome.amount.toFixed(2) : outcome.status}`
})

console.log(await Effect.runPromise(program.pipe(Effect.provide(MobilePayOnSandbox))))
