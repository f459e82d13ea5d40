/**
 * Journals on real storage for the tests: SQLite in a temporary file (removed with the scope)
 * and PostgreSQL in a table of its own (dropped with the scope), each as one instance or as two
 * instances on the same store.
 */
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import { PaymentJournal } from "@effect-mobilepay/sale"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Context, Effect, Layer, Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Instance from "../../src/internal/instance.js"

const journalOf = <E>(layer: Layer.Layer<PaymentJournal.PaymentJournal, E>) =>
  Effect.map(Layer.build(layer), Context.get(PaymentJournal.PaymentJournal))

/** A fresh SQLite file in a temporary folder; the folder goes when the scope closes. */
export const sqliteFile = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "mobilepay-journal-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
).pipe(Effect.map((dir) => join(dir, "journal.db")))

/** A journal on the SQLite file `filename` (its own connection). */
export const sqlite = (filename: string) =>
  journalOf(SqlPaymentJournal.layer().pipe(Layer.provide(SqliteClient.layer({ filename }))))

/** A lease owner of a SQL journal instance whose process (on this machine) is gone. */
export const goneOwner = `${Instance.makeId(99_999_999)}/gone`

/** A table name no other test run uses. */
export const uniqueTable = () => `journal_${crypto.randomUUID().replaceAll("-", "")}`

/** A journal in `table` of the PostgreSQL at `url` (its own pool). */
export const postgres = (url: string, table: string) =>
  journalOf(
    SqlPaymentJournal.layer({ table }).pipe(
      Layer.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 4 })),
    ),
  )

/** Drops `table` (and its migrations table) when the scope closes. */
export const dropTableAfter = (url: string, table: string) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(PgClient.layer({ url: Redacted.make(url) }))
    const sql = Context.get(context, PgClient.PgClient)
    yield* Effect.addFinalizer(() =>
      Effect.ignore(
        Effect.zipRight(
          sql`DROP TABLE IF EXISTS ${sql(table)}`,
          sql`DROP TABLE IF EXISTS ${sql(`${table}_migrations`)}`,
        ),
      ),
    )
  })
