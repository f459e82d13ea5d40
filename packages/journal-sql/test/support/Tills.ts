/**
 * Real processes for the crash tests: a till (`fixtures/till.ts`) run as a child process
 * against a sandbox this process serves, on a SQLite journal file; and the client the test
 * itself uses to play the customer and look at the sandbox.
 */
import { ClientCredentials, Environment } from "@effect-mobilepay/core"
import { MobilePay, PosClient } from "@effect-mobilepay/pos"
import type { HttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { Effect, Layer, Schema } from "effect"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"

const packageDir = fileURLToPath(new URL("../..", import.meta.url))
const tillProgram = fileURLToPath(new URL("../fixtures/till.ts", import.meta.url))

export const merchant = SeedData.selfCertificationMerchant
export const storeId = merchant.stores[0]?.storeId ?? ""
export const creditUser = "+4520031801"

/** What a till is told to do (see `fixtures/till.ts`). */
export type Task =
  | {
      readonly _tag: "Pay"
      readonly posId: string
      readonly orderId: string
      readonly amount: number
      readonly customerTimeout: number
    }
  | {
      readonly _tag: "Refund"
      readonly paymentId: string
      readonly refundOrderId: string
      readonly amount: number
    }
  | { readonly _tag: "Recover" }

export interface TillExit {
  /** The signal that ended it (`SIGKILL` for a till killed at its kill point), or null. */
  readonly signal: NodeJS.Signals | null
  readonly code: number | null
  readonly output: string
  /** The `RESULT` line's JSON, when the till got to the end. */
  readonly result: unknown
}

const ResultLine = Schema.parseJson(Schema.Unknown)

/**
 * The client stack on `sandbox`, as integrator A for the self-certification merchant, over
 * `http` (undici by default).
 */
export const clientOn = (
  sandbox: Sandbox.Sandbox.Service,
  options: Partial<PosClient.Options> = {},
  http: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerUndici,
) =>
  Layer.unwrapEffect(
    Effect.map(ClientCredentials.make(SeedData.integratorA), (credentials) =>
      MobilePay.layer({
        credentials,
        environment: Environment.custom({
          authUrl: sandbox.authUrl,
          posUrl: sandbox.posUrl,
          userSimulationUrl: sandbox.userSimulationUrl,
        }),
        clientSystemVersion: "1.2.3",
        merchantVat: merchant.vat,
        ...options,
      }).pipe(Layer.provide(http)),
    ),
  )

/** A sandbox on the real clock, and a client of it for the test's own calls. */
export const startSandbox = (options: Sandbox.SandboxOptions = {}) =>
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.make({ pollDelay: "100 millis", ...options })
    const context = yield* Layer.build(clientOn(sandbox))
    const client = yield* Effect.provide(PosClient.PosClient, context)
    return { sandbox, client }
  })

/** Runs a till to its end (or its death) on `journal`, with `killAt` as its kill point. */
export const runTill = (
  sandbox: Sandbox.Sandbox.Service,
  journal: string,
  task: Task,
  killAt?: string,
) =>
  Effect.async<TillExit>((resume) => {
    const job = {
      authUrl: sandbox.authUrl,
      posUrl: sandbox.posUrl,
      userSimulationUrl: sandbox.userSimulationUrl,
      merchantVat: merchant.vat,
      journal,
      task,
      ...(killAt === undefined ? {} : { killAt }),
    }
    const child = execFile(
      process.execPath,
      ["--import", "tsx", tillProgram, JSON.stringify(job)],
      { cwd: packageDir, timeout: 60_000 },
      (_error, stdout, stderr) => {
        const line = stdout.split("\n").find((l) => l.startsWith("RESULT "))
        resume(
          Effect.succeed({
            signal: child.signalCode,
            code: child.exitCode,
            output: stdout + stderr,
            result:
              line === undefined
                ? undefined
                : Schema.decodeUnknownSync(ResultLine)(line.slice("RESULT ".length)),
          }),
        )
      },
    )
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** A till's process, for a test that kills it itself: its exit, and a way to kill it. */
export const forkTill = (
  sandbox: Sandbox.Sandbox.Service,
  journal: string,
  task: Task,
  killAt?: string,
) => Effect.fork(runTill(sandbox, journal, task, killAt))
