/**
 * A fleet on one PostgreSQL journal: three till processes ring up 100 sales while the test
 * kills one of them with SIGKILL at random moments (from a fixed seed) and starts it again;
 * each process runs recovery in the background, as in production. Judged by the sandbox's
 * state: every sale captured exactly once, nothing left active or reserved.
 */
import { Services } from "@effect-mobilepay/test-support"
import * as Program from "@effect-mobilepay/test-support/Program"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Ref } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { dropTableAfter, postgres, uniqueTable } from "./support/Stores.js"
import { merchant, startSandbox, storeId } from "./support/Tills.js"

const workerProgram = fileURLToPath(new URL("./fixtures/fleet-worker.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))

const processes = 3
const sales = 100
const customers = ["+4520031801", "+4520031802", "+4520031803"]

// A small seeded generator (mulberry32): the same kills at the same moments on every run.
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const postgresUrl = Services.postgresUrl()

describe.skipIf(postgresUrl === undefined)("a fleet of three processes on PostgreSQL", () => {
  it.scopedLive(
    "killed and restarted at random during 100 sales: each captured once, nothing hanging",
    () =>
      Effect.gen(function* () {
        const url = postgresUrl ?? ""
        const started = yield* startSandbox()
        const { sandbox, client } = started
        const table = uniqueTable()
        yield* dropTableAfter(url, table)
        yield* postgres(url, table) // migrated once here; the workers find it ready

        const tills = yield* Effect.forEach(
          Array.from({ length: processes }, (_, i) => i),
          (i) =>
            Effect.flatMap(
              client.createPos({
                merchantPosId: `fleet-till-${i}`,
                storeId,
                name: `Fleet till ${i}`,
                supportedBeaconTypes: ["QR"],
              }),
              ({ posId }) => client.getPos(posId),
            ),
        )
        const ordersOf = (i: number) =>
          Array.from({ length: sales }, (_, n) => n)
            .filter((n) => n % processes === i)
            .map((n) => `fleet-sale-${n}`)

        // Customers: check in on the till a payment waits at, and accept, once per payment.
        const customer = Effect.gen(function* () {
          const acted = new Set<string>()
          const checkedIn = new Set<string>()
          for (;;) {
            yield* Effect.sleep("30 millis")
            for (const payment of yield* sandbox.payments) {
              const till = tills.findIndex((t) => t.posId === payment.posId)
              const beaconId = tills[till]?.beaconId ?? ""
              const phoneNumber = customers[till] ?? ""
              const id = payment.paymentId
              if (payment.status === "Initiated" && !checkedIn.has(id)) {
                checkedIn.add(id)
                yield* Effect.ignore(client.simulateCheckIn({ beaconId, phoneNumber }))
              }
              if (payment.status === "IssuedToUser" && !acted.has(id)) {
                acted.add(id)
                yield* Effect.ignore(client.simulateAcceptPayment({ beaconId, phoneNumber }))
              }
            }
          }
        })
        yield* Effect.forkScoped(customer)

        // Each till process, started again whenever it is killed, until its list is done.
        const running = new Map<number, ChildProcess>()
        const output = yield* Ref.make("")
        const workerArgs = yield* Program.nodeArgs(workerProgram)
        const startWorker = (i: number) =>
          Effect.async<number | null>((resume) => {
            const job = {
              authUrl: sandbox.authUrl,
              posUrl: sandbox.posUrl,
              userSimulationUrl: sandbox.userSimulationUrl,
              merchantVat: merchant.vat,
              postgresUrl: url,
              table,
              posId: tills[i]?.posId ?? "",
              orders: ordersOf(i),
            }
            const child = spawn(process.execPath, [...workerArgs, JSON.stringify(job)], {
              cwd: packageDir,
              stdio: ["ignore", "pipe", "pipe"],
            })
            running.set(i, child)
            const collect = (chunk: Buffer) =>
              Effect.runSync(Ref.update(output, (all) => all + chunk.toString()))
            child.stdout?.on("data", collect)
            child.stderr?.on("data", collect)
            child.on("exit", (code) => {
              running.delete(i)
              resume(Effect.succeed(code))
            })
            return Effect.sync(() => child.kill("SIGKILL"))
          })
        const restarts = yield* Ref.make(0)
        const worker = (i: number) =>
          Effect.gen(function* () {
            for (;;) {
              const code = yield* startWorker(i)
              if (code === 0) return
              if (code !== null) return yield* Effect.dieMessage(`worker ${i} exited ${code}`)
              yield* Ref.update(restarts, (n) => n + 1)
            }
          })
        const workers = yield* Effect.fork(
          Effect.forEach(
            Array.from({ length: processes }, (_, i) => i),
            worker,
            { concurrency: "unbounded", discard: true },
          ),
        )

        // The killer: every 0.8 to 2.5 s, one random process dies; six times.
        const random = seeded(20261128)
        let kills = 0
        while (kills < 6) {
          yield* Effect.sleep(`${Math.round(800 + random() * 1700)} millis`)
          const victim = Math.floor(random() * processes)
          const child = running.get(victim)
          if (child === undefined) continue
          child.kill("SIGKILL")
          kills++
        }
        yield* Fiber.join(workers)
        const log = yield* Ref.get(output)
        expect(log).not.toContain("FAILED")

        // By the sandbox's state: each sale captured exactly once, nothing active or reserved.
        const payments = yield* sandbox.payments
        const captured = new Map<string, number>()
        for (const p of payments) {
          if (p.status === "Captured") captured.set(p.orderId, (captured.get(p.orderId) ?? 0) + 1)
        }
        const open = payments.filter(
          (p) => !["Captured", "CancelledByUser", "CancelledByClient"].includes(p.status),
        )
        const doubled = [...captured.values()].filter((n) => n > 1)
        process.stdout.write(
          `\nfleet: ${sales} sales on ${processes} processes, ${kills} kills, ${yield* Ref.get(restarts)} restarts; ` +
            `payments ${payments.length} (captured ${[...captured.values()].reduce((a, b) => a + b, 0)}), ` +
            `rung up again ${log.split("\n").filter((l) => l.startsWith("RETRY")).length} times, ` +
            `duplicates ${doubled.length}, left open ${open.length}\n`,
        )
        expect(yield* Ref.get(restarts)).toBe(kills)
        expect(doubled).toEqual([])
        expect(open).toEqual([])
        expect(captured.size).toBe(sales)
      }),
    150_000,
  )
})
