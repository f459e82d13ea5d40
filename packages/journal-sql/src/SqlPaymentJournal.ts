/**
 * The payment journal in SQL, through `@effect/sql`: SQLite as the embedded default (one file
 * per till or per process, `@effect/sql-sqlite-node`), PostgreSQL for a fleet of processes
 * sharing one journal (`@effect/sql-pg`). One table, created and upgraded by `@effect/sql`'s
 * migrator under its own migrations table. Every write is one statement, durable when it
 * returns; the conditions in each statement make decisions and outcomes write-once and leases
 * exclusive, so processes racing on one entry see exactly one winner.
 *
 * @since 0.2.0
 */
import { PaymentJournal } from "@effect-mobilepay/pos"
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

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
  merchant_vat: Schema.String,
  order_id: Schema.String,
  attempt: Millis,
  plan: Schema.parseJson(Schema.Unknown),
  resource_id: Schema.NullOr(Schema.String),
  decision: Schema.NullOr(Schema.parseJson(PaymentJournal.Decision)),
  outcome: Schema.NullOr(Schema.parseJson(PaymentJournal.Outcome)),
  lease_owner: Schema.NullOr(Schema.String),
  lease_until: Schema.NullOr(Millis),
  created_at: Millis,
  updated_at: Millis,
})

const decodeRows = Schema.decodeUnknown(Schema.Array(Row))
const encodePlan = Schema.encode(Schema.parseJson(Schema.Unknown))
const encodeDecision = Schema.encode(Schema.parseJson(PaymentJournal.Decision))
const encodeOutcome = Schema.encode(Schema.parseJson(PaymentJournal.Outcome))

const toEntry = (row: typeof Row.Type): PaymentJournal.Entry =>
  new PaymentJournal.Entry({
    key: row.key,
    backend: row.backend,
    kind: row.kind,
    merchant: row.merchant_vat,
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
 * runs). Portable across SQLite and PostgreSQL.
 *
 * @since 0.2.0
 * @category migrations
 */
export const migrations = (
  options: Options = {},
): Record<string, Effect.Effect<void, SqlError, SqlClient.SqlClient>> => {
  const table = options.table ?? "mobilepay_journal"
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
    // Entries name their platform; every entry written before is a PoS V10 one.
    "2_entries_name_their_backend": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`ALTER TABLE ${sql(table)} ADD COLUMN backend TEXT NOT NULL DEFAULT 'PosV10'`
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
    const instanceId = crypto.randomUUID()
    const now = Clock.currentTimeMillis

    const failed =
      (operation: string) =>
      <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.mapError(
          effect,
          (cause) => new PaymentJournal.PaymentJournalError({ operation, cause }),
        )

    const select = (rows: Effect.Effect<ReadonlyArray<unknown>, SqlError>) =>
      Effect.map(Effect.flatMap(rows, decodeRows), (decoded) => decoded.map(toEntry))

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

    return PaymentJournal.PaymentJournal.of({
      instanceId,
      attempts: (backend, kind, merchant, orderId) =>
        failed("read the attempts of an order")(
          select(sql`SELECT * FROM ${table}
            WHERE backend = ${backend} AND kind = ${kind} AND merchant_vat = ${merchant}
              AND order_id = ${orderId}
            ORDER BY attempt`),
        ),
      open: (entry) =>
        failed("open an entry")(
          Effect.gen(function* () {
            const row = {
              key: entry.key,
              backend: entry.backend,
              kind: entry.kind,
              merchant_vat: entry.merchant,
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
          Effect.map(
            select(sql`UPDATE ${table}
              SET lease_owner = ${owner}, lease_until = ${lease.until}, updated_at = ${lease.now}
              WHERE key = ${key} AND outcome IS NULL AND (
                lease_owner IS NULL OR lease_until <= ${lease.now} OR lease_owner = ${owner}
                ${lease.takeOverForeign === true ? sql`OR lease_owner NOT LIKE ${`${instanceId}/%`}` : sql``}
              )
              RETURNING *`),
            (entries) => Option.fromNullable(entries[0]),
          ),
        ),
      renew: (key, owner, until) =>
        failed("renew a lease")(
          Effect.flatMap(now, (at) =>
            Effect.map(
              sql`UPDATE ${table} SET lease_until = ${until}, updated_at = ${at}
                WHERE key = ${key} AND lease_owner = ${owner} AND outcome IS NULL
                RETURNING key`,
              (rows) => rows.length === 1,
            ),
          ),
        ),
      release: (key, owner) =>
        failed("release a lease")(
          Effect.flatMap(now, (at) =>
            Effect.asVoid(
              sql`UPDATE ${table} SET lease_owner = NULL, lease_until = NULL, updated_at = ${at}
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
      unfinished: failed("read the unfinished entries")(
        select(sql`SELECT * FROM ${table} WHERE outcome IS NULL ORDER BY created_at, attempt`),
      ),
      byResource: (backend, kind, resourceId) =>
        failed("find an entry by its resource id")(
          Effect.map(
            select(sql`SELECT * FROM ${table}
              WHERE backend = ${backend} AND kind = ${kind} AND resource_id = ${resourceId}`),
            (entries) => Option.fromNullable(entries[0]),
          ),
        ),
      query: (filter) =>
        failed("query the entries")(
          Effect.map(
            select(
              sql`SELECT * FROM ${table} WHERE ${sql.and([
                filter.backend === undefined ? sql`1 = 1` : sql`backend = ${filter.backend}`,
                filter.kind === undefined ? sql`1 = 1` : sql`kind = ${filter.kind}`,
                filter.merchant === undefined ? sql`1 = 1` : sql`merchant_vat = ${filter.merchant}`,
                filter.orderId === undefined ? sql`1 = 1` : sql`order_id = ${filter.orderId}`,
                filter.finished === undefined
                  ? sql`1 = 1`
                  : filter.finished
                    ? sql`outcome IS NOT NULL`
                    : sql`outcome IS NULL`,
                filter.createdFrom === undefined
                  ? sql`1 = 1`
                  : sql`created_at >= ${filter.createdFrom}`,
                filter.createdBefore === undefined
                  ? sql`1 = 1`
                  : sql`created_at < ${filter.createdBefore}`,
              ])} ORDER BY created_at, attempt`,
            ),
            (entries) => (filter.limit === undefined ? entries : entries.slice(0, filter.limit)),
          ),
        ),
    })
  })

/**
 * The journal as a layer on the `SqlClient` in context, e.g.
 * `SqlPaymentJournal.layer().pipe(Layer.provide(SqliteClient.layer({ filename: "journal.db" })))`.
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
