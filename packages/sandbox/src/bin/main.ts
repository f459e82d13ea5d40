/**
 * `mobilepay-sandbox`: runs a sandbox until Ctrl-C, printing where it listens and the demo
 * credentials. Options: --port (default 4010), --host, --seed, --token-lifetime SECONDS,
 * --poll-delay MS, --max-body BYTES, and --fault RULE (repeatable, see `Fault.parseFaultRule`).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Duration, Effect, Redacted } from "effect"
import { parseArgs } from "node:util"
import { parseFaultRule, type FaultRule } from "../Fault.js"
import { make, type SandboxOptions } from "../Sandbox.js"

const usage = `Usage: mobilepay-sandbox [--port 4010] [--host 127.0.0.1] [--seed TEXT]
                         [--token-lifetime SECONDS] [--poll-delay MS] [--max-body BYTES]
                         [--fault "METHOD /path=KIND[:ARG][@PROBABILITY][xTIMES]"]...
  KIND: latency:MS | 500[:CODE] | 503 | reset | 401 | malformed
  e.g.  --fault "POST /pos/v10/payments=reset@0.3"  --fault "/pos/v10/**=latency:200"`

const fail = (message: string): never => {
  process.stderr.write(`${message}\n\n${usage}\n`)
  process.exit(2)
}

const options = (argv: ReadonlyArray<string>): SandboxOptions => {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      port: { type: "string", default: "4010" },
      host: { type: "string" },
      seed: { type: "string" },
      "token-lifetime": { type: "string" },
      "poll-delay": { type: "string" },
      "max-body": { type: "string" },
      fault: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  })
  if (values.help === true) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  const number = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined
    const n = Number(text)
    return Number.isInteger(n) && n >= 0 ? n : fail(`--${name} must be a non-negative integer`)
  }
  const faults: Array<FaultRule> = (values.fault ?? []).map(
    (text) => parseFaultRule(text) ?? fail(`cannot read --fault ${text}`),
  )
  const tokenLifetime = number("token-lifetime", values["token-lifetime"])
  const pollDelay = number("poll-delay", values["poll-delay"])
  const maxBodyBytes = number("max-body", values["max-body"])
  return {
    port: number("port", values.port) ?? 4010,
    faults,
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.seed === undefined ? {} : { seed: values.seed }),
    ...(tokenLifetime === undefined ? {} : { tokenLifetime: Duration.seconds(tokenLifetime) }),
    ...(pollDelay === undefined ? {} : { pollDelay: Duration.millis(pollDelay) }),
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  }
}

const program = Effect.gen(function* () {
  const sandbox = yield* make(options(process.argv.slice(2)))
  const lines = [
    `MobilePay sandbox listening on ${sandbox.baseUrl}`,
    ``,
    `  auth               ${sandbox.authUrl}   (token: POST ${sandbox.authUrl}/connect/token)`,
    `  PoS V10            ${sandbox.posUrl}`,
    `  user simulation    ${sandbox.userSimulationUrl}`,
    ``,
    `Integrator clients (client id / secret):`,
    ...sandbox.clients.map(
      (c) => `  ${c.name.padEnd(36)} ${c.clientId}  ${Redacted.value(c.clientSecret)}`,
    ),
    ``,
    `Merchants and stores:`,
    ...sandbox.merchants.flatMap((m) => [
      `  ${m.vat}  ${m.name}`,
      ...m.stores.map(
        (s) =>
          `    store ${s.storeId}  ${s.merchantBrandId}/${s.merchantLocationId}  ${s.storeName}${s.activated ? "" : "  (not activated)"}`,
      ),
    ]),
    ``,
    `Test users: ${sandbox.testUsers.map((u) => u.phoneNumber).join(" ")}`,
    `  (…01/…03 credit, …02 debit, …04 credit with loyalty, …05 partial capture)`,
    ``,
    `Press Ctrl-C to stop.`,
  ]
  yield* Console.log(lines.join("\n"))
  return yield* Effect.never
}).pipe(Effect.scoped)

NodeRuntime.runMain(program)
