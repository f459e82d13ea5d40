/**
 * The payment journal in SQL, through `@effect/sql`: SQLite as the embedded default (one file
 * per till or per process, `@effect/sql-sqlite-node`), PostgreSQL for a fleet of processes
 * sharing one journal (`@effect/sql-pg`). One table, created and upgraded by `@effect/sql`'s
 * migrator under its own migrations table. Every write is one statement, durable when it
 * returns; the conditions in each statement make decisions and outcomes write-once and leases
 * exclusive, so processes racing on one entry see exactly one winner.
 *
 * Leases are taken as `PaymentJournal.LeaseWatch` says, never by comparing clocks: each lease
 * carries a version every claim and renewal changes, and a lease held by someone else is taken
 * only after this instance has seen its version unchanged for the lease's whole duration on
 * its own monotonic clock, or (`takeOverForeign`, on SQLite) when the operating system says the
 * process of the instance holding it is gone.
 *
 * @since 0.2.0
 */
import { PaymentJournal } from "@effect-mobilepay/sale"
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Instance from "./internal/instance.js"

/**
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /**
   * The journal's table (its migrations are kept in `<table>_migrations`).
   * @default "mobilepay_journal"
   */
  readonly table?: string | undefined
}

// PostgreSQL's BIGINT arrives as a string, SQLite's INTEGER as a number.
const Millis = Schema.Union(Schema.Number, Schema.NumberFromString)

const Row = Schema.Struct({
  key: Schema.String,
  backend: Schema.String,
  kind: PaymentJournal.EntryKind,
  merchant: Schema.String,
  order_id: Schema.String,
  attempt: Millis,
  plan: Schema.parseJson(Schema.Unknown),
  resource_id: Schema.NullOr(Schema.String),
  decision: Schema.NullOr(Schema.parseJson(PaymentJournal.Decision)),
  outcome: Schema.NullOr(Schema.parseJson(PaymentJournal.Outcome)),
  lease_owner: Schema.NullOr(Schema.String),
  lease_until: Schema.NullOr(Millis),
  lease_version: Millis,
  lease_millis: Millis,
  created_at: Millis,
  updated_at: Millis,
})
type Row = typeof Row.Type

const decodeRows = Schema.decodeUnknown(Schema.Array(Row))
const encodePlan = Schema.encode(Schema.parseJson(Schema.Unknown))
const encodeDecision = Schema.encode(Schema.parseJson(PaymentJournal.Decision))
const encodeOutcome = Schema.encode(Schema.parseJson(PaymentJournal.Outcome))

const toEntry = (row: Row): PaymentJournal.Entry =>
  new PaymentJournal.Entry({
    key: row.key,
    backend: row.backend,
    kind: row.kind,
    merchant: row.merchant,
    orderId: row.order_id,
    attempt: row.attempt,
    plan: row.plan,
    resourceId: Option.fromNullable(row.resource_id),
    decision: Option.fromNullable(row.decision),
    outcome: Option.fromNullable(row.outcome),
    leaseOwner: Option.fromNullable(row.lease_owner),
    leaseUntil: Option.fromNullable(row.lease_until),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  })

/**
 * The journal's migrations, for `@effect/sql`'s `Migrator.fromRecord` (which {@link migrate}
 * runs, all pending ones in one transaction):
 *
 * 1. the table;
 * 2. entries name their backend (those written before: `"PosV10"`), `merchant_vat` becomes
 *    `merchant`, and an attempt is unique per backend (SQLite: the table rebuilt, every row
 *    and index kept; PostgreSQL: altered in place);
 * 3. leases carry a version and a duration (a lease held when upgrading counts as a minute
 *    long).
 *
 * @since 0.2.0
 * @category migrations
 */
