/**
 * A journal written by release 0.1 (commit f117eec) migrated by this code: `fixtures/v1/
 * journal.db` (made by `fixtures/v1/make-journal.ts` with that release's tills, finished and
 * unfinished sales in it) on SQLite as the file itself, and on PostgreSQL as a table made by
 * migration 1 and filled with the file's rows. Every row is compared column for column with
 * what it was; the new columns are as the migrations say; indexes and keys are in place.
 */
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import { PaymentJournal } from "@effect-mobilepay/sale"
import { Services } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Context, Effect, Exit, Layer, Option, Redacted, Schema } from "effect"
import { copyFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { postgres, sqlite, sqliteFile, uniqueTable, dropTableAfter } from "./support/Stores.js"

const fixture = fileURLToPath(new URL("fixtures/v1/journal.db", import.meta.url))
const merchant = "DK90000028"

// PostgreSQL's BIGINT arrives as a string, SQLite's INTEGER as a number.
const Millis = Schema.Union(Schema.Number, Schema.NumberFromString)
const columns = {
  key: Schema.String,
  kind: Schema.String,
  order_id: Schema.String,
  attempt: Millis,
  plan: Schema.String,
  resource_id: Schema.NullOr(Schema.String),
  decision: Schema.NullOr(Schema.String),
  outcome: Schema.NullOr(Schema.String),
  lease_owner: Schema.NullOr(Schema.String),
  lease_until: Schema.NullOr(Millis),
  created_at: Millis,
  updated_at: Millis,
}
const V1Row = Schema.Struct({ ...columns, merchant_vat: Schema.String })
const V3Row = Schema.Struct({
  ...columns,
  backend: Schema.String,
  merchant: Schema.String,
  lease_version: Millis,
  lease_millis: Millis,
})
const v1Rows = Schema.decodeUnknown(Schema.Array(V1Row))
const v3Rows = Schema.decodeUnknown(Schema.Array(V3Row))

const clientOf = <E>(layer: Layer.Layer<SqlClient.SqlClient, E>) =>
  Effect.map(Layer.build(Layer.fresh(layer)), Context.get(SqlClient.SqlClient))

const rowsOf = (sql: SqlClient.SqlClient, table: string) =>
  sql`SELECT * FROM ${sql(table)} ORDER BY key`

/** What migrations 2 and 3 make of a row of release 0.1. */
const migrated = ({ merchant_vat, ...row }: typeof V1Row.Type): typeof V3Row.Type => ({
  ...row,
  backend: "PosV10",
  merchant: merchant_vat,
  lease_version: row.lease_owner === null ? 0 : 1,
  lease_millis: row.lease_owner === null ? 0 : 60_000,
})

/** The fixture is what its script says: finished and unfinished sales of both kinds. */
const expectFixture = (rows: ReadonlyArray<typeof V1Row.Type>) => {
  const unfinished = rows.filter((r) => r.outcome === null)
  expect(rows).toHaveLength(8)
  expect(unfinished.map((r) => r.order_id).sort()).toEqual([
    "v1-again-refund",
    "v1-before-create",
    "v1-capture-decided",
    "v1-create-unread",
  ])
  expect(unfinished.every((r) => r.lease_owner !== null)).toBe(true)
  expect(new Set(rows.map((r) => r.merchant_vat))).toEqual(new Set([merchant]))
}

/** The migrated journal, read through its interface: every entry, and keys per backend. */
const expectJournal = (
  journal: PaymentJournal.PaymentJournal.Service,
  before: ReadonlyArray<typeof V1Row.Type>,
) =>
  Effect.gen(function* () {
    const entries = yield* journal.query({})
    expect(entries.map((e) => e.key).sort()).toEqual(before.map((r) => r.key).sort())
    for (const row of before) {
      const entry = entries.find((e) => e.key === row.key)
      expect(entry?.backend).toBe("PosV10")
      expect(entry?.plan).toEqual(JSON.parse(row.plan))
      expect(Option.getOrNull(entry?.resourceId ?? Option.none())).toBe(row.resource_id)
    }
    expect((yield* journal.unfinished).map((e) => e.orderId).sort()).toHaveLength(4)
    const again = yield* journal.attempts("PosV10", "Payment", merchant, "v1-again")
    expect(again.map((e) => e.attempt)).toEqual([1, 2])
    const captured = entries.find((e) => e.orderId === "v1-captured")
    const byId = yield* journal.byResource(
      "PosV10",
      "Payment",
      Option.getOrElse(captured?.resourceId ?? Option.none(), () => ""),
    )
    expect(Option.map(byId, (e) => e.key)).toEqual(Option.some(captured?.key))
    // An attempt is unique per backend now: the same order on ePayment is another sale.
    const base = captured ?? entries[0]
    if (base === undefined) return yield* Effect.dieMessage("no entries")
    const copy = (backend: string) =>
      new PaymentJournal.Entry({ ...base, key: crypto.randomUUID(), backend })
    expect(yield* journal.open(copy("PosV10"))).toBe(false)
    expect(yield* journal.open(copy("EPayment"))).toBe(true)
  })

describe("a SQLite journal file of release 0.1", () => {
  it.scoped("is migrated in place: every row kept, backend PosV10, indexes rebuilt", () =>
    Effect.gen(function* () {
      const file = yield* sqliteFile
      copyFileSync(fixture, file)
      const sql = yield* clientOf(SqliteClient.layer({ filename: file }))
      const before = yield* Effect.flatMap(rowsOf(sql, "mobilepay_journal"), v1Rows)
      expectFixture(before)

      const journal = yield* sqlite(file)
      const after = yield* Effect.flatMap(rowsOf(sql, "mobilepay_journal"), v3Rows)
      expect(after).toEqual(before.map(migrated))
      const indexes = yield* sql<{ readonly name: string; readonly sql: string | null }>`
        SELECT name, sql FROM sqlite_master
        WHERE type = 'index' AND tbl_name = 'mobilepay_journal' ORDER BY name`
      expect(indexes.map((i) => i.name)).toEqual([
        "mobilepay_journal_resource",
        "mobilepay_journal_unfinished",
        "sqlite_autoindex_mobilepay_journal_1",
        "sqlite_autoindex_mobilepay_journal_2",
      ])
      expect(indexes[0]?.sql).toContain("(backend, kind, resource_id)")
      expect(indexes[1]?.sql).toContain("WHERE outcome IS NULL")
      const applied = yield* sql<{ readonly migration_id: number }>`
        SELECT migration_id FROM mobilepay_journal_migrations ORDER BY migration_id`
      expect(applied.map((m) => m.migration_id)).toEqual([1, 2, 3])
      yield* expectJournal(journal, before)
    }),
  )

  it.scoped("a migration that fails leaves the file as it was (one transaction)", () =>
    Effect.gen(function* () {
      const file = yield* sqliteFile
      copyFileSync(fixture, file)
      const sql = yield* clientOf(SqliteClient.layer({ filename: file }))
      const before = yield* rowsOf(sql, "mobilepay_journal")
      const failing = Migrator.make({})({
        loader: Migrator.fromRecord({
          ...SqlPaymentJournal.migrations(),
          "4_fails": Effect.flatMap(SqlClient.SqlClient, (client) => client`SELECT * FROM missing`),
        }),
        table: "mobilepay_journal_migrations",
      })
      const exit = yield* Effect.exit(Effect.provideService(failing, SqlClient.SqlClient, sql))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(yield* rowsOf(sql, "mobilepay_journal")).toEqual(before)
      const applied = yield* sql`SELECT migration_id FROM mobilepay_journal_migrations`
      expect(applied).toEqual([{ migration_id: 1 }])
      // ... and the next start migrates it.
      const journal = yield* sqlite(file)
      expect(yield* journal.query({})).toHaveLength(before.length)
    }),
  )
})

const postgresUrl = Services.postgresUrl()
describe.skipIf(postgresUrl === undefined)("a PostgreSQL journal of release 0.1", () => {
  const url = postgresUrl ?? ""
  it.scoped(
    "is migrated in place: every row kept, backend PosV10, the unique key per backend",
    () =>
      Effect.gen(function* () {
        const table = uniqueTable()
        yield* dropTableAfter(url, table)
        const pg = yield* clientOf(PgClient.layer({ url: Redacted.make(url) }))
        // The table as release 0.1 made it (its migration 1, unchanged), with the file's rows.
        yield* Effect.provideService(
          Migrator.make({})({
            loader: Migrator.fromRecord({
              "1_create_journal":
                SqlPaymentJournal.migrations({ table })["1_create_journal"] ?? Effect.void,
            }),
            table: `${table}_migrations`,
          }),
          SqlClient.SqlClient,
          pg,
        )
        const file = yield* sqliteFile
        copyFileSync(fixture, file)
        const sqliteSql = yield* clientOf(SqliteClient.layer({ filename: file }))
        const rows = yield* Effect.flatMap(rowsOf(sqliteSql, "mobilepay_journal"), v1Rows)
        expectFixture(rows)
        for (const row of rows) yield* pg`INSERT INTO ${pg(table)} ${pg.insert(row)}`
        const before = yield* Effect.flatMap(rowsOf(pg, table), v1Rows)
        expect(before).toEqual(rows)

        const journal = yield* postgres(url, table)
        const after = yield* Effect.flatMap(rowsOf(pg, table), v3Rows)
        expect(after).toEqual(before.map(migrated))
        const keys = yield* pg<{ readonly definition: string }>`
        SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
        WHERE conrelid = ${table}::regclass AND contype = 'u'`
        expect(keys.map((k) => k.definition)).toEqual([
          "UNIQUE (backend, kind, merchant, order_id, attempt)",
        ])
        const indexes = yield* pg<{ readonly indexname: string; readonly indexdef: string }>`
        SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ${table} ORDER BY indexname`
        expect(indexes.map((i) => i.indexname)).toEqual([
          `${table}_attempt`,
          `${table}_pkey`,
          `${table}_resource`,
          `${table}_unfinished`,
        ])
        expect(indexes[2]?.indexdef).toContain("(backend, kind, resource_id)")
        yield* expectJournal(journal, before)
      }),
  )
})
