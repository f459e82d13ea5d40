/**
 * A journal that fails under a sale, on SQLite on a file, with the sandbox and the flows on
 * TestClock. Its disk fills up just as a sale's outcome is written: the flows say what happened
 * to the money anyway (`SaleOutcomeUnrecorded`), and recovery records it once the journal can be
 * written again. (The file is held to its size with `PRAGMA max_page_count`; a trigger makes the
 * outcome's write the one that needs a new page, so it fails with SQLITE_FULL exactly there.)
 * Giving a lease up fails once: the flow tries again, so the order is not left blocked. */
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import { PaymentFlow, PaymentJournal, PosClient, Recovery, RefundFlow } from "@effect-mobilepay/pos"
import { Sandbox } from "@effect-mobilepay/sandbox"
import { Time } from "@effect-mobilepay/test-support"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Option, Schema } from "effect"
import { sqliteFile } from "./support/Stores.js"
import { clientOn, creditUser, merchant, storeId } from "./support/Tills.js"

// Long timeouts per call: the clock is moved while requests are in flight.
const patient = { readTimeout: "1 hour", writeTimeout: "1 hour" } as const

const payment = (posId: string, orderId = "order-1") =>
  ({ posId, orderId, amount: 100, currencyCode: "DKK", plannedCaptureDelay: "None" }) as const

const PageCount = Schema.Array(Schema.Struct({ page_count: Schema.Number }))

const start = Effect.gen(function* () {
  const filename = yield* sqliteFile
  const database = yield* Layer.build(SqliteClient.layer({ filename }))
  const sql = Context.get(database, SqlClient.SqlClient)
  const sandbox = yield* Sandbox.make()
  const context = yield* Layer.build(
    Layer.merge(
      clientOn(sandbox, patient),
      SqlPaymentJournal.layer().pipe(Layer.provide(Layer.succeedContext(database))),
    ),
  )
  const client = yield* Effect.provide(PosClient.PosClient, context)
  const journal = yield* Effect.provide(PaymentJournal.PaymentJournal, context)
  const pos = yield* Effect.flatMap(
    client.createPos({
      merchantPosId: "till-1",
      storeId,
      name: "Till 1",
      supportedBeaconTypes: ["QR"],
    }),
    ({ posId }) => client.getPos(posId),
  )

  /** From now on the file may not grow, and writing an outcome needs it to grow. */
  const fillDiskOnOutcome = Effect.gen(function* () {
    yield* sql`CREATE TABLE other_data (content BLOB)`
    yield* sql`CREATE TRIGGER other_data_grows AFTER UPDATE OF outcome ON mobilepay_journal
      BEGIN INSERT INTO other_data VALUES (zeroblob(262144)); END`
    const [pages] = yield* Effect.flatMap(sql`PRAGMA page_count`, Schema.decodeUnknown(PageCount))
    yield* sql.unsafe(`PRAGMA max_page_count = ${pages?.page_count ?? 0}`)
  })
  /** Room again on the disk. */
  const freeDisk = sql`DROP TRIGGER other_data_grows`

  /** The next time a lease is given up (not by an outcome), the write fails once. */
  const failNextRelease = Effect.gen(function* () {
    yield* sql`CREATE TABLE release_failures (remaining INTEGER)`
    yield* sql`INSERT INTO release_failures VALUES (1)`
    yield* sql`CREATE TRIGGER release_fails BEFORE UPDATE OF lease_owner ON mobilepay_journal
      WHEN NEW.lease_owner IS NULL AND NEW.outcome IS NULL
        AND (SELECT remaining FROM release_failures) > 0
      BEGIN
        UPDATE release_failures SET remaining = remaining - 1;
        SELECT RAISE(FAIL, 'disk I/O error');
      END`
  })
  const releaseFailures = Effect.map(
    sql<{ readonly remaining: number }>`SELECT remaining FROM release_failures`,
    (rows) => rows[0]?.remaining,
  )

  const customerAccepts = Effect.gen(function* () {
    yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
    yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
  })
  return {
    sandbox,
    client,
    journal,
    context,
    pos,
    fillDiskOnOutcome,
    freeDisk,
    failNextRelease,
    releaseFailures,
    customerAccepts,
  }
})

