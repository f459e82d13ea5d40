/**
 * Every example, run as a user runs it (a child process): against the embedded sandbox (no
 * MobilePay credentials), and against `pnpm sandbox` running in another terminal (the
 * `MOBILEPAY_*` variables it prints). Each must end with exit code 0 and a summary; a failure
 * must be one readable line naming its typed cause, with no stack trace.
 *
 * The tests run side by side (every describe block is concurrent), their child processes a few
 * at a time (`examplesAtOnce`).
 */
import { SeedData } from "@effect-mobilepay/sandbox"
import * as Program from "@effect-mobilepay/test-support/Program"
import { Effect } from "effect"
import { execFile, spawn, type ChildProcess } from "node:child_process"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Redacted } from "effect"

const examplesDir = fileURLToPath(new URL("..", import.meta.url))
const sandboxBin = join(
  dirname(createRequire(import.meta.url).resolve("@effect-mobilepay/sandbox/package.json")),
  "bin/mobilepay-sandbox.js",
)

/**
 * Runs a task when fewer than `size` others run, else when one of them ends; a task of a series
 * (one example after another) is let in before the others, so that the series, the longest
 * part, keeps going.
 */
const pool = (size: number) => {
  let free = size
  const waiting = { series: new Array<() => void>(), others: new Array<() => void>() }
  return async <A>(task: () => Promise<A>, inSeries: boolean): Promise<A> => {
    if (free > 0) free -= 1
    else await new Promise<void>((go) => waiting[inSeries ? "series" : "others"].push(go))
    try {
      return await task()
    } finally {
      const next = waiting.series.shift() ?? waiting.others.shift()
      if (next === undefined) free += 1
      else next()
    }
  }
}

// Each example is a Node process: a fifth of a second of a core to load its bundle, then
// mostly waiting on the sandbox. Four at once keep a 2-core machine busy, where many more
// starve it into the examples' own transport timeouts.
const examplesAtOnce = pool(4)

// A test's time includes its wait for a turn, up to the whole file's on a busy machine: each
// test has the file's budget, and each example its own minute (`runNow`).
const timeout = 240_000

const run = (name: string, variables: Record<string, string> = {}) =>
  examplesAtOnce(() => runNow(name, variables), false)

/** The next example of a series. */
const runNext = (name: string, variables: Record<string, string>, via?: "tsx") =>
  examplesAtOnce(() => runNow(name, variables, via), true)

/**
 * Runs an example as `tsx` would, from its bundle (see test-support's `Program`: the same
 * sources, loaded in a tenth of the time), or with `tsx` itself, as the README's quickstart is.
 */
const runNow = async (name: string, variables: Record<string, string>, via?: "tsx") => {
  const file = join(examplesDir, `${name}.ts`)
  const args =
    via === "tsx" ? ["--import", "tsx", file] : await Effect.runPromise(Program.nodeArgs(file))
  return new Promise<{ readonly code: number; readonly output: string }>((resolve) => {
    const env: Record<string, string | undefined> = { ...process.env, ...variables }
    if (variables["MOBILEPAY_CLIENT_ID"] === undefined) delete env["MOBILEPAY_CLIENT_ID"]
    if (variables["VIPPS_MOBILEPAY_CLIENT_ID"] === undefined)
      delete env["VIPPS_MOBILEPAY_CLIENT_ID"]
    const child = execFile(
      process.execPath,
      args,
      { cwd: examplesDir, env, timeout: 60_000 },
      (_, stdout, stderr) => resolve({ code: child.exitCode ?? -1, output: stdout + stderr }),
    )
  })
}

const summary = /done: .+, in \d+\.\d\d s with \d+ HTTP requests/
// An amount is always printed with two decimals and its currency: `125.50 DKK`.
const looseAmount = /(?<![\d.])\d+(\.\d)?\s+DKK|\d+\.\d\d(?! DKK)\s+(captured|back)/

