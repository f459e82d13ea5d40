/**
 * A journal instance's identity, and the operating system's word on whether one is gone.
 *
 * An instance id is `<process id>:<uuid>`; a lease owner is `<instance id>/<uuid>`. On SQLite
 * (a file on one machine) an instance is gone when it ran in another process and the system
 * knows no process with its id. Every doubt counts as alive (an id of an older release, a
 * process id in use, even by another program after reuse, a runtime without processes): the
 * lease is then left to run out. Node-free: the runtime's `process`, where there is one.
 */

const processes = ():
  { readonly pid: number; readonly kill: (pid: number, signal: 0) => true } | undefined =>
  typeof globalThis.process === "object" && typeof globalThis.process.kill === "function"
    ? globalThis.process
    : undefined

/** A new instance id of this process (or, for tests, of process `pid`). */
export const makeId = (pid: number = processes()?.pid ?? 0): string =>
  `${pid}:${crypto.randomUUID()}`

/** Whether the journal instance that leased to `owner` is provably gone. */
export const gone = (owner: string): boolean => {
  const system = processes()
  const match = /^(\d+):[^:/]+\//.exec(owner)
  if (system === undefined || match === null) return false
  const pid = Number(match[1])
  if (pid === 0 || pid === system.pid) return false
  try {
    system.kill(pid, 0)
    return false
  } catch (error) {
    // EPERM: it exists, under another user.
    return error instanceof Error && "code" in error && error.code === "ESRCH"
  }
}
