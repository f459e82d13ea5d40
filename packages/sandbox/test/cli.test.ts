import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { execFile, spawn } from "node:child_process"
import { once } from "node:events"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { SeedData } from "../src/index.js"
import { field, requestToken } from "./support/Http.js"

const bin = fileURLToPath(new URL("../bin/mobilepay-sandbox.js", import.meta.url))

/** Runs the CLI to its end. */
const run = (args: ReadonlyArray<string>) =>
  Effect.async<{ readonly code: number; readonly stdout: string; readonly stderr: string }>(
    (resume) => {
      const child = execFile(
        process.execPath,
        [bin, ...args],
        { timeout: 45_000 },
        (_, stdout, stderr) =>
          resume(Effect.succeed({ code: child.exitCode ?? -1, stdout, stderr })),
      )
    },
  )

/** A port something else listens on, for as long as the scope is open. */
const portInUse = Effect.acquireRelease(
  Effect.async<{ readonly port: number; readonly close: () => void }>((resume) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address()
      resume(
        Effect.succeed({
          port: typeof address === "object" && address !== null ? address.port : 0,
          close: () => server.close(),
        }),
      )
    })
  }),
  ({ close }) => Effect.sync(close),
)

describe("mobilepay-sandbox CLI", () => {
  it.live(
    "prints its URLs and the demo credentials, serves, and stops on SIGINT",
    () =>
      Effect.gen(function* () {
        const child = spawn(process.execPath, [bin, "--port", "0", "--seed", "cli"], {
          stdio: ["ignore", "pipe", "pipe"],
        })
        yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
        const banner = yield* Effect.promise(
          () =>
            new Promise<string>((resolve) => {
              let out = ""
              child.stdout.on("data", (chunk: Buffer) => {
                out += chunk.toString("utf8")
                if (out.includes("Ctrl-C")) resolve(out)
              })
            }),
        )
        expect(banner).toContain(SeedData.integratorA.clientId)
        expect(banner).toContain("sandbox-secret-integrator-a")
        expect(banner).toContain("MPPOSCERT1/00001")
        for (const unit of SeedData.salesUnits) {
          expect(banner).toContain(unit.clientId)
          expect(banner).toContain(Redacted.value(unit.clientSecret))
          expect(banner).toContain(Redacted.value(unit.subscriptionKey))
          expect(banner).toContain(unit.msn)
        }
        // The user simulation (V10) and the simulated customer (ePayment), one line a call.
        for (const call of [
          "/pos/app/usersimulation/checkin {beaconId, phoneNumber}",
          "/pos/app/usersimulation/acceptpayment {beaconId, phoneNumber}",
          "/pos/app/usersimulation/cancelpaymentbyuser {beaconId}",
          "/sandbox/v1/customer/users",
          "/sandbox/v1/customer/requests?phoneNumber=",
          "/sandbox/v1/customer/approve {phoneNumber, msn, reference}",
          "/sandbox/v1/customer/reject {phoneNumber, msn, reference}",
          "/sandbox/v1/customer/scan {phoneNumber, qr}",
        ]) {
          expect(banner).toContain(call)
        }
        expect(banner).toMatch(/seed cli /)
        const baseUrl = /listening on (http:\/\/\S+)/.exec(banner)?.[1] ?? ""
        const authUrl = `${baseUrl}/integrator-authentication`
        const reply = yield* requestToken({ authUrl }, SeedData.integratorA)
        expect(field(reply, "token_type")).toBe("Bearer")
        // The page, at the root, unless --no-page.
        expect(banner).toContain(`page               ${baseUrl}/`)
        const page = yield* Effect.promise(() => fetch(`${baseUrl}/`))
        expect(page.headers.get("content-type")).toMatch(/^text\/html/)
        yield* Effect.promise(() => page.text())
        child.kill("SIGINT")
        const [code] = yield* Effect.promise(() => once(child, "exit"))
        expect(code).toBe(0)
      }).pipe(Effect.scoped),
    60_000,
  )

  it.live(
    "--help prints the usage and every option, and exits 0",
    () =>
      Effect.gen(function* () {
        const { code, stdout } = yield* run(["--help"])
        expect(stdout).toContain("mobilepay-sandbox [--port PORT]")
        for (const option of [
          "--host",
          "--seed",
          "--token-lifetime",
          "--poll-delay",
          "--max-body",
          "--fault",
          "--no-page",
        ]) {
          expect(stdout).toContain(option)
        }
        expect(code).toBe(0)
      }),
    60_000,
  )

  it.live(
    "a wrong flag prints what is wrong and the usage, no stack, and exits 2",
    () =>
      Effect.gen(function* () {
        const { code, stdout, stderr } = yield* run(["--prot", "4010"])
        expect(stderr).toContain("unknown argument: '--prot'")
        expect(stderr).toContain("Usage: mobilepay-sandbox [--port PORT]")
        expect(stderr).not.toMatch(/^\s+at /m)
        expect(stdout).toBe("")
        expect(code).toBe(2)
      }),
    60_000,
  )

  it.live(
    "a malformed value is refused the same way",
    () =>
      Effect.gen(function* () {
        const [fault, port, tooHigh] = yield* Effect.all(
          [
            run(["--fault", "POST /pos/v10/payments=explode"]),
            run(["--port", "-1"]),
            run(["--port", "70000"]),
          ],
          { concurrency: "unbounded" },
        )
        expect(fault.stderr).toContain("cannot read --fault POST /pos/v10/payments=explode")
        expect(port.stderr).toContain("--port must be 0 or more")
        expect(tooHigh.stderr.trim().split("\n")).toEqual([
          "mobilepay-sandbox: Sandbox option port must be a whole number from 0 to 65535",
        ])
        expect([fault.code, port.code, tooHigh.code]).toEqual([2, 2, 2])
      }),
    60_000,
  )

  it.live(
    "a port in use is one line naming it, and exit code 1",
    () =>
      Effect.gen(function* () {
        const { port } = yield* portInUse
        const { code, stdout, stderr } = yield* run(["--port", String(port)])
        expect(stderr.trim().split("\n")).toEqual([
          `mobilepay-sandbox: port ${port} on 127.0.0.1 is in use (EADDRINUSE): stop what uses it, or pick another with --port`,
        ])
        expect(stdout).toBe("")
        expect(code).toBe(1)
      }).pipe(Effect.scoped),
    60_000,
  )
})
