/**
 * The HTTP service example (examples/http-service.ts, shared/SaleService.ts) over loopback: the
 * service on a free port, on the embedded sandbox, driven through its own HttpApi with a typed
 * client; the customer played by the sandbox's simulated customer; webhooks delivered by the
 * sandbox to the service's own endpoint; then shut down with a sale whose customer is still
 * deciding, and started again on the same journal file.
 */
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import { PaymentJournal } from "@effect-mobilepay/pos"
import * as Program from "@effect-mobilepay/test-support/Program"
import { HttpApiClient, HttpClient, HttpServer } from "@effect/platform"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { Context, Effect, Exit, Layer, Logger, Option, Schedule, Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Platform from "../shared/Platform.js"
import * as SaleService from "../shared/SaleService.js"

// Every line the service logs, to read its webhook and shutdown lines.
const lines: Array<string> = []
const Captured = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ message }) => {
    lines.push(Array.isArray(message) ? message.map(String).join(" ") : String(message))
  }),
)

const journalDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "till-service-test-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
)

// Until the sale reads `status` (the flow captures once it learns of the approval).
const until = Schedule.spaced("100 millis").pipe(Schedule.intersect(Schedule.recurs(150)))

it.scopedLive(
  "a till service: start, read, cancel, refund, webhooks, and a graceful shutdown",
  () =>
    Effect.gen(function* () {
      const platformContext = yield* Layer.build(Platform.layer)
      const platform = Context.get(platformContext, Platform.Platform)
      const journalFile = join(yield* journalDir, "journal.db")
      const options = Layer.succeed(SaleService.ServiceOptions, {
        port: 0,
        journalFile,
        currency: "DKK",
        webhookUrl: (port) => `http://127.0.0.1:${port}/hooks/vipps`,
      })

      // The service in a scope of its own (closing it is the process being interrupted),
      // and a typed client of its API.
      const startService = Effect.gen(function* () {
        const scope = yield* Scope.make()
        const service = yield* Layer.buildWithScope(
          SaleService.layer.pipe(Layer.provide(options)),
          scope,
        ).pipe(Effect.provide(platformContext))
        const address = Context.get(service, HttpServer.HttpServer).address
        const port = address._tag === "TcpAddress" ? address.port : 0
        const api = yield* HttpApiClient.make(SaleService.Api, {
          baseUrl: `http://127.0.0.1:${port}`,
        }).pipe(
          Effect.provideService(
            HttpClient.HttpClient,
            Context.get(platformContext, HttpClient.HttpClient),
          ),
        )
        return { scope, api }
      })
      const customerApproves = (sale: SaleService.Started) =>
        Platform.customerApproves(sale.reference, {
          scanned: sale.qr ?? "",
          instructions: "approve",
        }).pipe(Effect.provide(platformContext))
      const readUntil = (
        api: Effect.Effect.Success<typeof startService>["api"],
        orderId: string,
        status: string,
      ) =>
        api.sales.lookup({ path: { orderId } }).pipe(
          Effect.filterOrFail(
            (view) => view.finished && view.status === status,
            (view) => new Error(`${orderId}: ${view.status}`),
          ),
          Effect.retry(until),
        )

      const order = `svc-${Date.now()}`
      const first = yield* startService

      // A sale at till-1: answered at once with the QR; the customer approves; the platform's
      // webhooks reach the service; the sale is captured.
      const paid = yield* first.api.sales.start({
        path: { till: "till-1" },
        payload: { orderId: `${order}-1`, amount: 12550 },
      })
      expect(paid.reference).toBe(`${order}-1`)
      expect(paid.qr).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sandbox\/v1\/pay\?token=/)
      expect((yield* first.api.sales.lookup({ path: { orderId: paid.orderId } })).status).toBe(
        "CREATED",
      )
      yield* customerApproves(paid)
      const captured = yield* readUntil(first.api, paid.orderId, "CAPTURED")
      expect(captured.captured).toBe(12550)
      expect(lines).toContain(`webhook: payment ${paid.reference} AUTHORIZED`)

      // A sale at till-2 the customer walks away from: the till cancels it.
      const walkedAway = yield* first.api.sales.start({
        path: { till: "till-2" },
        payload: { orderId: `${order}-2`, amount: 4500 },
      })
      const cancelled = yield* first.api.sales.cancel({ path: { orderId: walkedAway.orderId } })
      expect(cancelled).toMatchObject({ status: "TERMINATED", captured: null })
      expect((yield* readUntil(first.api, walkedAway.orderId, "TERMINATED")).finished).toBe(true)
      const notHeld = yield* Effect.flip(
        first.api.sales.cancel({ path: { orderId: walkedAway.orderId } }),
      )
      expect(notHeld._tag).toBe("SaleNotHeld")

      // Part of the first sale given back, as its own order.
      const refunded = yield* first.api.sales.refund({
        path: { orderId: paid.orderId },
        payload: { refundOrderId: `${order}-1-r1`, amount: 4950 },
      })
      expect(refunded).toMatchObject({ reference: paid.reference, amount: 4950 })
      const unknown = yield* Effect.flip(
        first.api.sales.lookup({ path: { orderId: "no-such-order" } }),
      )
      expect(unknown._tag).toBe("SaleNotFound")

      // A sale whose customer is still deciding when the service shuts down. Meanwhile the
      // till is busy with it: a second sale there is refused.
      const deciding = yield* first.api.sales.start({
        path: { till: "till-1" },
        payload: { orderId: `${order}-3`, amount: 3900 },
      })
      const busy = yield* Effect.flip(
        first.api.sales.start({
          path: { till: "till-1" },
          payload: { orderId: `${order}-4`, amount: 100 },
        }),
      )
      expect(busy).toMatchObject({ _tag: "SaleFailed", error: "SaleInProgress" })
      yield* Scope.close(first.scope, Exit.void)
      expect(lines.filter((line) => line.startsWith("shutting down:"))).toEqual([
        `shutting down: sale ${deciding.orderId} at till-1 left to recovery (journal lease released); ring it up again within 2 minutes to take it over, or recovery finishes it`,
      ])
      // Left to recovery: unfinished, undecided, its lease given up.
      const [entry] = yield* Effect.flatMap(PaymentJournal.PaymentJournal, (journal) =>
        journal.attempts("EPayment", "Payment", platform.merchantSerialNumber, deciding.orderId),
      ).pipe(
        Effect.provide(
          SqlPaymentJournal.layer().pipe(
            Layer.provide(SqliteClient.layer({ filename: journalFile })),
          ),
        ),
      )
      expect(entry?.isFinished).toBe(false)
      expect(entry?.decision).toEqual(Option.none())
      expect(entry?.leaseOwner).toEqual(Option.none())

      // Started again on the same journal: the till rings the order up again and takes the
      // same payment over; the customer approves it once.
      const second = yield* startService
      const resumed = yield* second.api.sales.start({
        path: { till: "till-1" },
        payload: { orderId: deciding.orderId, amount: 3900 },
      })
      expect(resumed.reference).toBe(deciding.reference)
      yield* customerApproves(resumed)
      expect((yield* readUntil(second.api, deciding.orderId, "CAPTURED")).captured).toBe(3900)
      yield* Scope.close(second.scope, Exit.void)
      expect(lines.filter((line) => line.startsWith("shutting down:"))).toHaveLength(1)
    }).pipe(Effect.provide(Captured)),
  120_000,
)

