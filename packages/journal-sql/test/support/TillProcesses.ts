/**
 * A till in a process of its own, both ends of it, for the PoS and the ePayment crash tests.
 * The test runs the till program (`fixtures/till.ts`, `fixtures/epayment-till.ts`) with its job
 * as JSON and reads how it ended; the program crashes itself at its kill point, journals to a
 * SQLite file and prints `RESULT <json>` when it gets to the end.
 */
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import type { Sandbox } from "@effect-mobilepay/sandbox"
import * as Program from "@effect-mobilepay/test-support/Program"
import { HttpClient, type HttpClientRequest } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Effect, Layer, Schema } from "effect"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"

const packageDir = fileURLToPath(new URL("../..", import.meta.url))

export interface TillExit {
  /** The signal that ended it (`SIGKILL` for a till killed at its kill point), or null. */
  readonly signal: NodeJS.Signals | null
  readonly code: number | null
  readonly output: string
  /** The `RESULT` line's JSON, when the till got to the end. */
  readonly result: unknown
}

const ResultLine = Schema.parseJson(Schema.Unknown)

/** Runs the till `program` on `job` to its end (or its death); killed if interrupted. */
const runTillProgram = (program: string, job: object) =>
  Effect.flatMap(Program.nodeArgs(program), (args) => runNode(args, job))

const runNode = (args: ReadonlyArray<string>, job: object) =>
  Effect.async<TillExit>((resume) => {
    const child = execFile(
      process.execPath,
      [...args, JSON.stringify(job)],
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

/**
 * The test's end of the till `program`: `runTill` runs one to its end (or its death) on the
 * SQLite file `journal`, with `killAt` as its kill point; `forkTill` runs one in a fiber, for a
 * test that kills it itself. The job is the sandbox's `target` and the journal, task and kill
 * point.
 */
export const tillsOf = <Task>(
  program: string,
  target: (sandbox: Sandbox.Sandbox.Service) => object,
) => {
  const runTill = (
    sandbox: Sandbox.Sandbox.Service,
    journal: string,
    task: Task,
    killAt?: string,
  ) =>
    runTillProgram(program, {
      ...target(sandbox),
      journal,
      task,
      ...(killAt === undefined ? {} : { killAt }),
    })
  const forkTill = (
    sandbox: Sandbox.Sandbox.Service,
    journal: string,
    task: Task,
    killAt?: string,
  ) => Effect.fork(runTill(sandbox, journal, task, killAt))
  return { runTill, forkTill }
}

/**
 * In the till: undici under a client that kills the process with SIGKILL at `killAt`
 * (`request|response METHOD /path`, the path under `base`, `*` for one segment), as a crash
 * would stop it: before the request leaves, or after the answer came and before it is read.
 */
export const crashingHttp = (base: string, killAt: string | undefined) => {
  const crash = Effect.sync(() => {
    process.stdout.write(`KILLED at ${killAt}\n`)
    process.kill(process.pid, "SIGKILL")
  })
  const [when, method, path] = (killAt ?? "").split(" ")
  const pattern = new RegExp(`^${base}${(path ?? "").replaceAll("*", "[^/]+")}$`)
  const matches = (request: HttpClientRequest.HttpClientRequest) =>
    killAt !== undefined && request.method === method && pattern.test(new URL(request.url).pathname)
  return Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.transform(client, (response, request) => {
        if (!matches(request)) return response
        return when === "request"
          ? Effect.zipRight(crash, response)
          : Effect.tap(response, () => crash)
      }),
    ),
  ).pipe(Layer.provide(NodeHttpClient.layerUndici))
}

/** In the till: the SQL journal on the SQLite file `filename`. */
export const journalOn = (filename: string) =>
  SqlPaymentJournal.layer().pipe(Layer.provide(SqliteClient.layer({ filename })))

/**
 * In the till: runs `program` and prints `RESULT <json>` (its value, or its error's tag), or
 * `DEFECT <defect>`, and exits.
 */
export const runAndReport = <A, E extends { readonly _tag: string }, R>(
  program: Effect.Effect<A, E, R>,
  layer: Layer.Layer<R, unknown>,
) =>
  Effect.runPromise(
    program.pipe(
      Effect.either,
      Effect.map((result) =>
        result._tag === "Right"
          ? { ok: true, value: result.right }
          : { ok: false, error: result.left._tag },
      ),
      Effect.provide(layer),
    ),
  ).then(
    (result) => {
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
      process.exit(0)
    },
    (defect: unknown) => {
      process.stdout.write(`DEFECT ${String(defect)}\n`)
      process.exit(2)
    },
  )
