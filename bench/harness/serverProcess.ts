/**
 * Starts a canned server (`pos/server.ts`, `epayment/server.ts`) in a process of its own, pinned
 * to the last core where `taskset` exists (the benchmark pins itself to the first), and stops it.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import * as Os from "node:os"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

// The bench folder, which the scripts are named from. This file also runs bundled into
// node_modules/.cache/pos-bench (pos/calls.ts).
const bench = fileURLToPath(
  new URL(
    existsSync(new URL("serverProcess.ts", import.meta.url)) ? ".." : "../../..",
    import.meta.url,
  ),
)

const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

/** Whether the client and the server each run on a core of their own. */
export const pinned = hasTaskset && Os.cpus().length >= 2

/** The core the client (this process and its helpers) runs on when {@link pinned}. */
export const clientCore = "0"
const serverCore = String(Os.cpus().length - 1)

/** A command line run on the client's core when pinning is possible. */
export const onClientCore = (
  command: string,
  args: ReadonlyArray<string>,
): readonly [string, ReadonlyArray<string>] =>
  pinned ? ["taskset", ["-c", clientCore, command, ...args]] : [command, args]

/** Pins this process to the client's core (a no-op where that is not possible). */
export const pinThisProcess = (): void => {
  if (pinned) execFileSync("taskset", ["-pc", clientCore, String(process.pid)], { stdio: "ignore" })
}

export interface ServerProcess {
  readonly origin: string
  readonly close: () => Promise<void>
}

/** Starts `script` (named from the bench folder; it prints its port, then serves until stdin closes). */
export const startServerProcess = async (script: string): Promise<ServerProcess> => {
  const args = ["--import", "tsx", script]
  const child: ChildProcess = pinned
    ? spawn("taskset", ["-c", serverCore, process.execPath, ...args], {
        cwd: bench,
        stdio: ["pipe", "pipe", "inherit"],
      })
    : spawn(process.execPath, args, { cwd: bench, stdio: ["pipe", "pipe", "inherit"] })
  const stdout = child.stdout
  if (stdout === null) throw new Error(`${script} has no stdout`)
  const lines = createInterface({ input: stdout })
  const port = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve)
    child.once("exit", (code) => reject(new Error(`${script} exited (${code})`)))
  })
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.stdin?.end()
      }),
  }
}
