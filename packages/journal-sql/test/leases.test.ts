/**
 * Leases that hold against clocks (issue 18, point 5): recovery never takes a live sale, when
 * another process's wall clock is ahead, when the wall clock steps forward under a live sale,
 * or when a second process is started with `exclusive: true` on a till's SQLite file; and it
 * does take a sale whose holder is gone. Each on the engine's own lease holding
 * (`Engine.holdLease`) and `Recovery.recover`, over a platform that records what it is asked
 * to drive (recovery of a live sale would cancel it).
 */
import { Engine, PaymentJournal, Recovery } from "@effect-mobilepay/sale"
import { Services, Time } from "@effect-mobilepay/test-support"
import * as Program from "@effect-mobilepay/test-support/Program"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Option, Ref, type Scope, TestClock } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { SkewedClock } from "./support/Clocks.js"
import { dropTableAfter, postgres, sqlite, sqliteFile, uniqueTable } from "./support/Stores.js"

type Journal = PaymentJournal.PaymentJournal.Service

const lease = Duration.seconds(15)

/** A platform whose recovery cancels what it is given, and remembers it. */
const cancelling = Effect.map(Ref.make<ReadonlyArray<string>>([]), (driven) => ({
  driven: Ref.get(driven),
  platform: {
    name: "PosV10",
    drive: (
      journal: Journal,
      _lease: Duration.Duration,
      _owner: string,
      entry: PaymentJournal.Entry,
    ) =>
      Effect.gen(function* () {
        yield* Ref.update(driven, (keys) => [...keys, entry.key])
        const done = yield* journal.complete(entry.key, {
          _tag: "Final",
          status: "CancelledByClient",
        })
        return { finished: true, entry: done }
      }),
  } satisfies Recovery.Recoverable,
}))

/** A sale's entry, opened with its lease as a flow opens it. */
const opened = (journal: Journal) =>
  Effect.gen(function* () {
    const owner = Engine.owner(journal)
    const now = yield* Clock.currentTimeMillis
    const entry = new PaymentJournal.Entry({
      key: crypto.randomUUID(),
      backend: "PosV10",
      kind: "Payment",
      merchant: "DK90000028",
      orderId: `order-${crypto.randomUUID()}`,
      attempt: 1,
      plan: { _tag: "InitiatePayment" },
      resourceId: Option.none(),
      decision: Option.none(),
      outcome: Option.none(),
      leaseOwner: Option.some(owner),
      leaseUntil: Option.some(now + Duration.toMillis(lease)),
      createdAt: now,
      updatedAt: now,
    })
    expect(yield* journal.open(entry)).toBe(true)
    return { key: entry.key, owner }
  })

/** A sale a till's flow works on: opened with its lease, held (renewed) while the scope is open. */
const liveSale = (journal: Journal) =>
  Effect.gen(function* () {
    const { key, owner } = yield* opened(journal)
    yield* Engine.holdLease(journal, lease, key, owner)
    return key
  })

// Opened with its lease by a flow that stopped renewing. In one process (the memory journal)
// its fiber still runs, stalled: a flow of this process that has ended would be taken over at
// once (`Engine.hasEnded`), so the stalled one is what is watched.
const liveSaleOpened = (journal: Journal) =>
  Effect.gen(function* () {
    const { key, owner } = yield* opened(journal)
    yield* Engine.markRunning(owner)
    return key
  })

const recover = (
  journal: Journal,
  platform: Recovery.Recoverable,
  options: Recovery.RecoverOptions = {},
) =>
  Effect.provideService(
    // About leases, not about the grace recovery gives undecided sales: none here.
    Recovery.recover([platform], { lease, undecidedGrace: 0, ...options }),
    PaymentJournal.PaymentJournal,
    journal,
  )

// When the entry was last written: a renewal writes it (on the renewer's clock).
const writtenAt = (journal: Journal, key: string) =>
  Effect.map(journal.query({}), (entries) => entries.find((e) => e.key === key)?.updatedAt)

// Lets a third of the lease pass, and the holder renew (its write done) before going on.
const renewalPasses = (journal: Journal, key: string) =>
  Effect.gen(function* () {
    const before = yield* writtenAt(journal, key)
    yield* TestClock.adjust(Duration.toMillis(lease) / 3)
    yield* Time.waitUntil(Effect.map(writtenAt(journal, key), (after) => after !== before))
  })

const stores: ReadonlyArray<
  readonly [name: string, shared: Effect.Effect<readonly [Journal, Journal], unknown, Scope.Scope>]
> = [
  // One instance serves both: a memory journal is one process's.
  ["memory", Effect.map(PaymentJournal.makeMemory, (journal) => [journal, journal] as const)],
  ["SQLite", Effect.flatMap(sqliteFile, (file) => Effect.all([sqlite(file), sqlite(file)]))],
]
const postgresUrl = Services.postgresUrl()
const storesWithPostgres =
  postgresUrl === undefined
    ? stores
    : [
        ...stores,
        [
          "PostgreSQL",
          Effect.gen(function* () {
            const table = uniqueTable()
            yield* dropTableAfter(postgresUrl, table)
            return yield* Effect.all([postgres(postgresUrl, table), postgres(postgresUrl, table)], {
              concurrency: 2,
            })
          }),
        ] as const,
      ]

