/**
 * Starting and talking to fleet workers (test/fixtures/fleet-worker.ts, each its own Node process)
 * against an in-process sandbox, whose request log counts what reaches the token endpoint.
 */
import type { Sandbox } from "@effect-mobilepay/sandbox"
import * as Program from "@effect-mobilepay/test-support/Program"
import { expect } from "@effect/vitest"
import { Effect, Queue, Schema } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const packageDir = fileURLToPath(new URL("../..", import.meta.url))
const client = {
  clientId: "a1b2c3d4-0001-4a00-8000-000000000001",
  clientSecret: "sandbox-secret-integrator-a",
}

export const merchants = (count: number) =>
  Array.from({ length: count }, (_, i) => `DK${String(10_000_000 + i)}`)

export interface Orders {
  readonly mode: "cold" | "steady" | "storm" | "busy" | "revocations"
  readonly merchants: ReadonlyArray<string>
  readonly redisUrl: string
  readonly keyPrefix: string
  readonly key: string
  /** Absent: the store's default. */
  readonly lease?: number
  /** Absent: the store's default. */
  readonly commandTimeout?: number
  readonly durationMs?: number
  readonly intervalMs?: number
  readonly posCalls?: boolean
  /** PosClient's timeout of a read, in milliseconds. */
  readonly posReadTimeout?: number
  readonly refreshAhead?: number
  readonly safetyMargin?: number
  /** The event loop blocked for `forMs` every `everyMs` (drawn at random from each range). */
  readonly stalls?: {
    readonly everyMs: readonly [number, number]
    readonly forMs: readonly [number, number]
  }
}

export interface Worker {
  readonly child: ChildProcess
  /** The next line the worker prints. */
  readonly line: Effect.Effect<string>
  readonly send: (line: string) => Effect.Effect<void>
}

/** Where the workers find MobilePay: the sandbox, or the counting endpoint. */
export interface Target {
  readonly authUrl: string
  readonly posUrl: string
}

/** A child process speaking in lines; killed when the scope closes, if still running. */
const startProcess = (script: string, env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const lines = yield* Queue.unbounded<string>()
      const args = yield* Program.nodeArgs(join(packageDir, script))
      const child = spawn(process.execPath, args, {
        cwd: packageDir,
        stdio: ["pipe", "pipe", "inherit"],
        env: { ...process.env, ...env },
      })
      createInterface({ input: child.stdout! }).on("line", (line) => lines.unsafeOffer(line))
      return {
        child,
        line: Queue.take(lines).pipe(
          Effect.timeoutFail({
            duration: "60 seconds",
            onTimeout: () => new Error(`${script} said nothing for 60 s`),
          }),
          Effect.orDie,
        ),
        send: (line: string) =>
          Effect.sync(() => {
            child.stdin!.write(`${line}\n`)
          }),
      } satisfies Worker
    }),
    (started) =>
      Effect.sync(() => {
        if (started.child.exitCode === null) started.child.kill("SIGKILL")
      }),
  )

const IssuedLog = Schema.parseJson(
  Schema.Array(
    Schema.Struct({ merchant: Schema.String, at: Schema.Number, expiresAt: Schema.Number }),
  ),
)

/**
 * The counting endpoint (test/fixtures/fleet-endpoint.ts) in a process of its own, issuing tokens that
 * live `tokenLifetimeSeconds`.
 */
export const startEndpoint = (tokenLifetimeSeconds: number) =>
  Effect.gen(function* () {
    const endpoint = yield* startProcess("test/fixtures/fleet-endpoint.ts", {
      MOBILEPAY_FLEET_TOKEN_LIFETIME: String(tokenLifetimeSeconds),
    })
    const listening = yield* endpoint.line
    const port = Number(listening.replace(/^listening /, ""))
    const ask = (command: string) => Effect.zipRight(endpoint.send(command), endpoint.line)
    return {
      authUrl: `http://127.0.0.1:${port}/integrator-authentication`,
      posUrl: `http://127.0.0.1:${port}/pos/v10`,
      /** Revokes every token issued so far: a PoS call with one gets a 401. */
      revoke: Effect.asVoid(ask("revoke")),
      /** The token requests so far: merchant, arrival and expiry (epoch ms), oldest first. */
      log: Effect.flatMap(ask("log"), Schema.decodeUnknown(IssuedLog)).pipe(Effect.orDie),
      clear: Effect.asVoid(ask("clear")),
    }
  })

/** Starts one worker process; it is killed when the scope closes, if still running. */
export const startWorker = (sandbox: Target, orders: Orders) =>
  startProcess("test/fixtures/fleet-worker.ts", {
    MOBILEPAY_FLEET_WORKER: JSON.stringify({
      mode: orders.mode,
      authUrl: sandbox.authUrl,
      posUrl: sandbox.posUrl,
      ...client,
      merchants: orders.merchants,
      redis: {
        url: orders.redisUrl,
        keyPrefix: orders.keyPrefix,
        key: orders.key,
        lease: orders.lease,
        commandTimeout: orders.commandTimeout,
      },
      durationMs: orders.durationMs,
      intervalMs: orders.intervalMs,
      posCalls: orders.posCalls,
      posReadTimeout: orders.posReadTimeout,
      refreshAhead: orders.refreshAhead,
      safetyMargin: orders.safetyMargin,
      stalls: orders.stalls,
    }),
  })

/** `count` workers on the same orders, each having said `ready`. */
export const fleet = (count: number, sandbox: Target, orders: Orders) =>
  Effect.gen(function* () {
    const workers = yield* Effect.all(
      Array.from({ length: count }, () => startWorker(sandbox, orders)),
      { concurrency: "unbounded" },
    )
    for (const worker of workers) expect(yield* worker.line).toBe("ready")
    return workers
  })

export const sendAll = (workers: ReadonlyArray<Worker>, line: string) =>
  Effect.forEach(workers, (worker) => worker.send(line), { discard: true })

export const goAll = (workers: ReadonlyArray<Worker>) => sendAll(workers, "go")

/** The worker's next line, decoded as `schema` (JSON). */
export const result =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (worker: Worker) =>
    Effect.flatMap(worker.line, Schema.decodeUnknown(Schema.parseJson(schema))).pipe(Effect.orDie)

/** The token requests the sandbox received: merchant and arrival, oldest first. */
export const tokenRequestLog = (sandbox: Sandbox.Sandbox.Service) =>
  Effect.map(sandbox.requests, (requests) =>
    requests
      .filter((request) => request.path.endsWith("/connect/token"))
      .map((request) => ({
        merchant: new URLSearchParams(request.body).get("merchant_vat") ?? "unbound",
        at: request.receivedAt,
      })),
  )

/** Token requests the sandbox received, per merchant. */
export const tokenRequests = (sandbox: Sandbox.Sandbox.Service) =>
  Effect.map(tokenRequestLog(sandbox), (log) => {
    const perMerchant = new Map<string, number>()
    for (const { merchant } of log) perMerchant.set(merchant, (perMerchant.get(merchant) ?? 0) + 1)
    return perMerchant
  })

export const total = (perMerchant: Map<string, number>) =>
  [...perMerchant.values()].reduce((sum, n) => sum + n, 0)