describe("the disk fills up as a sale's outcome is written", () => {
  it.scoped("a capture: SaleOutcomeUnrecorded says money moved; recovery records it later", () =>
    Effect.gen(function* () {
      const { sandbox, journal, context, pos, fillDiskOnOutcome, freeDisk, customerAccepts } =
        yield* start
      yield* fillDiskOnOutcome
      const fiber = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId)).pipe(Effect.flip, Effect.provide(context)),
      )
      yield* Time.waitUntil(Effect.map(sandbox.payments, (all) => all.length === 1))
      yield* customerAccepts
      const error = yield* Time.driveUntilDone(fiber)
      const [paid] = yield* sandbox.payments
      expect(paid?.status).toBe("Captured")
      expect(error).toMatchObject({
        _tag: "SaleOutcomeUnrecorded",
        kind: "Payment",
        orderId: "order-1",
        resourceId: paid?.paymentId,
        decision: { _tag: "Capture", amount: 100 },
        outcome: { _tag: "Final", status: "Captured", amount: 100 },
        moneyMoved: true,
        amount: 100,
        cause: { _tag: "PaymentJournalError", operation: "record the outcome" },
      })
      expect(error.message).toContain("money moved, 100.00; do not charge the customer again")

      // Nothing is lost: the entry waits, decided, and recovery records what MobilePay has.
      yield* freeDisk
      const report = yield* Recovery.recover().pipe(Effect.provide(context))
      expect(report.finished.map((e) => Option.getOrUndefined(e.outcome))).toEqual([
        { _tag: "Final", status: "Captured", amount: 100 },
      ])
      expect(yield* journal.unfinished).toEqual([])
      const again = yield* PaymentFlow.payAndCapture(payment(pos.posId)).pipe(
        Effect.provide(context),
      )
      expect(again).toMatchObject({ _tag: "Captured", amount: 100 })
      expect((yield* sandbox.payments).length).toBe(1)
    }),
  )

  it.scoped("a cancel: SaleOutcomeUnrecorded says no money moved", () =>
    Effect.gen(function* () {
      const { sandbox, context, pos, fillDiskOnOutcome } = yield* start
      yield* fillDiskOnOutcome
      const fiber = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId), { customerTimeout: "30 seconds" }).pipe(
          Effect.flip,
          Effect.provide(context),
        ),
      )
      const error = yield* Time.driveUntilDone(fiber, "500 millis")
      expect((yield* sandbox.payments).map((p) => p.status)).toEqual(["CancelledByClient"])
      expect(error).toMatchObject({
        _tag: "SaleOutcomeUnrecorded",
        decision: { _tag: "Cancel" },
        outcome: { _tag: "Final", status: "CancelledByClient" },
        moneyMoved: false,
      })
      expect(error).not.toHaveProperty("amount")
      expect(error.message).toContain("ended CancelledByClient: no money moved")
    }),
  )

  it.scoped("a refund: SaleOutcomeUnrecorded says it was paid out, and how much", () =>
    Effect.gen(function* () {
      const { client, context, pos, fillDiskOnOutcome, customerAccepts } = yield* start
      const { paymentId } = yield* client.initiatePayment(payment(pos.posId))
      yield* customerAccepts
      yield* client.capturePayment(paymentId, { amount: 100 })
      yield* fillDiskOnOutcome
      const fiber = yield* Effect.fork(
        RefundFlow.refund(
          { paymentId, refundOrderId: "r-1", amount: 40, currencyCode: "DKK" },
          { merchantVat: merchant.vat },
        ).pipe(Effect.flip, Effect.provide(context)),
      )
      const error = yield* Time.driveUntilDone(fiber)
      expect(error).toMatchObject({
        _tag: "SaleOutcomeUnrecorded",
        kind: "Refund",
        orderId: "r-1",
        outcome: { _tag: "Final", status: "Captured", amount: 40 },
        moneyMoved: true,
        amount: 40,
      })
      const refundId = error._tag === "SaleOutcomeUnrecorded" ? error.resourceId : undefined
      expect((yield* client.getRefund(refundId ?? "")).status).toBe("Captured")
    }),
  )
})

describe("giving a lease up fails", () => {
  it.scoped("the flow tries again: ringing the order up again resumes it, not SaleInProgress", () =>
    Effect.gen(function* () {
      const { sandbox, context, pos, failNextRelease, releaseFailures, customerAccepts } =
        yield* start
      yield* failNextRelease
      const first = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId)).pipe(Effect.provide(context)),
      )
      yield* Time.waitUntil(Effect.map(sandbox.payments, (all) => all.length === 1))
      // The till stops waiting (its fiber is interrupted); giving its lease up fails once.
      yield* Time.driveUntilDone(yield* Effect.fork(Fiber.interrupt(first)))
      expect(yield* releaseFailures).toBe(0)
      const again = yield* Effect.fork(
        PaymentFlow.payAndCapture(payment(pos.posId)).pipe(Effect.either, Effect.provide(context)),
      )
      yield* customerAccepts
      const result = yield* Time.driveUntilDone(again)
      expect(result).toMatchObject({ _tag: "Right", right: { _tag: "Captured", amount: 100 } })
      expect((yield* sandbox.payments).map((p) => p.status)).toEqual(["Captured"])
    }),
  )
})
