import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"
import { SeedData } from "../src/index.js"
import { field, requestToken } from "./support/Http.js"

const bin = fileURLToPath(new URL("../bin/mobilepay-sandbox.js", import.meta.url))

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
        const baseUrl = /listening on (http:\/\/\S+)/.exec(banner)?.[1] ?? ""
        const authUrl = `${baseUrl}/integrator-authentication`
        const reply = yield* requestToken({ authUrl }, SeedData.integratorA)
        expect(field(reply, "token_type")).toBe("Bearer")
        child.kill("SIGINT")
        const [code] = yield* Effect.promise(() => once(child, "exit"))
        expect(code).toBe(0)
      }).pipe(Effect.scoped),
    20_000,
  )
})
