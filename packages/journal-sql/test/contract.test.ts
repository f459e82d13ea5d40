/**
 * One contract, every journal: in memory, SQLite (the embedded default) and PostgreSQL (for
 * fleets; skipped with one line when no PostgreSQL is reachable, fatal under .ci/run).
 */
import { PaymentJournal } from "@effect-mobilepay/sale"
import { Services } from "@effect-mobilepay/test-support"
import { Effect } from "effect"
import { describe } from "vitest"
import { contract } from "./support/Contract.js"
import {
  dropTableAfter,
  goneOwner,
  postgres,
  sqlite,
  sqliteFile,
  uniqueTable,
} from "./support/Stores.js"

// A memory journal is never shared: any other instance's lease is of a process that is gone.
contract("in memory", { make: PaymentJournal.makeMemory, goneOwner: "another-instance/a" })

contract("SQLite", {
  make: Effect.flatMap(sqliteFile, sqlite),
  shared: Effect.flatMap(sqliteFile, (file) => Effect.all([sqlite(file), sqlite(file)])),
  goneOwner,
})

const postgresUrl = Services.postgresUrl()
describe.skipIf(postgresUrl === undefined)("PostgreSQL", () => {
  const url = postgresUrl ?? ""
  const fresh = Effect.gen(function* () {
    const table = uniqueTable()
    yield* dropTableAfter(url, table)
    return table
  })
  contract("PostgreSQL", {
    make: Effect.flatMap(fresh, (table) => postgres(url, table)),
    shared: Effect.flatMap(fresh, (table) =>
      Effect.all([postgres(url, table), postgres(url, table)], { concurrency: 2 }),
    ),
  })
})
