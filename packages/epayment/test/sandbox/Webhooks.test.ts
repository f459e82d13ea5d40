/**
 * Webhooks end to end: a registration made through WebhooksClient, the WebhookReceiver mounted
 * on a real loopback server behind a recording proxy (the registered URL is the proxy's, as in
 * front of a real shop), and the sandbox's signed deliveries verified and decoded: payment
 * events, `user.checked-in.v1` from the simulated customer scanning a callback QR made through
 * QrClient (and a migrated V10 beacon), and a tampered delivery refused.
 */
import { WebhookReceiver } from "@effect-mobilepay/epayment"
import type { WebhookEvent } from "@effect-mobilepay/epayment"
import { Time } from "@effect-mobilepay/test-support"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Redacted, Stream, TestClock } from "effect"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import { anna, bent, start } from "../support/Sandboxed.js"

interface Recorded {
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

const hopByHop = new Set(["host", "connection", "content-length", "transfer-encoding"])

const forwardedHeaders = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).flatMap(([name, value]) =>
      hopByHop.has(name) || typeof value !== "string" ? [] : [[name, value]],
    ),
  )

/** A reverse proxy on loopback that records each request and forwards it to `target`. */
const recordingProxy = (target: string) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly url: string
      readonly recorded: Array<Recorded>
      readonly server: Server
    }>((resume) => {
      const recorded: Array<Recorded> = []
      const server = createServer((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          const body = Buffer.concat(chunks)
          recorded.push({ headers: request.headers, body })
          fetch(`${target}${request.url ?? ""}`, {
            method: request.method ?? "POST",
            headers: forwardedHeaders(request.headers),
            body,
          }).then(
            (answer) => response.writeHead(answer.status).end(),
            () => response.writeHead(502).end(),
          )
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, recorded, server }))
      })
    }),
    (proxy) =>
      Effect.async<void>((resume) => {
        proxy.server.close(() => resume(Effect.void))
        // The test is over: a connection the sandbox keeps open would hold the close ~3 s.
        proxy.server.closeAllConnections()
      }),
  )

const allEvents = [
  "epayments.payment.created.v1",
  "epayments.payment.authorized.v1",
  "epayments.payment.aborted.v1",
  "epayments.payment.expired.v1",
  "epayments.payment.terminated.v1",
  "epayments.payment.captured.v1",
  "epayments.payment.cancelled.v1",
  "epayments.payment.refunded.v1",
  "user.checked-in.v1",
]

