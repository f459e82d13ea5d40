/**
 * An HTTP service for tills on Vipps MobilePay ePayment (see shared/SaleService.ts): tills
 * start, read, cancel and refund sales over HTTP; the platform's webhooks arrive on the same
 * server; sales are journaled in SQLite and recovered at start-up. Runs until Ctrl-C, which
 * leaves sales whose customer is still deciding to recovery (one line each).
 *
 *   pnpm example http-service           # against the embedded sandbox; prints its address
 *   curl -X POST -H 'content-type: application/json' -d '{"orderId":"order-1001","amount":12550}' \
 *     http://127.0.0.1:<port>/tills/till-1/sales
 *   curl http://127.0.0.1:<port>/sales/order-1001
 *
 * Against `pnpm sandbox` or the test environment: the `VIPPS_MOBILEPAY_*` variables (see
 * shared/Platform.ts), `VIPPS_MOBILEPAY_WEBHOOK_PORT` (the port to listen on) and
 * `TILL_JOURNAL_FILE` (default `till-service.db`, kept between runs).
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Config, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Platform from "./shared/Platform.js"
import * as SaleService from "./shared/SaleService.js"

// Against the embedded sandbox (a new platform each run) a fresh journal file per run;
// otherwise the configured one, kept, so that recovery at start-up finishes what a stop left.
const journalFile = Effect.gen(function* () {
  const clientId = yield* Config.option(Config.string("VIPPS_MOBILEPAY_CLIENT_ID"))
  if (Option.isSome(clientId)) {
    return yield* Config.string("TILL_JOURNAL_FILE").pipe(Config.withDefault("till-service.db"))
  }
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "till-service-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
  )
  return join(dir, "journal.db")
})

const Options = Layer.scoped(
  SaleService.ServiceOptions,
  Effect.gen(function* () {
    const platform = yield* Platform.Platform
    const webhook = yield* platform.webhook
    return {
      port: webhook.port,
      journalFile: yield* journalFile,
      currency: platform.currency,
      webhookUrl: (port: number) => webhook.url.replace("{port}", String(port)),
    }
  }),
)

const Service = SaleService.layer.pipe(
  Layer.provideMerge(Options),
  Layer.provideMerge(Platform.layer),
)

const program = Effect.gen(function* () {
  const platform = yield* Platform.Platform
  yield* Effect.log(`talking to ${platform.description}`)
  yield* HttpServer.logAddress
  return yield* Effect.never
})

program.pipe(
  Effect.provide(Service),
  Effect.provide(Logger.minimumLogLevel(LogLevel.Debug)),
  NodeRuntime.runMain,
)
