#!/usr/bin/env node
/**
 * `mobilepay-sandbox`: runs a sandbox until Ctrl-C, printing where it listens and the demo
 * credentials. `--help` lists the options; a wrong option prints what is wrong and the usage
 * (exit 2); a value the sandbox cannot use (e.g. `--port 70000`) is one line (exit 2); a port in
 * use is one line (exit 1).
 */
import { Command, HelpDoc, Options, Usage, ValidationError } from "@effect/cli"
import type { ServeError } from "@effect/platform/HttpServerError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Data, Duration, Effect, Option, Redacted, Schema } from "effect"
import { readFileSync } from "node:fs"
import { parseFaultRule } from "../Fault.js"
import { make, type Sandbox } from "../Sandbox.js"

const nonNegative = (name: string, unit: string) =>
  Options.integer(name).pipe(
    Options.withPseudoName(unit),
    Options.mapEffect((n) =>
      n >= 0
        ? Effect.succeed(n)
        : Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--${name} must be 0 or more`))),
    ),
  )

const options = {
  port: nonNegative("port", "PORT").pipe(
    Options.withDefault(4010),
    Options.withDescription("The port to listen on; 0 picks a free one."),
  ),
  host: Options.text("host").pipe(
    Options.withPseudoName("HOST"),
    Options.withDefault("127.0.0.1"),
    Options.withDescription("The interface to listen on."),
  ),
  seed: Options.text("seed").pipe(
    Options.withPseudoName("TEXT"),
    Options.optional,
    Options.withDescription(
      "Drives ids and fault draws: same seed, same run. Without it each run draws its own, " +
        "printed at start-up, so a restart never reuses ids.",
    ),
  ),
  tokenLifetime: nonNegative("token-lifetime", "SECONDS").pipe(
    Options.optional,
    Options.withDescription("Lifetime of access tokens in seconds (default 3700)."),
  ),
  accessTokenLifetime: nonNegative("access-token-lifetime", "SECONDS").pipe(
    Options.optional,
    Options.withDescription(
      "Lifetime of the Vipps MobilePay platform's access tokens in seconds (default 3600).",
    ),
  ),
  pollDelay: nonNegative("poll-delay", "MS").pipe(
    Options.optional,
    Options.withDescription("The pollDelayInMs the PoS API answers with (default 1000)."),
  ),
  maxBody: nonNegative("max-body", "BYTES").pipe(
    Options.optional,
    Options.withDescription("Larger request bodies get 413 (default 65536 bytes)."),
  ),
  noPage: Options.boolean("no-page").pipe(
    Options.withDescription(
      "Do not serve the page at the root (where a person plays the customer and watches the money).",
    ),
  ),
  faults: Options.text("fault").pipe(
    Options.withPseudoName("RULE"),
    Options.repeated,
    Options.mapEffect((texts) =>
      Effect.forEach(texts, (text) =>
        Option.match(Option.fromNullable(parseFaultRule(text)), {
          onNone: () =>
            Effect.fail(ValidationError.invalidValue(HelpDoc.p(`cannot read --fault ${text}`))),
          onSome: Effect.succeed,
        }),
      ),
    ),
    Options.withDescription(
      'A fault rule, repeatable: "METHOD /path=KIND[:ARG][@PROBABILITY][xTIMES]" with KIND ' +
        "latency:MS | 500[:CODE] | 503 | reset | 401 | malformed | 423, " +
        'e.g. "POST /pos/v10/payments=reset@0.3" or "/pos/v10/**=latency:200".',
    ),
  ),
}

const banner = (sandbox: Sandbox.Service): string =>
  [
    `MobilePay sandbox listening on ${sandbox.baseUrl}`,
    `  seed ${sandbox.seed}   (--seed ${sandbox.seed} repeats this run's ids and fault draws)`,
    ``,
    ...(sandbox.pageUrl === undefined
      ? []
      : [
          `  page               ${sandbox.pageUrl}   (be the customer, watch the money; --no-page: off)`,
          ``,
        ]),
    `  auth               ${sandbox.authUrl}   (token: POST ${sandbox.authUrl}/connect/token)`,
    `  PoS V10            ${sandbox.posUrl}`,
    `  user simulation    ${sandbox.userSimulationUrl}   (no credentials; JSON bodies)`,
    `    check in         POST ${sandbox.userSimulationUrl}/checkin {beaconId, phoneNumber}`,
    `    accept payment   POST ${sandbox.userSimulationUrl}/acceptpayment {beaconId, phoneNumber}`,
    `    cancel payment   POST ${sandbox.userSimulationUrl}/cancelpaymentbyuser {beaconId}`,
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
    `Vipps MobilePay platform (ePayment, Access Token, Webhooks, QR) at ${sandbox.baseUrl}:`,
    `  access token       POST ${sandbox.accessTokenUrl}  (headers client_id, client_secret,`,
    `                     Ocp-Apim-Subscription-Key, Merchant-Serial-Number; empty body)`,
    `  ePayment           ${sandbox.baseUrl}/epayment/v1`,
    `  webhooks           ${sandbox.baseUrl}/webhooks/v1   (http:// loopback URLs accepted)`,
    `  QR                 ${sandbox.baseUrl}/qr/v1`,
    `  order management   ${sandbox.baseUrl}/order-management/v2   (receipts)`,
    `  simulated customer ${sandbox.customerUrl}   (no credentials; JSON bodies)`,
    `    test users       GET  ${sandbox.customerUrl}/users`,
    `    waiting requests GET  ${sandbox.customerUrl}/requests?phoneNumber=…`,
    `    approve          POST ${sandbox.customerUrl}/approve {phoneNumber, msn, reference}`,
    `    reject           POST ${sandbox.customerUrl}/reject {phoneNumber, msn, reference}`,
    `    scan a QR        POST ${sandbox.customerUrl}/scan {phoneNumber, qr}`,
    ``,
    `Sales units (MSN, market, client id / secret / subscription key):`,
    ...sandbox.salesUnits.map(
      (u) =>
        `  ${u.msn.padEnd(8)} ${u.market} ${u.currency}  ${u.name}\n` +
        `           ${u.clientId}  ${Redacted.value(u.clientSecret)}  ${Redacted.value(u.subscriptionKey)}`,
    ),
    ``,
    `Platform test users (phone number, personal QR):`,
    ...sandbox.platformUsers.map(
      (u) => `  ${u.phoneNumber.padEnd(14)} ${u.market}  ${u.personalQr}`,
    ),
    `  (any other well-formed number cannot pay: 7010)`,
    ``,
    `To point the examples (or your program) at it:`,
    `  MOBILEPAY_AUTH_URL=${sandbox.authUrl}`,
    `  MOBILEPAY_POS_URL=${sandbox.posUrl}`,
    `  MOBILEPAY_USER_SIMULATION_URL=${sandbox.userSimulationUrl}`,
    `  VIPPS_MOBILEPAY_BASE_URL=${sandbox.baseUrl}`,
    ``,
    `Press Ctrl-C to stop.`,
  ].join("\n")

/** A failure the CLI reports in one line, then exits with `exitCode`. */
class CliFailure extends Data.TaggedError("CliFailure")<{
  readonly message: string
  readonly exitCode: number
}> {}

// The operating system's reason a server could not listen (EADDRINUSE, EACCES, ...).
const ErrnoCause = Schema.Struct({ code: Schema.String })

const cannotListen = (error: ServeError, host: string, port: number): string =>
  Option.match(Schema.decodeUnknownOption(ErrnoCause)(error.cause), {
    onNone: () => `cannot listen on ${host}:${port}: ${String(error.cause)}`,
    onSome: ({ code }) =>
      code === "EADDRINUSE"
        ? `port ${port} on ${host} is in use (EADDRINUSE): stop what uses it, or pick another with --port`
        : `cannot listen on ${host}:${port} (${code})`,
  })

const command = Command.make("mobilepay-sandbox", options, (o) =>
  Effect.gen(function* () {
    const sandbox = yield* make({
      port: o.port,
      host: o.host,
      faults: o.faults,
      page: !o.noPage,
      ...Option.match(o.seed, { onNone: () => ({}), onSome: (seed) => ({ seed }) }),
      ...Option.match(o.tokenLifetime, {
        onNone: () => ({}),
        onSome: (s) => ({ tokenLifetime: Duration.seconds(s) }),
      }),
      ...Option.match(o.accessTokenLifetime, {
        onNone: () => ({}),
        onSome: (s) => ({ accessTokenLifetime: Duration.seconds(s) }),
      }),
      ...Option.match(o.pollDelay, {
        onNone: () => ({}),
        onSome: (ms) => ({ pollDelay: Duration.millis(ms) }),
      }),
      ...Option.match(o.maxBody, {
        onNone: () => ({}),
        onSome: (maxBodyBytes) => ({ maxBodyBytes }),
      }),
    }).pipe(
      Effect.mapError((error) =>
        error._tag === "InvalidSandboxOption"
          ? new CliFailure({ message: `mobilepay-sandbox: ${error.message}`, exitCode: 2 })
          : new CliFailure({
              message: `mobilepay-sandbox: ${cannotListen(error, o.host, o.port)}`,
              exitCode: 1,
            }),
      ),
    )
    yield* Console.log(banner(sandbox))
    return yield* Effect.never
  }).pipe(Effect.scoped),
).pipe(
  Command.withDescription(
    "A local MobilePay: the Integrator Authentication token server, PoS V10 and the user " +
      "simulation, and the Vipps MobilePay platform (Access Token, ePayment, Webhooks, QR, a " +
      "simulated customer) on one loopback HTTP server, with demo credentials and fault injection.",
  ),
)

const PackageJson = Schema.parseJson(Schema.Struct({ version: Schema.String }))
const version = Schema.decodeUnknownSync(PackageJson)(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
).version

const cli = Command.run(command, { name: "mobilepay-sandbox", version })

// `pnpm sandbox -- --port 4010` passes the `--` along: it separates nothing here.
const argv = [...process.argv.slice(0, 2), ...process.argv.slice(2).filter((arg) => arg !== "--")]

cli(argv).pipe(
  // @effect/cli has printed what is wrong; add the usage, and exit 2 as command-line tools do.
  Effect.catchIf(ValidationError.isValidationError, () =>
    Effect.fail(
      new CliFailure({
        message:
          `Usage: ${HelpDoc.toAnsiText(Usage.getHelp(Command.getUsage(command))).trimEnd()}\n` +
          `Run mobilepay-sandbox --help for what each option means.`,
        exitCode: 2,
      }),
    ),
  ),
  // One line, no stack; the exit code says it failed.
  Effect.catchTag("CliFailure", (failure) =>
    Console.error(failure.message).pipe(
      Effect.andThen(Effect.sync(() => (process.exitCode = failure.exitCode))),
    ),
  ),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain,
)