/** The sandbox and its clients, a receiver on a loopback server, registered for every event. */
const setupWith = (options: Partial<WebhookReceiver.Options> = {}) =>
  Effect.gen(function* () {
    const platform = yield* start()
    const server = yield* NodeHttpServer.make(() => createServer(), { port: 0, host: "127.0.0.1" })
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0
    const proxy = yield* recordingProxy(`http://127.0.0.1:${port}`)
    const registeredUrl = `${proxy.url}/hooks/vipps?till=7`
    const registration = yield* platform.webhooks.register({
      url: registeredUrl,
      events: allEvents,
    })
    const receiver = yield* WebhookReceiver.make({
      url: registeredUrl,
      secrets: registration.secret,
      ...options,
    })
    yield* server.serve(HttpRouter.empty.pipe(HttpRouter.post("/hooks/vipps", receiver.handler)))
    const deliverTo = (recorded: Recorded, body: Buffer) =>
      Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/hooks/vipps?till=7`, {
          method: "POST",
          headers: forwardedHeaders(recorded.headers),
          body,
        }).then((answer) => answer.status),
      )
    const checkIns = receiver.events.pipe(
      Stream.filter((event): event is WebhookEvent.CheckedIn => event._tag === "CheckedIn"),
    )
    return { ...platform, receiver, registration, registeredUrl, proxy, deliverTo, checkIns }
  })
const setup = setupWith()

describe("webhooks from the sandbox into WebhookReceiver", () => {
  it.scoped("registration through WebhooksClient: listed, with its secret Redacted", () =>
    Effect.gen(function* () {
      const { webhooks, registration, registeredUrl } = yield* setup
      expect(String(registration.secret)).toBe("<redacted>")
      expect(Redacted.value(registration.secret).length).toBeGreaterThan(10)
      const listed = yield* webhooks.list()
      expect(listed.map((webhook) => [webhook.id, webhook.url])).toEqual([
        [registration.id, registeredUrl],
      ])
      yield* webhooks.delete(registration.id)
      expect(yield* webhooks.list()).toEqual([])
    }),
  )

  it.scoped("a payment's signed events arrive verified, decoded and in order", () =>
    Effect.gen(function* () {
      const { client, customer, receiver, sandbox, salesUnit } = yield* setup
      const watched = yield* receiver.watchPayment("hooked-0001")
      const three = yield* Effect.fork(Stream.runCollect(Stream.take(watched, 3)))
      yield* client.create({
        amount: { currency: "DKK", value: 2500 },
        paymentMethod: { type: "WALLET" },
        reference: "hooked-0001",
        userFlow: "PUSH_MESSAGE",
        customer: { phoneNumber: anna.phoneNumber },
        customerInteraction: "CUSTOMER_PRESENT",
      })
      yield* customer.approve("hooked-0001")
      yield* client.capture("hooked-0001", { currency: "DKK", value: 2500 })
      const events = Chunk.toReadonlyArray(yield* three.await.pipe(Effect.flatten))
      expect(events.map((event) => event.name)).toEqual(["CREATED", "AUTHORIZED", "CAPTURED"])
      for (const event of events) {
        expect(event).toMatchObject({ msn: salesUnit.msn, reference: "hooked-0001", success: true })
        expect(event.amount).toEqual({ currency: "DKK", value: 2500 })
      }
      // The sandbox notes an attempt once it has read the answer, just after the receiver kept it.
      yield* Time.waitUntil(Effect.map(sandbox.webhookAttempts, (all) => all.length >= 3))
      const attempts = yield* sandbox.webhookAttempts
      expect(attempts.map((attempt) => [attempt.eventType, attempt.status])).toEqual([
        ["epayments.payment.created.v1", 200],
        ["epayments.payment.authorized.v1", 200],
        ["epayments.payment.captured.v1", 200],
      ])
    }),
  )

  it.scoped("a tampered delivery is refused 401; the untouched one is a duplicate, 200", () =>
    Effect.gen(function* () {
      const { client, proxy, deliverTo, receiver } = yield* setup
      const watched = yield* receiver.watchPayment("hooked-0002")
      const first = yield* Effect.fork(Stream.runHead(watched))
      yield* client.create({
        amount: { currency: "DKK", value: 2500 },
        paymentMethod: { type: "WALLET" },
        reference: "hooked-0002",
        userFlow: "PUSH_MESSAGE",
        customer: { phoneNumber: anna.phoneNumber },
      })
      yield* first.await
      const delivery = proxy.recorded[0]
      expect(delivery?.headers["authorization"]).toMatch(/^HMAC-SHA256 SignedHeaders=/)
      if (delivery === undefined) return
      const tampered = Buffer.from(
        delivery.body.toString("utf8").replace('"value":2500', '"value":25'),
      )
      expect(tampered.equals(delivery.body)).toBe(false)
      expect(yield* deliverTo(delivery, tampered)).toBe(401)
      expect(yield* deliverTo(delivery, delivery.body)).toBe(200)
    }),
  )

  it.scoped(
    "callback QR: the customer scans it, the till gets a check-in and asks them to pay",
    () =>
      Effect.gen(function* () {
        const { client, customer, qr, checkIns, salesUnit } = yield* setup
        yield* qr.putCallbackQr("till-7", { locationDescription: "Kasse 7", category: "IN_STORE" })
        const sticker = yield* qr.getCallbackQr("till-7", { format: "SVG" })
        expect(sticker).toMatchObject({ merchantQrId: "till-7", locationDescription: "Kasse 7" })
        expect(sticker.qrImageUrl).toMatch(/^http/)
        const listed = yield* qr.listCallbackQrs()
        expect(listed.map((one) => one.merchantQrId)).toEqual(["till-7"])

        const arrival = yield* Effect.fork(Stream.runHead(checkIns))
        yield* customer.scan(sticker.qrContent ?? "", bent.phoneNumber)
        const checkIn = (yield* arrival.await.pipe(Effect.flatten)).pipe((found) =>
          found._tag === "Some" ? found.value : undefined,
        )
        expect(checkIn).toMatchObject({ merchantQrId: "till-7", msn: salesUnit.msn })
        if (checkIn === undefined) return
        expect(String(checkIn.customerToken)).toBe("<redacted>")

        yield* client.create({
          amount: { currency: "DKK", value: 3900 },
          paymentMethod: { type: "WALLET" },
          reference: "sticker-0001",
          userFlow: "PUSH_MESSAGE",
          customer: { customerToken: Redacted.value(checkIn.customerToken) },
          customerInteraction: "CUSTOMER_PRESENT",
        })
        expect((yield* customer.requests(bent.phoneNumber)).body).toMatchObject([
          { reference: "sticker-0001" },
        ])
        yield* customer.approve("sticker-0001", bent.phoneNumber)
        expect((yield* client.get("sticker-0001")).state).toBe("AUTHORIZED")

        yield* qr.deleteCallbackQr("till-7")
        expect(yield* qr.listCallbackQrs()).toEqual([])
        expect((yield* customer.scan(sticker.qrContent ?? "", bent.phoneNumber)).status).toBe(404)
      }),
  )

  it.scoped("a migrated V10 beacon: its printed QR checks the customer in on the sales unit", () =>
    Effect.gen(function* () {
      const { qr, customer, checkIns } = yield* setup
      const beaconId = "100000000000042"
      yield* qr.migrateBeacon(beaconId, { locationDescription: "Till 1" })
      // Safe to repeat for the same sales unit.
      yield* qr.migrateBeacon(beaconId, { locationDescription: "Till 1" })
      const arrival = yield* Effect.fork(Stream.runHead(checkIns))
      const scanned = yield* customer.scan(`https://qr.sandbox.test/mobilepay/${beaconId}`)
      expect(scanned.status).toBe(200)
      const checkIn = yield* arrival.await.pipe(Effect.flatten)
      expect(checkIn._tag === "Some" ? checkIn.value.merchantQrId : undefined).toBe(beaconId)
    }),
  )

  it.scoped(
    "a delivery the shop could not store is delivered again after the platform's delay",
    () =>
      Effect.gen(function* () {
        const stored: Array<string> = []
        let failures = 1
        const { client, sandbox } = yield* setupWith({
          store: (event) =>
            failures-- > 0
              ? Effect.fail("database down")
              : Effect.sync(() => {
                  stored.push(event._tag === "PaymentEvent" ? event.name : event._tag)
                }),
        })
        yield* client.create({
          amount: { currency: "DKK", value: 2500 },
          paymentMethod: { type: "WALLET" },
          reference: "hooked-0003",
          userFlow: "PUSH_MESSAGE",
          customer: { phoneNumber: anna.phoneNumber },
        })
        yield* Time.waitUntil(Effect.map(sandbox.webhookAttempts, (all) => all.length === 1))
        expect((yield* sandbox.webhookAttempts)[0]).toMatchObject({
          status: 500,
          outcome: "retrying",
        })
        expect(stored).toEqual([])
        // The platform's first retry comes about 2 s later.
        yield* TestClock.adjust("2 seconds")
        yield* Time.waitUntil(Effect.map(sandbox.webhookAttempts, (all) => all.length === 2))
        expect((yield* sandbox.webhookAttempts)[1]).toMatchObject({
          status: 200,
          outcome: "delivered",
        })
        expect(stored).toEqual(["CREATED"])
      }),
  )

  it.scoped("an ignored payment's expiry arrives as a webhook when it falls due", () =>
    Effect.gen(function* () {
      const { client, receiver, sandbox } = yield* setup
      const events = yield* receiver.watchPayment("hooked-0004")
      const two = yield* Effect.fork(Stream.runCollect(Stream.take(events, 2)))
      yield* client.create({
        amount: { currency: "DKK", value: 2500 },
        paymentMethod: { type: "WALLET" },
        reference: "hooked-0004",
        userFlow: "PUSH_MESSAGE",
        customer: { phoneNumber: anna.phoneNumber },
      })
      // The clock moves once CREATED is delivered, so no delivery in flight meets its deadline.
      yield* Time.waitUntil(
        Effect.map(sandbox.webhookAttempts, (all) =>
          all.some((one) => one.outcome === "delivered"),
        ),
      )
      yield* TestClock.adjust("10 minutes")
      const names = Chunk.toReadonlyArray(yield* Fiber.join(two)).map((event) => event.name)
      expect(names).toEqual(["CREATED", "EXPIRED"])
    }),
  )
})