export const migrations = (
  options: Options = {},
): Record<string, Effect.Effect<void, SqlError, SqlClient.SqlClient>> => {
  const table = options.table ?? "mobilepay_journal"
  const indexes = (sql: SqlClient.SqlClient) =>
    Effect.zipRight(
      sql`CREATE INDEX ${sql(`${table}_unfinished`)} ON ${sql(table)} (created_at)
        WHERE outcome IS NULL`,
      sql`CREATE INDEX ${sql(`${table}_resource`)} ON ${sql(table)} (backend, kind, resource_id)`,
    )
  return {
    "1_create_journal": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE ${sql(table)} (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        merchant_vat TEXT NOT NULL,
        order_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        plan TEXT NOT NULL,
        resource_id TEXT,
        decision TEXT,
        outcome TEXT,
        lease_owner TEXT,
        lease_until BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        UNIQUE (kind, merchant_vat, order_id, attempt)
      )`
      yield* sql`CREATE INDEX ${sql(`${table}_unfinished`)} ON ${sql(table)} (created_at)
        WHERE outcome IS NULL`
      yield* sql`CREATE INDEX ${sql(`${table}_resource`)} ON ${sql(table)} (kind, resource_id)`
    }),
    "2_entries_name_their_backend": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.onDialectOrElse({
        // SQLite cannot change a unique key in place: a new table, the rows copied, the old
        // one dropped (with its indexes) and the new one renamed, inside the migrator's
        // transaction.
        sqlite: () =>
          Effect.gen(function* () {
            const rebuilt = `${table}_rebuilt`
            yield* sql`CREATE TABLE ${sql(rebuilt)} (
              key TEXT PRIMARY KEY,
              backend TEXT NOT NULL,
              kind TEXT NOT NULL,
              merchant TEXT NOT NULL,
              order_id TEXT NOT NULL,
              attempt INTEGER NOT NULL,
              plan TEXT NOT NULL,
              resource_id TEXT,
              decision TEXT,
              outcome TEXT,
              lease_owner TEXT,
              lease_until BIGINT,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL,
              UNIQUE (backend, kind, merchant, order_id, attempt)
            )`
            yield* sql`INSERT INTO ${sql(rebuilt)} (key, backend, kind, merchant, order_id,
                attempt, plan, resource_id, decision, outcome, lease_owner, lease_until,
                created_at, updated_at)
              SELECT key, 'PosV10', kind, merchant_vat, order_id, attempt, plan, resource_id,
                decision, outcome, lease_owner, lease_until, created_at, updated_at
              FROM ${sql(table)}`
            yield* sql`DROP TABLE ${sql(table)}`
            yield* sql`ALTER TABLE ${sql(rebuilt)} RENAME TO ${sql(table)}`
            yield* indexes(sql)
          }),
        orElse: () =>
          Effect.gen(function* () {
            yield* sql`ALTER TABLE ${sql(table)} ADD COLUMN backend TEXT NOT NULL DEFAULT 'PosV10'`
            yield* sql`ALTER TABLE ${sql(table)} ALTER COLUMN backend DROP DEFAULT`
            yield* sql`ALTER TABLE ${sql(table)} RENAME COLUMN merchant_vat TO merchant`
            // The unique key of migration 1 has the name PostgreSQL gave it.
            const keys = yield* sql<{ readonly conname: string }>`SELECT conname
              FROM pg_constraint WHERE conrelid = ${table}::regclass AND contype = 'u'`
            for (const { conname } of keys) {
              yield* sql`ALTER TABLE ${sql(table)} DROP CONSTRAINT ${sql(conname)}`
            }
            yield* sql`ALTER TABLE ${sql(table)} ADD CONSTRAINT ${sql(`${table}_attempt`)}
              UNIQUE (backend, kind, merchant, order_id, attempt)`
            yield* sql`DROP INDEX ${sql(`${table}_resource`)}`
            yield* sql`CREATE INDEX ${sql(`${table}_resource`)}
              ON ${sql(table)} (backend, kind, resource_id)`
          }),
      })
    }),
    "3_lease_versions": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`ALTER TABLE ${sql(table)} ADD COLUMN lease_version BIGINT NOT NULL DEFAULT 0`
      yield* sql`ALTER TABLE ${sql(table)} ADD COLUMN lease_millis BIGINT NOT NULL DEFAULT 0`
      yield* sql`UPDATE ${sql(table)} SET lease_version = 1, lease_millis = 60000
        WHERE lease_owner IS NOT NULL`
    }),
  }
}

/**
 * Creates or upgrades the journal's table. Safe to run from several processes at once.
 *
 * @since 0.2.0
 * @category migrations
 */
export const migrate = (
  options: Options = {},
): Effect.Effect<void, Migrator.MigrationError | SqlError, SqlClient.SqlClient> => {
  const table = options.table ?? "mobilepay_journal"
  const run = Migrator.make({})({
    loader: Migrator.fromRecord(migrations(options)),
    table: `${table}_migrations`,
  })
  // Two processes starting together may both try to create the migrations table: the loser
  // fails once, then finds it. The migrator's step-by-step lines stay out of the program's log.
  return Effect.asVoid(
    Effect.retry(run, { times: 3 }).pipe(
      Logger.withMinimumLogLevel(LogLevel.Info),
      Effect.withSpan("SqlPaymentJournal.migrate", { captureStackTrace: false }),
    ),
  )
}

/**
 * A {@link PaymentJournal.PaymentJournal} on the `SqlClient` in context, its table migrated
 * first. On SQLite, writes are made durable before they return (`synchronous = FULL`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options = {},
): Effect.Effect<
  PaymentJournal.PaymentJournal.Service,
  Migrator.MigrationError | SqlError,
  SqlClient.SqlClient
> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const table = sql(options.table ?? "mobilepay_journal")
    yield* sql.onDialectOrElse({
      sqlite: () => sql`PRAGMA synchronous = FULL`,
      orElse: () => Effect.void,
    })
    yield* migrate(options)
    const instanceId = Instance.makeId()
    // A SQLite file is on this machine: its other instances' processes are this system's.
    const provesGone = sql.onDialectOrElse({ sqlite: () => true, orElse: () => false })
    const watch = yield* PaymentJournal.makeLeaseWatch
    const now = Clock.currentTimeMillis

    // A lease's end as the entry shows it: on PostgreSQL by the database's clock (one clock
    // for the whole fleet), on SQLite by this process's. Nothing compares it (see the module).
    const leaseEnd = (at: number, millis: number) =>
      sql.onDialectOrElse({
        pg: () => sql`(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint + ${millis}`,
        orElse: () => sql`${at + millis}`,
      })

    const failed =
      (operation: string) =>
      <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.mapError(
          effect,
          (cause) => new PaymentJournal.PaymentJournalError({ operation, cause }),
        )

    const rows = (statement: Effect.Effect<ReadonlyArray<unknown>, SqlError>) =>
      Effect.flatMap(statement, decodeRows)

    const select = (statement: Effect.Effect<ReadonlyArray<unknown>, SqlError>) =>
      Effect.map(rows(statement), (decoded) => decoded.map(toEntry))

    const first = (statement: Effect.Effect<ReadonlyArray<unknown>, SqlError>) =>
      Effect.map(select(statement), (entries) => Option.fromNullable(entries[0]))

    const byKey = (key: string) =>
      Effect.flatMap(select(sql`SELECT * FROM ${table} WHERE key = ${key}`), (entries) =>
        Option.match(Option.fromNullable(entries[0]), {
          onNone: () => Effect.fail(new Error(`no journal entry ${key}`)),
          onSome: Effect.succeed,
        }),
      )

    // A write-once field: set where it is still NULL, then read back whatever is stored.
    const writeOnce = (operation: string, key: string, set: Effect.Effect<unknown, SqlError>) =>
      failed(operation)(Effect.zipRight(set, byKey(key)))

    // Whether the lease on `row` may be taken by `owner` (see PaymentJournal.Service.claim).
    const available = (row: Row, owner: string, lease: PaymentJournal.ClaimOptions) => {
      const holder = row.lease_owner
      if (holder === null || holder === owner) return Effect.succeed(true)
      if (PaymentJournal.ownedBy(instanceId, holder) && lease.takeOverOwn?.(holder) === true) {
        return Effect.succeed(true)
      }
      if (
        lease.takeOverForeign === true &&
        provesGone &&
        !PaymentJournal.ownedBy(instanceId, holder) &&
        Instance.gone(holder)
      ) {
        return Effect.succeed(true)
      }
      return watch.runOut(row.key, {
        owner: holder,
        version: row.lease_version,
        millis: row.lease_millis,
        until: row.lease_until ?? undefined,
      })
    }

    const condition = (filter: PaymentJournal.EntryFilter) =>
      sql.and([
        ...(filter.backend === undefined ? [] : [sql`backend = ${filter.backend}`]),
        ...(filter.kind === undefined ? [] : [sql`kind = ${filter.kind}`]),
        ...(filter.merchant === undefined ? [] : [sql`merchant = ${filter.merchant}`]),
        ...(filter.orderId === undefined ? [] : [sql`order_id = ${filter.orderId}`]),
        ...(filter.finished === undefined
          ? []
          : [filter.finished ? sql`outcome IS NOT NULL` : sql`outcome IS NULL`]),
        ...(filter.createdFrom === undefined ? [] : [sql`created_at >= ${filter.createdFrom}`]),
        ...(filter.createdBefore === undefined ? [] : [sql`created_at < ${filter.createdBefore}`]),
      ])

    return PaymentJournal.PaymentJournal.of({
      instanceId,
      attempts: (backend, kind, merchant, orderId) =>
        failed("read the attempts of an order")(
          select(sql`SELECT * FROM ${table}
            WHERE backend = ${backend} AND kind = ${kind} AND merchant = ${merchant}
              AND order_id = ${orderId}
            ORDER BY attempt`),
        ),
      open: (entry) =>
        failed("open an entry")(
          Effect.gen(function* () {
            const leaseMillis = Option.match(entry.leaseUntil, {
              onNone: () => 0,
              onSome: (until) => Math.max(0, Math.round(until - entry.createdAt)),
            })
            const row = {
              key: entry.key,
              backend: entry.backend,
              kind: entry.kind,
              merchant: entry.merchant,
              order_id: entry.orderId,
              attempt: entry.attempt,
              plan: yield* encodePlan(entry.plan),
              resource_id: Option.getOrNull(entry.resourceId),
              decision: Option.isSome(entry.decision)
                ? yield* encodeDecision(entry.decision.value)
                : null,
              outcome: Option.isSome(entry.outcome)
                ? yield* encodeOutcome(entry.outcome.value)
                : null,
              lease_owner: Option.getOrNull(entry.leaseOwner),
              lease_until: Option.getOrNull(entry.leaseUntil),
              lease_version: Option.isSome(entry.leaseOwner) ? 1 : 0,
              lease_millis: leaseMillis,
              created_at: entry.createdAt,
              updated_at: entry.updatedAt,
            }
            const inserted = yield* sql`INSERT INTO ${table} ${sql.insert(row)}
              ON CONFLICT DO NOTHING RETURNING key`
            return inserted.length === 1
          }),
        ),
      claim: (key, owner, lease) =>
        failed("claim an entry")(
          Effect.gen(function* () {
            const [row] = yield* rows(sql`SELECT * FROM ${table} WHERE key = ${key}`)
            if (row === undefined || row.outcome !== null) return Option.none()
            if (!(yield* available(row, owner, lease))) return Option.none()
            const at = yield* now
            const millis = Math.round(Duration.toMillis(lease.duration))
            // Taken only if the lease is as it was read: racing claims see one winner.
            const taken = yield* first(sql`UPDATE ${table}
              SET lease_owner = ${owner}, lease_until = ${leaseEnd(at, millis)},
                lease_version = lease_version + 1, lease_millis = ${millis}, updated_at = ${at}
              WHERE key = ${key} AND outcome IS NULL AND lease_version = ${row.lease_version}
              RETURNING *`)
            if (Option.isSome(taken)) yield* watch.forget(key)
            return taken
          }),
        ),
      renew: (key, owner, duration) =>
        failed("renew a lease")(
          Effect.gen(function* () {
            const at = yield* now
            const millis = Math.round(Duration.toMillis(duration))
            const renewed = yield* sql`UPDATE ${table}
              SET lease_until = ${leaseEnd(at, millis)}, lease_version = lease_version + 1,
                lease_millis = ${millis}, updated_at = ${at}
              WHERE key = ${key} AND lease_owner = ${owner} AND outcome IS NULL
              RETURNING key`
            return renewed.length === 1
          }),
        ),
      release: (key, owner) =>
        failed("release a lease")(
          Effect.flatMap(now, (at) =>
            Effect.asVoid(
              sql`UPDATE ${table} SET lease_owner = NULL, lease_until = NULL,
                lease_version = lease_version + 1, lease_millis = 0, updated_at = ${at}
                WHERE key = ${key} AND lease_owner = ${owner}`,
            ),
          ),
        ),
      recordResource: (key, resourceId) =>
        writeOnce(
          "record the resource id",
          key,
          Effect.flatMap(
            now,
            (at) => sql`UPDATE ${table} SET resource_id = ${resourceId}, updated_at = ${at}
              WHERE key = ${key} AND resource_id IS NULL`,
          ),
        ),
      decide: (key, decision) =>
        writeOnce(
          "record the decision",
          key,
          Effect.gen(function* () {
            const at = yield* now
            const json = yield* Effect.orDie(encodeDecision(decision))
            return yield* sql`UPDATE ${table} SET decision = ${json}, updated_at = ${at}
              WHERE key = ${key} AND decision IS NULL`
          }),
        ),
      complete: (key, outcome) =>
        Effect.tap(
          writeOnce(
            "record the outcome",
            key,
            Effect.gen(function* () {
              const at = yield* now
              const json = yield* Effect.orDie(encodeOutcome(outcome))
              return yield* sql`UPDATE ${table}
                SET outcome = ${json}, lease_owner = NULL, lease_until = NULL, updated_at = ${at}
                WHERE key = ${key} AND outcome IS NULL`
            }),
          ),
          () => watch.forget(key),
        ),
      unfinished: failed("read the unfinished entries")(
        select(sql`SELECT * FROM ${table} WHERE outcome IS NULL ORDER BY created_at, attempt`),
      ),
      byResource: (backend, kind, resourceId) =>
        failed("find an entry by its resource id")(
          first(sql`SELECT * FROM ${table}
            WHERE backend = ${backend} AND kind = ${kind} AND resource_id = ${resourceId}`),
        ),
      query: (filter) =>
        failed("query the journal")(
          select(sql`SELECT * FROM ${table} WHERE ${condition(filter)}
            ORDER BY created_at, attempt
            ${filter.limit === undefined ? sql`` : sql`LIMIT ${Math.max(0, Math.floor(filter.limit))}`}`),
        ),
    })
  })

/**
 * The journal as a layer on the `SqlClient` in context, e.g.
 * `SqlPaymentJournal.layer().pipe(Layer.provide(SqliteClient.layer({ filename: "journal.db" })))`.
 *
 * @example
 * ```ts
 * import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
 * import { PgClient } from "@effect/sql-pg"
 * import { SqliteClient } from "@effect/sql-sqlite-node"
 * import { Config, Layer } from "effect"
 *
 * // One till: a SQLite file beside the program, created and migrated at start.
 * const TillJournal = SqlPaymentJournal.layer().pipe(
 *   Layer.provide(SqliteClient.layer({ filename: "journal.db" })),
 * )
 *
 * // A fleet sharing one journal: PostgreSQL.
 * const FleetJournal = SqlPaymentJournal.layer().pipe(
 *   Layer.provide(PgClient.layerConfig({ url: Config.redacted("DATABASE_URL") })),
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options = {},
): Layer.Layer<
  PaymentJournal.PaymentJournal,
  Migrator.MigrationError | SqlError,
  SqlClient.SqlClient
> => Layer.effect(PaymentJournal.PaymentJournal, make(options))
