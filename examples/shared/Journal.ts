/**
 * The payment journal the examples write ahead in: SQLite, the embedded default. Against the
 * embedded sandbox (a new MobilePay each run) a fresh file per run; against MobilePay the file
 * in `MOBILEPAY_JOURNAL_FILE` (default `mobilepay-journal.db`), kept between runs, so that
 * recovery at start-up finishes whatever an earlier run left open.
 */
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import { Recovery } from "@effect-mobilepay/pos"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Config, Effect, Layer, Option } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const perRunFile = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "mobilepay-example-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
).pipe(Effect.map((dir) => join(dir, "journal.db")))

const file = Effect.gen(function* () {
  const clientId = yield* Config.option(Config.string("MOBILEPAY_CLIENT_ID"))
  if (Option.isNone(clientId)) return yield* perRunFile
  return yield* Config.string("MOBILEPAY_JOURNAL_FILE").pipe(
    Config.withDefault("mobilepay-journal.db"),
  )
})

/** The SQLite journal (migrated on first use). */
export const layer = Layer.unwrapScoped(
  Effect.map(file, (filename) =>
    SqlPaymentJournal.layer().pipe(Layer.provide(SqliteClient.layer({ filename }))),
  ),
)

/** Recovery at start-up (this process is the journal's only user), then every minute. */
export const recovery = Recovery.layer({ exclusive: true, interval: "1 minute" })
