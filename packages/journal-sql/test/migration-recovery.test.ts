/**
 * A journal of release 0.1 with unfinished sales in it (`fixtures/v1/journal.db`), migrated
 * and then recovered by this code against a sandbox with the fixture's seed, whose points of
 * sale are made again in the fixture script's order (so they have the ids the sales name).
 *
 * The two sales killed before their create was answered are created again with their
 * idempotency keys and, never decided, cancelled. The refund killed before its create left is
 * sent again and refused (this sandbox does not know its payment): not created. The sale whose
 * capture was decided names a payment only the fixture's own sandbox knew (gone with it): it
 * cannot be finished against this one and must not be finished with an invented outcome, so it
 * stays open; nothing else moves money.
 *
 * The sales of release 0.1 are held by leases of its instances, which cannot be proven gone:
 * recovery takes them once it has watched them unrenewed for their lease (a minute, as
 * migration 3 counts it), i.e. at its second run; the test moves this process's clocks a
 * minute on between the runs.
 *
 * Runs on pos's flows on the sale engine (pos's PaymentJournal being sale's).
 */
import { PaymentJournal, Recovery } from "@effect-mobilepay/pos"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"
import { copyFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { SkewedClock } from "./support/Clocks.js"
import { sqlite, sqliteFile } from "./support/Stores.js"
import { clientOn, startSandbox, storeId } from "./support/Tills.js"

const fixture = fileURLToPath(new URL("fixtures/v1/journal.db", import.meta.url))
// As in fixtures/v1/make-journal.ts.
const seed = "journal-v1"
const tills = ["till-1", "till-2", "till-3", "till-4", "till-5"]

const PosIdOf = Schema.Struct({ request: Schema.Struct({ posId: Schema.String }) })

describe("a journal of release 0.1, migrated", () => {
  it.scopedLive(
    "recovery finishes the unfinished V10 sales it can, and invents no outcome for the rest",
    () =>
      Effect.gen(function* () {
        const file = yield* sqliteFile
        copyFileSync(fixture, file)
        const { sandbox, client } = yield* startSandbox({ seed })
        const posIds: Array<string> = []
        for (const name of tills) {
          const { posId } = yield* client.createPos({
            merchantPosId: name,
            storeId,
            name,
            supportedBeaconTypes: ["QR"],
          })
          posIds.push((yield* client.getPos(posId)).posId)
        }
        const journal = yield* sqlite(file)
        const open = yield* journal.unfinished
        const byOrder = (orderId: string) => open.find((e) => e.orderId === orderId)
        // The sandbox knows the points of sale the fixture's sales were made at.
        for (const [orderId, till] of [
          ["v1-before-create", 2],
          ["v1-create-unread", 3],
        ] as const) {
          const plan = Schema.decodeUnknownSync(PosIdOf)(byOrder(orderId)?.plan)
          expect(plan.request.posId, orderId).toBe(posIds[till])
        }

        const Live = Layer.merge(
          clientOn(sandbox),
          Layer.succeed(PaymentJournal.PaymentJournal, journal),
        )
        const run = Effect.provide(Recovery.recover({ exclusive: true }), Live)
        const first = yield* run
        expect(first.busy).toHaveLength(4)
        const later = yield* SkewedClock.make("1 minute")
        const second = yield* Effect.withClock(run, later)

        const finished = second.finished.map((e) => [e.orderId, Option.getOrUndefined(e.outcome)])
        expect(finished.sort()).toEqual([
          // Sent again with its key: refused, this sandbox does not know the payment.
          ["v1-again-refund", { _tag: "NotCreated", reason: expect.stringContaining("1001") }],
          ["v1-before-create", { _tag: "Final", status: "CancelledByClient" }],
          ["v1-create-unread", { _tag: "Final", status: "CancelledByClient" }],
        ])
        expect((yield* journal.unfinished).map((e) => e.orderId)).toEqual(["v1-capture-decided"])
        const payments = yield* sandbox.payments
        expect(payments.map((p) => [p.orderId, p.status, p.capturedAmount]).sort()).toEqual([
          ["v1-before-create", "CancelledByClient", undefined],
          ["v1-create-unread", "CancelledByClient", undefined],
        ])
        expect(yield* sandbox.refunds).toEqual([])
      }),
    60_000,
  )
})
