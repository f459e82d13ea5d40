/**
 * An ePayment fleet on one PostgreSQL journal: three till processes ring up 100 ePayment
 * sales (push to a phone) while the test kills one of them with SIGKILL at random moments
 * (from a fixed seed) and starts it again; each process runs ePayment recovery in the
 * background, as in production. Judged by the platform: every order captured exactly once,
 * no payment left open or reserved, and the journal finished and agreeing with the platform.
 */
import { EPaymentSale } from "@effect-mobilepay/epayment"
import { Services } from "@effect-mobilepay/test-support"
import * as Program from "@effect-mobilepay/test-support/Program"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Ref } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { customers, startSandbox } from "./support/EPaymentTills.js"
import { dropTableAfter, postgres, uniqueTable } from "./support/Stores.js"

const workerProgram = fileURLToPath(new URL("./fixtures/epayment-fleet-worker.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))

const processes = 3
const sales = 100
const amount = 4250

// A small seeded generator (mulberry32): the same kills at the same moments on every run.
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const postgresUrl = Services.postgresUrl()

describe.skipIf(postgresUrl === undefined)(
  "an ePayment fleet of three processes on PostgreSQL",
  () => {
    it.scopedLive(
      "killed and restarted at random during 100 sales: each captured once, nothing hanging",
      () =>
        Effect.gen(function* () {
          const url = postgresUrl ?? ""
          const { sandbox, client, customer } = yield* startSandbox()
          const table = uniqueTable()
          yield* dropTableAfter(url, table)
          const journal = yield* postgres(url, table) // migrated once here; the workers find it ready

          // The platform has two DK test users: the third till's customer is the first's again.
          const phoneOf = (i: number) => customers[i % customers.length] ?? ""
          const ordersOf = (i: number) =>
            Array.from({ length: sales }, (_, n) => n)
              .filter((n) => n % processes === i)
              .map((n) => `ep-fleet-sale-${n}`)

          // Customers: approve each payment request once, as soon as their app shows it.
          const seen = new Set<string>()
          const customersAct = Effect.gen(function* () {
            for (;;) {
              yield* Effect.sleep("30 millis")
              for (const phoneNumber of customers) {
                for (const reference of yield* customer.requests(phoneNumber)) {
                  if (seen.has(reference)) continue
                  seen.add(reference)
                  yield* customer.approve(reference, phoneNumber)
                }
              }
            }
          })
          yield* Effect.forkScoped(customersAct)

          // Each till process, started again whenever it is killed, until its list is done.
          const running = new Map<number, ChildProcess>()
          const midSale: Array<string> = []
          const inSale = new Map<number, boolean>()
          const output = yield* Ref.make("")
          const workerArgs = yield* Program.nodeArgs(workerProgram)
          const startWorker = (i: number) =>
            Effect.async<number | null>((resume) => {
              const job = {
                baseUrl: sandbox.baseUrl,
                postgresUrl: url,
                table,
                till: `ep-fleet-till-${i}`,
                phoneNumber: phoneOf(i),
                orders: ordersOf(i),
              }
              const child = spawn(process.execPath, [...workerArgs, JSON.stringify(job)], {
                cwd: packageDir,
                stdio: ["ignore", "pipe", "pipe"],
              })
              running.set(i, child)
              let own = ""
              const collect = (chunk: Buffer) => {
                own += chunk.toString()
                const marks = own.split("\n").filter((l) => /^(START|DONE) /.test(l))
                inSale.set(i, marks.at(-1)?.startsWith("START") ?? false)
                Effect.runSync(Ref.update(output, (all) => all + chunk.toString()))
              }
              child.stdout?.on("data", collect)
              child.stderr?.on("data", collect)
              child.on("exit", (code) => {
                running.delete(i)
                inSale.set(i, false)
                // Killed while a sale was under way: its last sale started and did not end.
                const lines = own.split("\n").filter((l) => /^(START|DONE) /.test(l))
                if (code === null && lines.at(-1)?.startsWith("START"))
                  midSale.push(lines.at(-1) ?? "")
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
                if (code !== null) {
                  const failed = (yield* Ref.get(output))
                    .split("\n")
                    .filter((line) => line.startsWith("FAILED"))
                  return yield* Effect.dieMessage(
                    `worker ${i} exited ${code}: ${failed.join("; ")}`,
                  )
                }
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

          // The killer: every 0.8 to 2.5 s, one random process dies in the middle of a sale; six
          // times, or as often as it can before the fleet is done.
          const random = seeded(20261205)
          let kills = 0
          while (kills < 6 && Option.isNone(yield* Fiber.poll(workers))) {
            yield* Effect.sleep(`${Math.round(800 + random() * 1700)} millis`)
            const victim = Math.floor(random() * processes)
            // Killed in the middle of a sale (not while it loads): waits for one to start.
            for (let tries = 0; tries < 200 && inSale.get(victim) !== true; tries++) {
              yield* Effect.sleep("20 millis")
            }
            const child = running.get(victim)
            if (child === undefined || inSale.get(victim) !== true) continue
            child.kill("SIGKILL")
            kills++
          }
          yield* Fiber.join(workers)
          const log = yield* Ref.get(output)
          expect(log).not.toContain("FAILED")

          // The journal: every entry finished.
          const entries = yield* journal.query({})
          expect(entries.filter((entry) => !entry.isFinished)).toEqual([])
          // The platform: every payment the journal or a customer knows of.
          const references = new Set([
            ...seen,
            ...entries
              .filter((entry) => Option.isSome(entry.resourceId))
              .map((entry) => EPaymentSale.referenceOf(entry)),
          ])
          const charged = new Map<string, number>()
          const open: Array<string> = []
          const misreported: Array<string> = []
          for (const reference of references) {
            const payment = yield* client.get(reference)
            const { authorizedAmount, capturedAmount, cancelledAmount } = payment.aggregate
            const reserved = authorizedAmount.value - capturedAmount.value - cancelledAmount.value
            if (payment.state === "CREATED" || (payment.state === "AUTHORIZED" && reserved > 0)) {
              open.push(`${reference} ${payment.state} ${reserved}`)
            }
            const entry = entries.find((e) => EPaymentSale.referenceOf(e) === reference)
            const orderId = entry?.orderId ?? reference
            if (capturedAmount.value > 0) {
              charged.set(orderId, (charged.get(orderId) ?? 0) + capturedAmount.value)
            }
            const outcome = Option.getOrUndefined(entry?.outcome ?? Option.none())
            const captured = outcome?._tag === "Final" && outcome.status === "CAPTURED"
            if (captured !== capturedAmount.value > 0) {
              misreported.push(`${reference}: ${JSON.stringify(outcome)} ${capturedAmount.value}`)
            }
          }
          const doubled = [...charged].filter(([, value]) => value !== amount)
          process.stdout.write(
            `\nePayment fleet: ${sales} sales on ${processes} processes, ${kills} kills, ${yield* Ref.get(restarts)} restarts; ` +
              `payments ${references.size} (captured ${charged.size}), ` +
              `killed mid-sale ${midSale.length}, rung up again ${log.split("\n").filter((l) => l.startsWith("RETRY")).length} times, ` +
              `doubled ${doubled.length}, left open ${open.length}, misreported ${misreported.length}\n`,
          )
          expect(doubled).toEqual([])
          expect(open).toEqual([])
          expect(yield* Ref.get(restarts)).toBe(kills)
          expect(kills).toBeGreaterThanOrEqual(3)
          // The killer strikes while a sale is under way, but that sale may end between its look
          // and the signal (seen once in CI: 5 of 6): most kills must land mid-sale.
          expect(midSale.length).toBeGreaterThanOrEqual(Math.ceil(kills / 2))
          expect(misreported).toEqual([])
          expect(charged.size).toBe(sales)
        }),
      150_000,
    )
  },
)