const expectations: ReadonlyArray<readonly [string, ReadonlyArray<RegExp>]> = [
  ["pay-and-capture", [/: Reserved/, /capturing 125\.50 DKK/, /captured: 125\.50 DKK, in/]],
  [
    "prepared-payment",
    [/prepared, order/, /: Paired/, /ready: 89\.95 DKK/, /captured: 89\.95 DKK, in/],
  ],
  ["refund", [/captured: 200\.00 DKK;/, /refund .* gave 49\.50 DKK back, in/]],
  ["onboarding", [/has \d+ store/, /till [0-9a-f-]{36}, beacon/, /finds [0-9a-f-]{36}/]],
  ["token", [/token <redacted> \(Bearer/, /1000 more gets: \d+ cache hits, 1 request/]],
  ["request-token", [/got a Bearer token \(<redacted>\)/]],
]

// The ePayment examples, one per in-store flow: the customer is the sandbox's simulated one.
const ePaymentExpectations: ReadonlyArray<readonly [string, ReadonlyArray<RegExp>]> = [
  [
    "epayment-push",
    [
      /payment push-\d+ of 125\.50 DKK pushed to 4512345601/,
      /customer 4512345601 approved in the app: AUTHORIZED/,
      /payment push-\d+ captured: 125\.50 DKK, in/,
    ],
  ],
  [
    "epayment-personal-qr",
    [
      /of 89\.95 DKK sent to the scanned personal QR/,
      /approved in the app: AUTHORIZED/,
      /payment personal-qr-\d+ captured: 89\.95 DKK, in/,
    ],
  ],
  [
    "epayment-dynamic-qr",
    [
      /of 45\.00 DKK: the screen shows a QR of http:\/\/127\.0\.0\.1:\d+\/sandbox\/v1\/pay\?token=/,
      /customer 4512345601 scanned the QR code/,
      /payment screen-\d+ captured: 45\.00 DKK, in/,
    ],
  ],
  [
    "epayment-callback-qr",
    [
      /webhook [0-9a-f-]{36} registered for http:\/\/127\.0\.0\.1:\d+\/hooks\/vipps/,
      /sticker example-till-1 at the till: http/,
      /a customer checked in at example-till-1 \(webhook CheckedIn\)/,
      /webhook: payment sticker-\d+ AUTHORIZED/,
      /payment sticker-\d+ captured: 39\.00 DKK, in/,
    ],
  ],
]

const expectSuccess = (
  { code, output }: { readonly code: number; readonly output: string },
  patterns: ReadonlyArray<RegExp>,
) => {
  expect(output).not.toMatch(/ERROR|Error:/)
  for (const pattern of patterns) expect(output).toMatch(pattern)
  expect(output).toMatch(summary)
  expect(output).not.toMatch(looseAmount)
  expect(code).toBe(0)
}

// Each example on its own embedded sandbox: independent of the others.
describe.concurrent("examples against the embedded sandbox", () => {
  for (const [name, patterns] of expectations) {
    it(`${name} runs to the end`, { timeout }, async () => {
      expectSuccess(await run(name), patterns)
    })
  }
})

describe.concurrent("ePayment examples against the embedded sandbox", () => {
  for (const [name, patterns] of ePaymentExpectations) {
    it(`${name} runs to the end`, { timeout }, async () => {
      expectSuccess(await run(name), patterns)
    })
  }
})

// One till program, the platform chosen by TILL_BACKEND: the same sale, cancel and refund on
// both, each platform's customer played through its sandbox.
describe.concurrent("the till on either platform, against the embedded sandbox", () => {
  const till = (backend: string, cancelled: string) =>
    [
      new RegExp(`till on ${backend}, talking to the embedded sandbox`),
      /sale till-\d+ of 125\.50 DKK: /,
      /sale till-\d+ paid: 125\.50 DKK/,
      new RegExp(`sale till-\\d+-2 cancelled by the till: ${cancelled}`),
      /refund till-\d+-r1 gave 49\.50 DKK back/,
      new RegExp(`done: on ${backend}: 125\\.50 DKK paid, a sale cancelled, 49\\.50 DKK refunded`),
    ] as const

  it(
    "TILL_BACKEND=v10: the customer checks in on the till's beacon",
    { timeout: 240_000 },
    async () => {
      const result = await run("till", { TILL_BACKEND: "v10" })
      expectSuccess(result, till("v10", "CancelledByClient"))
      expect(result.output).toMatch(/: check in on the till's beacon QR [0-9a-f-]{36}/)
    },
  )

  it(
    "TILL_BACKEND=epayment: the customer scans the screen's QR",
    { timeout: 240_000 },
    async () => {
      const result = await run("till", { TILL_BACKEND: "epayment" })
      expectSuccess(result, till("epayment", "TERMINATED"))
      expect(result.output).toMatch(
        /: scan the QR of http:\/\/127\.0\.0\.1:\d+\/sandbox\/v1\/pay\?token=/,
      )
      expect(result.output).toMatch(/customer 4512345601 approved in the app: AUTHORIZED/)
    },
  )
})

// One sandbox for all: the V10 examples one after the other (they share points of sale and
// the test user, as one user's runs would), the ePayment ones one after the other (the
// simulated customer), the two series side by side.
describe.concurrent("examples against `pnpm sandbox` in another terminal", () => {
  let sandbox: ChildProcess | undefined
  // The quickstart pays as the same test user as the V10 examples: after them.
  let v10ExamplesDone = () => {}
  const afterV10Examples = new Promise<void>((resolve) => (v10ExamplesDone = resolve))
  let variables: Record<string, string> = {}
  let platformVariables: Record<string, string> = {}

  beforeAll(async () => {
    const child = spawn(process.execPath, [sandboxBin, "--port", "0"], {
      stdio: ["ignore", "pipe", "inherit"],
    })
    sandbox = child
    const banner = await new Promise<string>((resolve) => {
      let out = ""
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8")
        if (out.includes("Ctrl-C")) resolve(out)
      })
    })
    // Exactly the lines the sandbox prints for pointing a program at it.
    const printed = Object.fromEntries(
      [...banner.matchAll(/^\s+(MOBILEPAY_\w+_URL)=(\S+)$/gm)].map(([, key, value]) => [
        key,
        value,
      ]),
    )
    expect(Object.keys(printed)).toEqual([
      "MOBILEPAY_AUTH_URL",
      "MOBILEPAY_POS_URL",
      "MOBILEPAY_USER_SIMULATION_URL",
    ])
    platformVariables = {
      VIPPS_MOBILEPAY_BASE_URL: /^\s+VIPPS_MOBILEPAY_BASE_URL=(\S+)$/m.exec(banner)?.[1] ?? "",
      VIPPS_MOBILEPAY_CLIENT_ID: SeedData.demoShopDk.clientId,
      VIPPS_MOBILEPAY_CLIENT_SECRET: Redacted.value(SeedData.demoShopDk.clientSecret),
      VIPPS_MOBILEPAY_SUBSCRIPTION_KEY: Redacted.value(SeedData.demoShopDk.subscriptionKey),
      VIPPS_MOBILEPAY_MSN: SeedData.demoShopDk.msn,
    }
    variables = {
      ...printed,
      MOBILEPAY_CLIENT_ID: SeedData.integratorA.clientId,
      MOBILEPAY_CLIENT_SECRET: Redacted.value(SeedData.integratorA.clientSecret),
      MOBILEPAY_CLIENT_SYSTEM_VERSION: "1.0.0",
      MOBILEPAY_MERCHANT_VAT: SeedData.selfCertificationMerchant.vat,
    }
  }, 30_000)

  afterAll(() => {
    sandbox?.kill("SIGINT")
  })

  // One after the other: the examples share their points of sale, as one user's runs would.
  it("every example runs to the end", { timeout }, async () => {
    try {
      for (const [name, patterns] of expectations) {
        const result = await runNext(name, variables)
        expect(result.output).toContain("talking to MobilePay (custom: http://127.0.0.1:")
        expectSuccess(result, patterns)
      }
    } finally {
      v10ExamplesDone()
    }
  })

  it(
    "every ePayment example runs to the end, configured by VIPPS_MOBILEPAY_*",
    { timeout },
    async () => {
      expect(platformVariables["VIPPS_MOBILEPAY_BASE_URL"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      for (const [name, patterns] of ePaymentExpectations) {
        const result = await runNext(name, platformVariables)
        expect(result.output).toContain("talking to Vipps MobilePay (custom: http://127.0.0.1:")
        expectSuccess(result, patterns)
      }
    },
  )

  it("the README's quickstart pays to Captured", { timeout }, async () => {
    await afterV10Examples
    const { code, output } = await runNext("quickstart", variables, "tsx")
    expect(output).toMatch(/payment [0-9a-f-]{36} captured: 125\.50 DKK/)
    expect(code).toBe(0)
  })

  it("a wrong secret prints the typed cause in one line, and exits 1", { timeout }, async () => {
    const { code, output } = await run("request-token", {
      ...variables,
      MOBILEPAY_CLIENT_SECRET: "not-the-secret",
    })
    const errors = output.split("\n").filter((line) => line.includes("ERROR"))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      new RegExp(`InvalidClientCredentials: .*${SeedData.integratorA.clientId}.*\\(HTTP 401\\)`),
    )
    expect(output).not.toContain("not-the-secret")
    expect(output).not.toMatch(/^\s+at /m)
    expect(code).toBe(1)
  })
})

it.concurrent(
  "a missing MOBILEPAY_CLIENT_SYSTEM_VERSION is one readable line, no stack",
  { timeout },
  async () => {
    const { code, output } = await run("pay-and-capture", {
      MOBILEPAY_CLIENT_ID: SeedData.integratorA.clientId,
      MOBILEPAY_CLIENT_SECRET: "a-secret",
      MOBILEPAY_MERCHANT_VAT: "DK90000028",
    })
    expect(output.trim().split("\n")).toEqual([
      expect.stringMatching(/ERROR .*MOBILEPAY_CLIENT_SYSTEM_VERSION/),
    ])
    expect(output).not.toContain("a-secret")
    expect(code).toBe(1)
  },
)

it("the README shows the quickstart and the integration test as they are here", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8")
  for (const file of ["../quickstart.ts", "./your-integration.test.ts"]) {
    const text = readFileSync(new URL(file, import.meta.url), "utf8")
    expect(readme).toContain(text.slice(text.indexOf("import ")))
  }
})