describe.each(storesWithPostgres)("leases on %s", (_name, shared) => {
  it.scoped("a process whose clock is 25 s ahead never takes another's live sale", () =>
    Effect.gen(function* () {
      const [till, fleet] = yield* shared
      const { driven, platform } = yield* cancelling
      const key = yield* liveSale(till)
      const ahead = yield* SkewedClock.make("25 seconds")
      // A minute of the other process's recovery, every 5 s, while the till renews.
      for (let round = 0; round < 12; round++) {
        const report = yield* Effect.withClock(recover(fleet, platform), ahead)
        expect(report.busy.map((e) => e.key)).toEqual([key])
        yield* renewalPasses(till, key)
      }
      expect(yield* driven).toEqual([])
    }),
  )

  it.scoped(
    "the wall clock stepping forward under a live sale: the till's recovery leaves it",
    () =>
      Effect.gen(function* () {
        const [till] = yield* shared
        const { driven, platform } = yield* cancelling
        const clock = yield* SkewedClock.make("0 millis")
        // The till's process: its flow and its recovery on its wall clock (its timers on the
        // TestClock, as an operating system's run on its monotonic clock).
        const key = yield* Effect.withClock(liveSale(till), clock)
        const recoverNow = Effect.withClock(recover(till, platform), clock)
        expect((yield* recoverNow).busy.map((e) => e.key)).toEqual([key])
        yield* clock.step("1 hour")
        for (let round = 0; round < 6; round++) {
          expect((yield* recoverNow).busy.map((e) => e.key)).toEqual([key])
          yield* renewalPasses(till, key)
        }
        // Time moving on (the TestClock's timers firing) while the till renews: still live.
        yield* TestClock.adjust("2 minutes")
        yield* renewalPasses(till, key)
        expect((yield* recoverNow).busy.map((e) => e.key)).toEqual([key])
        expect(yield* driven).toEqual([])
      }),
  )

  it.scoped("a sale whose holder stopped renewing is taken once watched for its lease", () =>
    Effect.gen(function* () {
      const [till, fleet] = yield* shared
      const { driven, platform } = yield* cancelling
      // Opened with its lease by a flow that then stalled: never renewed, never released.
      const key = yield* liveSaleOpened(till)
      expect((yield* recover(fleet, platform)).busy.map((e) => e.key)).toEqual([key])
      yield* TestClock.adjust(Duration.toMillis(lease) - 1)
      expect((yield* recover(fleet, platform)).busy.map((e) => e.key)).toEqual([key])
      yield* TestClock.adjust(1)
      expect((yield* recover(fleet, platform)).finished.map((e) => e.key)).toEqual([key])
      expect(yield* driven).toEqual([key])
    }),
  )
})

describe("a second process with exclusive: true on a till's SQLite file", () => {
  const packageDir = fileURLToPath(new URL("..", import.meta.url))
  const holder = fileURLToPath(new URL("fixtures/lease-holder.ts", import.meta.url))

  // The till: a process holding a live sale on `file`; its sale's key, and a way to kill it.
  const till = (file: string) =>
    Effect.acquireRelease(
      Effect.flatMap(Program.nodeArgs(holder), (args) =>
        Effect.sync(() => spawn(process.execPath, [...args, file, "3000"], { cwd: packageDir })),
      ),
      (child) => Effect.sync(() => child.kill("SIGKILL")),
    ).pipe(
      Effect.flatMap((child) =>
        Effect.async<{ readonly key: string; readonly kill: Effect.Effect<void> }, Error>(
          (resume) => {
            let output = ""
            child.stdout.on("data", (chunk: Buffer) => {
              output += chunk.toString()
              const key = /^HOLDING (\S+)$/m.exec(output)?.[1]
              if (key === undefined) return
              const kill = Effect.async<void>((exited) => {
                child.once("exit", () => exited(Effect.void))
                child.kill("SIGKILL")
              })
              resume(Effect.succeed({ key, kill }))
            })
            child.once("exit", (code) =>
              resume(Effect.fail(new Error(`the till exited (${code}): ${output}`))),
            )
          },
        ),
      ),
    )

  it.scopedLive(
    "leaves the live till's sale, and takes it at once when the till is gone",
    () =>
      Effect.gen(function* () {
        const file = yield* sqliteFile
        const { driven, platform } = yield* cancelling
        const running = yield* till(file)
        const second = yield* sqlite(file)
        for (let run = 0; run < 3; run++) {
          const report = yield* recover(second, platform, { exclusive: true })
          expect(report.busy.map((e) => e.key)).toEqual([running.key])
        }
        expect(yield* driven).toEqual([])
        yield* running.kill
        const report = yield* recover(second, platform, { exclusive: true })
        expect(report.finished.map((e) => e.key)).toEqual([running.key])
      }),
    30_000,
  )
})
