/**
 * The sale flows' setting: the sandbox and its clients (Sandboxed), a memory journal, and
 * optionally a WebhookReceiver on a loopback server registered with the sandbox for every
 * event, so the sandbox's signed deliveries reach it as they would a shop's.
 */
import { EPaymentClient, SaleFlow, WebhookEvent, WebhookReceiver } from "@effect-mobilepay/epayment"
import { PaymentJournal } from "@effect-mobilepay/sale"
import { Time } from "@effect-mobilepay/test-support"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Deferred, Effect } from "effect"
import { createServer } from "node:http"
import { anna, start, type StartOptions } from "./Sandboxed.js"

const everyEvent = WebhookEvent.EventType.literals

export const sales = (
  options: StartOptions & { readonly journal?: PaymentJournal.PaymentJournal.Service } = {},
) =>
  Effect.gen(function* () {
    const platform = yield* start(options)
    const journal = options.journal ?? (yield* PaymentJournal.makeMemory)
    /** Runs `effect` with the client and the journal. */
    const run = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      effect.pipe(
        Effect.provideService(EPaymentClient.EPaymentClient, platform.client),
        Effect.provideService(PaymentJournal.PaymentJournal, journal),
      )
    /** The ePayment requests the sandbox received, as `METHOD path`, without the reads. */
    const modifications = Effect.map(platform.ePaymentRequests, (all) =>
      all.filter((request) => request.method === "POST"),
    )
    const reads = Effect.map(platform.ePaymentRequests, (all) =>
      all.filter((request) => request.method === "GET"),
    )
    return { ...platform, journal, run, modifications, reads }
  })

/** The same, with a WebhookReceiver mounted and registered for every event. */
export const hookedSales = (options: StartOptions = {}) =>
  Effect.gen(function* () {
    const setting = yield* sales(options)
    const server = yield* NodeHttpServer.make(() => createServer(), { port: 0, host: "127.0.0.1" })
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0
    const url = `http://127.0.0.1:${port}/hooks/vipps`
    const registration = yield* setting.webhooks.register({ url, events: everyEvent })
    const receiver = yield* WebhookReceiver.make({ url, secrets: registration.secret })
    yield* server.serve(HttpRouter.empty.pipe(HttpRouter.post("/hooks/vipps", receiver.handler)))
    const runHooked = <A, E>(
      effect: Effect.Effect<
        A,
        E,
        | EPaymentClient.EPaymentClient
        | PaymentJournal.PaymentJournal
        | WebhookReceiver.WebhookReceiver
      >,
    ) => setting.run(Effect.provideService(effect, WebhookReceiver.WebhookReceiver, receiver))
    return { ...setting, receiver, runHooked }
  })

/** What `sales` gives a test. */
export type Setting = Effect.Effect.Success<ReturnType<typeof sales>>

/** An amount in øre. */
export const dkk = (value: number) => ({ currency: "DKK" as const, value })

/** Waits, the clock standing, until the customer's app shows the payment `reference`. */
export const shown = (
  setting: Pick<Setting, "customer">,
  reference: string,
  phoneNumber = anna.phoneNumber,
) =>
  Time.waitUntil(
    Effect.map(setting.customer.requests(phoneNumber), (answer) =>
      JSON.stringify(answer.body).includes(`"${reference}"`),
    ),
  )

/** The payment's events on the platform, as `NAME amount`. */
export const eventsOf = (setting: Setting, reference: string) =>
  Effect.map(setting.client.events(reference), (events) =>
    events.map((event) => `${event.name} ${event.amount.value}`),
  )

/**
 * A push sale of `value` to anna, forked, that the till can cancel: its fiber, and `cancel`,
 * which tells the flow to give up.
 */
export const cancellablePush = (setting: Pick<Setting, "run">, orderId: string, value: number) =>
  Effect.gen(function* () {
    const cancel = yield* Deferred.make<void>()
    const flow = yield* Effect.fork(
      setting.run(
        SaleFlow.pushToPhone(
          { orderId, amount: dkk(value), phoneNumber: anna.phoneNumber },
          { cancelWhen: Deferred.await(cancel) },
        ),
      ),
    )
    return { flow, cancel: Deferred.succeed(cancel, undefined) }
  })
