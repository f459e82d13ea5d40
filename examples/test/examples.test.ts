/**
 * Every example, run as a user runs it (a child process, no MobilePay credentials): it starts
 * the embedded sandbox, plays the customer, and must end with exit code 0 and say so.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const examplesDir = fileURLToPath(new URL("..", import.meta.url))

const run = (name: string) =>
  new Promise<{ readonly code: number; readonly output: string }>((resolve) => {
    const env = { ...process.env }
    delete env["MOBILEPAY_CLIENT_ID"]
    execFile(
      process.execPath,
      ["--import", "tsx", `${name}.ts`],
      { cwd: examplesDir, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : ((error.code as number | undefined) ?? 1),
          output: stdout + stderr,
        })
      },
    )
  })

const expectations: ReadonlyArray<readonly [string, ReadonlyArray<RegExp>]> = [
  ["pay-and-capture", [/: IssuedToUser/, /: Reserved/, /captured: 125\.50 DKK/]],
  [
    "prepared-payment",
    [/prepared, order/, /: Paired/, /ready: 89\.95 DKK/, /captured: 89\.95 DKK/],
  ],
  ["refund", [/captured: 200 DKK/, /refund .* done: 49\.5 DKK back/]],
  ["onboarding", [/has \d+ store/, /till [0-9a-f-]{36}, beacon/, /finds [0-9a-f-]{36}/]],
  ["token", [/token <redacted> \(Bearer/, /1000 more gets: \d+ cache hits, 1 request/]],
  ["request-token", [/got a Bearer token \(<redacted>\)/]],
]

describe("examples against the embedded sandbox", () => {
  for (const [name, patterns] of expectations) {
    it.concurrent(`${name} runs to the end`, { timeout: 90_000 }, async () => {
      const { code, output } = await run(name)
      expect(output).not.toMatch(/level=ERROR|Error:/)
      for (const pattern of patterns) expect(output).toMatch(pattern)
      expect(code).toBe(0)
    })
  }
})
