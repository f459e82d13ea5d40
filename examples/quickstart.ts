/**
 * The README's snippet, whole: a payment from a till to Captured, configured from MOBILEPAY_*
 * (against `pnpm sandbox` in another terminal, the customer is played by its user simulation).
 *
 *   pnpm example quickstart
 */
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import { NodeMobilePay } from "@effect-mobilepay/node"
import { PaymentFlow, PointOfSaleFlow, PosClient, Recovery } from "@effect-mobilepay/pos"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Effect, Layer, Schedule } from "effect"

// The client, configured from MOBILEPAY_*; the payment journal the flows write ahead in, in a
// SQLite file; and recovery, which finishes at start-up what a crash left open.
const Journal = SqlPaymentJournal.layer().pipe(
  Layer.provide(SqliteClient.layer({ filename: "mobilepay-journal.db" })),
)
const Live = Recovery.layer({ exclusive: true }).pipe(
  Layer.provideMerge(Layer.merge(NodeMobilePay.layerConfig(), Journal)),
)

const program = Effect.gen(function* () {
  const client = yield* PosClient.PosClient
  const [storeId] = (yield* client.getStores()).storeIds
  if (storeId === undefined) return yield* Effect.dieMessage("the merchant has no store")
  const pos = yield* PointOfSaleFlow.ensurePos({
    merchantPosId: "till-1",
    storeId,
    name: "Till 1",
    supportedBeaconTypes: ["QR"],
  })

  // In the sandbox, a test user checks in on the till's beacon and accepts.
  const phoneNumber = "+4520031801"
  yield* client
    .simulateCheckIn({ beaconId: pos.beaconId, phoneNumber })
    .pipe(
      Effect.andThen(client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber })),
      Effect.retry(Schedule.spaced("500 millis").pipe(Schedule.intersect(Schedule.recurs(20)))),
      Effect.fork,
    )

  const outcome = yield* PaymentFlow.payAndCapture(
    {
      posId: pos.posId,
      orderId: `receipt-${Date.now()}`,
      amount: 125.5,
      currencyCode: "DKK",
      plannedCaptureDelay: "None",
    },
    { recoverActivePayment: true, customerTimeout: "2 minutes" },
  )
  yield* Effect.log(
    outcome._tag === "Captured"
      ? `payment ${outcome.paymentId} captured: ${outcome.amount.toFixed(2)} DKK`
      : `payment ${outcome.paymentId} ended ${outcome.status}`,
  )
})

program.pipe(Effect.provide(Live), NodeRuntime.runMain)