// The example as a user runs it: `pnpm example http-service`, a sale started with a plain POST,
// then Ctrl-C (SIGINT): the sale is left to recovery, said in one line, and the process ends.
it(
  "the service process leaves a deciding sale to recovery on SIGINT",
  { timeout: 60_000 },
  async () => {
    const env: Record<string, string | undefined> = { ...process.env }
    delete env["VIPPS_MOBILEPAY_CLIENT_ID"]
    const dir = fileURLToPath(new URL("..", import.meta.url))
    // From its bundle: the same sources as tsx runs (see test-support's Program).
    const args = await Effect.runPromise(Program.nodeArgs(join(dir, "http-service.ts")))
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    const printed = (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve) => {
        const look = () => {
          const match = pattern.exec(output)
          if (match !== null) resolve(match)
        }
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString("utf8")
          look()
        })
        look()
      })
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
    })
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    )
    const [, base] = await printed(/Listening on (http:\/\/127\.0\.0\.1:\d+)/)
    const orderId = `sigint-${Date.now()}`
    const response = await fetch(`${base}/tills/till-9/sales`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId, amount: 2500 }),
    })
    expect(response.status).toBe(201)
    expect(await response.json()).toMatchObject({ orderId, reference: orderId })
    child.kill("SIGINT")
    await exited
    expect(output).toContain(
      `shutting down: sale ${orderId} at till-9 left to recovery (journal lease released)`,
    )
    expect(output).not.toMatch(/ERROR|Error:/)
  },
)
