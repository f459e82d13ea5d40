/**
 * The page at the sandbox's root: a person plays the customer's phone and watches the
 * merchant's side. The page is static (HTML, JavaScript and CSS shipped in the package's
 * `page/` folder, no build step); what it shows comes from `GET /sandbox/v1/view` and the
 * same view pushed as server-sent events (`/sandbox/v1/view/events`) on every change. What it
 * does as the customer goes through the API's own routes (the V10 user simulation, the
 * platform's simulated customer); the controls here only set fault rules and move the clock.
 *
 * These routes are the sandbox's own: they are not logged, not faulted and draw no
 * correlation id, so an open page changes nothing a test of the APIs sees.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Clock, Deferred, Effect, PubSub, Queue, Ref, Schema, Stream } from "effect"
import { readFileSync } from "node:fs"
import { parseFaultRule, type FaultRule } from "../Fault.js"
import { addRule, formatFaultRule, setRules, type FaultState } from "./Faults.js"
import { invalidField, NotFound, respondJson } from "./Http.js"
import type { PlatformHandler } from "./PlatformApi.js"
import { platformJsonBody } from "./PlatformInput.js"
import { qrSvg } from "./QrImage.js"
import type { RequestLog } from "./RequestLog.js"
import type { SandboxClock } from "./SandboxClock.js"
import type { Deliverer } from "./WebhookDelivery.js"
import { viewOf } from "./View.js"
import { platformUserByPhone, snapshot, type World } from "./World.js"

/** The paths the page's routes answer; everything else is an API's. */
export const isPagePath = (path: string): boolean =>
  path === "/" ||
  path === "/index.html" ||
  path === "/favicon.ico" ||
  path.startsWith("/sandbox/page/") ||
  path === "/sandbox/v1/view" ||
  path === "/sandbox/v1/view/events" ||
  path === "/sandbox/v1/faults" ||
  path.startsWith("/sandbox/v1/clock") ||
  path.startsWith("/sandbox/v1/personal-qr/") ||
  path.startsWith("/sandbox/v1/beacon-qr/")

/** The page's files, read once when a sandbox with a page starts. */
export interface PageFiles {
  readonly html: string
  readonly script: string
  readonly style: string
}

// `page/` sits beside `src/` and `dist/`: this module is `src/internal/Page.ts` in the
// workspace and `dist/internal/Page.js` when installed.
const pageFile = (name: string) =>
  readFileSync(new URL(`../../page/${name}`, import.meta.url), "utf8")

export const readPageFiles: Effect.Effect<PageFiles> = Effect.sync(() => ({
  html: pageFile("index.html"),
  script: pageFile("app.js"),
  style: pageFile("app.css"),
}))

export interface PageContext {
  readonly world: World
  readonly files: PageFiles
  readonly clock: SandboxClock
  readonly log: RequestLog
  readonly faults: Ref.Ref<FaultState>
  readonly deliverer: Deliverer
  /** Signals a change to the live views (what `world.changed` publishes to). */
  readonly changes: PubSub.PubSub<void>
  /** Completed when the sandbox stops: the live views end, so the server can close. */
  readonly closing: Deferred.Deferred<void>
}

const noStore = { "cache-control": "no-store" }

const view = (context: PageContext) =>
  Effect.gen(function* () {
    const state = yield* snapshot(context.world)
    return viewOf({
      world: context.world,
      state,
      now: yield* Clock.currentTimeMillis,
      clockOffset: yield* context.clock.offset,
      requests: yield* context.log.entries,
      attempts: yield* context.deliverer.attempts,
      pendingWebhooks: yield* context.deliverer.pending,
      faults: (yield* Ref.get(context.faults)).rules,
    })
  })

const encoder = new TextEncoder()

// The view now and after every change; changes that arrive while one is written collapse
// into one (the subscription keeps only the newest signal).
const events = (context: PageContext) =>
  Stream.unwrapScoped(
    Effect.map(PubSub.subscribe(context.changes), (subscription) =>
      Stream.concat(Stream.make(undefined), Stream.repeatEffect(Queue.take(subscription))).pipe(
        Stream.mapEffect(() => view(context)),
        Stream.map((current) => encoder.encode(`data: ${JSON.stringify(current)}\n\n`)),
        Stream.interruptWhen(Deferred.await(context.closing)),
      ),
    ),
  )

const FaultsBody = Schema.Struct({ rules: Schema.Array(Schema.String) })
const AdvanceBody = Schema.Struct({
  seconds: Schema.Number.pipe(Schema.int(), Schema.between(1, 400 * 24 * 3600)),
})

const unreadableRule =
  'cannot read the rule; the form is "METHOD /path=KIND[:ARG][@PROBABILITY][xTIMES]"'

const faultsView = (faults: Ref.Ref<FaultState>) =>
  Effect.map(Ref.get(faults), (state) => state.rules)

const putFaults = (context: PageContext) =>
  Effect.gen(function* () {
    const body = yield* platformJsonBody(FaultsBody)
    const rules: Array<FaultRule> = []
    for (const [index, text] of body.rules.entries()) {
      const rule = parseFaultRule(text)
      if (rule === undefined) {
        return yield* invalidField(`rules.${index}`, unreadableRule)
      }
      rules.push(rule)
    }
    yield* setRules(context.faults, rules)
    yield* context.world.changed
    return respondJson({ rules: body.rules })
  })

const RuleBody = Schema.Struct({ rule: Schema.String })

// Adds one rule after the others: their counters go on.
const addFault = (context: PageContext) =>
  Effect.gen(function* () {
    const body = yield* platformJsonBody(RuleBody)
    const rule = parseFaultRule(body.rule)
    if (rule === undefined) {
      return yield* invalidField("rule", unreadableRule)
    }
    yield* addRule(context.faults, rule)
    yield* context.world.changed
    return respondJson({ rule: body.rule }, 201)
  })

const clearFaults = (context: PageContext) =>
  Effect.gen(function* () {
    yield* setRules(context.faults, [])
    yield* context.world.changed
    return HttpServerResponse.empty({ status: 204 })
  })

const clockView = (context: PageContext) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    return respondJson({
      now: new Date(now).toISOString(),
      offsetMillis: yield* context.clock.offset,
    })
  })

const advance = (context: PageContext) =>
  Effect.gen(function* () {
    const body = yield* platformJsonBody(AdvanceBody)
    yield* context.clock.advance(body.seconds * 1000)
    // What is due now happens at the next look at the state; deliveries wake for it.
    yield* snapshot(context.world)
    yield* context.world.notify
    yield* context.world.changed
    return yield* clockView(context)
  })

const svg = (content: string) =>
  HttpServerResponse.text(qrSvg(content), {
    contentType: "image/svg+xml",
    headers: noStore,
  })

const svgName = (file: string) => /^(.+)\.svg$/.exec(file)?.[1]

/** A test user's personal QR, as their app shows it for a till to scan. */
const personalQr = (context: PageContext) =>
  Effect.gen(function* () {
    const phoneNumber = svgName((yield* HttpRouter.params)["file"] ?? "")
    const user =
      phoneNumber === undefined ? undefined : platformUserByPhone(context.world, phoneNumber)
    if (user === undefined) return yield* new NotFound({ what: "test user" })
    return svg(user.personalQr)
  })

/** A V10 till's QR sticker: its beacon id, as a phone's scanner reads it. */
const beaconQr = Effect.gen(function* () {
  const beaconId = svgName((yield* HttpRouter.params)["file"] ?? "")
  if (beaconId === undefined || !/^[A-Za-z0-9-]{1,64}$/.test(beaconId)) {
    return yield* new NotFound({ what: "beacon" })
  }
  return svg(beaconId)
})

const file = (body: string, contentType: string) =>
  Effect.succeed(HttpServerResponse.text(body, { contentType, headers: noStore }))

export const pageOperations = (
  context: PageContext,
): ReadonlyArray<
  readonly ["GET" | "PUT" | "POST" | "DELETE", HttpRouter.PathInput, PlatformHandler]
> => [
  ["GET", "/", file(context.files.html, "text/html; charset=utf-8")],
  ["GET", "/index.html", file(context.files.html, "text/html; charset=utf-8")],
  // A browser asks for it; answered here, it stays out of the request log.
  ["GET", "/favicon.ico", Effect.succeed(HttpServerResponse.empty({ status: 204 }))],
  ["GET", "/sandbox/page/app.js", file(context.files.script, "text/javascript; charset=utf-8")],
  ["GET", "/sandbox/page/app.css", file(context.files.style, "text/css; charset=utf-8")],
  ["GET", "/sandbox/v1/view", Effect.map(view(context), (current) => respondJson(current))],
  [
    "GET",
    "/sandbox/v1/view/events",
    Effect.succeed(
      HttpServerResponse.stream(events(context), {
        contentType: "text/event-stream",
        // Not kept alive after it ends: a stopping sandbox's server closes at once.
        headers: { "cache-control": "no-store", "x-accel-buffering": "no", connection: "close" },
      }),
    ),
  ],
  [
    "GET",
    "/sandbox/v1/faults",
    Effect.map(faultsView(context.faults), (rules) =>
      respondJson(
        rules.map((active) => ({ rule: formatFaultRule(active.rule), fired: active.fired })),
      ),
    ),
  ],
  ["PUT", "/sandbox/v1/faults", putFaults(context)],
  ["POST", "/sandbox/v1/faults", addFault(context)],
  ["DELETE", "/sandbox/v1/faults", clearFaults(context)],
  ["GET", "/sandbox/v1/clock", clockView(context)],
  ["POST", "/sandbox/v1/clock/advance", advance(context)],
  ["GET", "/sandbox/v1/personal-qr/:file", personalQr(context)],
  ["GET", "/sandbox/v1/beacon-qr/:file", beaconQr],
]
