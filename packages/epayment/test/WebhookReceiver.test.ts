import { WebhookReceiver } from "@effect-mobilepay/epayment"
import { Observe, Time } from "@effect-mobilepay/test-support"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import {
  Chunk,
  ConfigProvider,
  Context,
  Deferred,
  Layer,
  Duration,
  Effect,
  Fiber,
  Redacted,
  Ref,
  Stream,
  TestClock,
} from "effect"
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import { createServer } from "node:http"

// The URL as registered: the public name in front of the loopback server (a proxy would
// forward to it), so the signature covers this host and path, not the local ones.
const registeredUrl = "https://shop.example/hooks/vipps?till=7"
const secret = "c2VjcmV0LXRoYXQtbG9va3MtbGlrZS1iYXNlNjQ="

// The platform's signer, written from the documented rule (not by calling the verifier).
const signedHeaders = (
  body: string,
  options: { readonly secret?: string; readonly date?: string; readonly host?: string } = {},
) => {
  const date = options.date ?? "Thu, 02 May 2024 09:10:11 GMT"
  const contentHash = Crypto.createHash("sha256").update(body, "utf8").digest("base64")
  const toSign = `POST\n/hooks/vipps?till=7\n${date};${options.host ?? "shop.example"};${contentHash}`
  const signature = Crypto.createHmac("sha256", options.secret ?? secret)
    .update(toSign)
    .digest("base64")
  return {
    "content-type": "application/json",
    "x-ms-date": date,
    "x-ms-content-sha256": contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  }
}

const paymentBody = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    msn: "123456",
    reference: "acme-1234-1",
    pspReference: "1304787731",
    name: "AUTHORIZED",
    amount: { currency: "DKK", value: 1250 },
    timestamp: "2024-05-02T09:10:11.1234567Z",
    idempotencyKey: null,
    success: true,
    ...overrides,
  })

const checkInBody = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    customerToken: "Y3VzdG9tZXItdG9rZW4tZm9yLXRlc3Rz",
    merchantQrId: "till-7",
    msn: "123456",
    initiatedAt: "2024-05-02T09:10:11.1234567Z",
    ...overrides,
  })

// A real server on loopback with the receiver mounted in a router, as a program mounts it.
const serve = (options: Partial<WebhookReceiver.Options> = {}) =>
  Effect.gen(function* () {
    const receiver = yield* WebhookReceiver.make({
      url: registeredUrl,
      secrets: Redacted.make(secret),
      ...options,
    })
    const server = yield* NodeHttpServer.make(() => createServer(), { port: 0, host: "127.0.0.1" })
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0
    yield* server.serve(HttpRouter.empty.pipe(HttpRouter.post("/hooks/vipps", receiver.handler)))
    const deliver = (body: string | Uint8Array, headers: Record<string, string>) =>
      Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/hooks/vipps?till=7`, { method: "POST", headers, body }),
      ).pipe(Effect.map((response) => response.status))
    const deliverSigned = (body: string) => deliver(body, signedHeaders(body))
    return { receiver, deliver, deliverSigned, port }
  })

const recordingStore = Effect.gen(function* () {
  const stored = yield* Ref.make<ReadonlyArray<string>>([])
  return {
    stored,
    store: (event: { readonly _tag: string }) => Ref.update(stored, (all) => [...all, event._tag]),
  }
})

describe("WebhookReceiver", () => {
  it.scoped("keeps a signed payment event and offers it typed on events", () =>
    Effect.gen(function* () {
      const { receiver, deliverSigned } = yield* serve()
      expect(yield* deliverSigned(paymentBody())).toBe(200)
      const [event] = yield* Stream.runCollect(Stream.take(receiver.events, 1)).pipe(
        Effect.map(Chunk.toReadonlyArray),
      )
      expect(event?._tag).toBe("PaymentEvent")
      expect(event?._tag === "PaymentEvent" && [event.reference, event.name]).toEqual([
        "acme-1234-1",
        "AUTHORIZED",
      ])
    }),
  )

  it.scoped("drops duplicates by msn, reference, name and pspReference", () =>
    Effect.gen(function* () {
      const { receiver, deliverSigned } = yield* serve()
      expect(yield* deliverSigned(paymentBody())).toBe(200)
      // A retry of the same event, re-sent with another timestamp: acknowledged, not kept again.
      expect(yield* deliverSigned(paymentBody({ timestamp: "2024-05-02T09:12:00Z" }))).toBe(200)
      expect(yield* deliverSigned(paymentBody({ name: "CAPTURED", pspReference: "99" }))).toBe(200)
      expect(yield* deliverSigned(checkInBody())).toBe(200)
      expect(yield* deliverSigned(checkInBody({ customerToken: "b3RoZXI=" }))).toBe(200)
      const kept = yield* Stream.runCollect(Stream.take(receiver.events, 3))
      expect(Chunk.toReadonlyArray(kept).map((event) => event._tag)).toEqual([
        "PaymentEvent",
        "PaymentEvent",
        "CheckedIn",
      ])
      const captured = Chunk.unsafeGet(kept, 1)
      expect(captured._tag === "PaymentEvent" && captured.name).toBe("CAPTURED")
      // Nothing else was waiting: the next event taken is the next one delivered.
      yield* deliverSigned(paymentBody({ name: "REFUNDED", pspReference: "100" }))
      const next = yield* Stream.runCollect(Stream.take(receiver.events, 1))
      const refunded = Chunk.unsafeGet(next, 0)
      expect(refunded._tag === "PaymentEvent" && refunded.name).toBe("REFUNDED")
    }),
  )

  it.scoped("answers 401 to a bad signature and the store never sees it", () =>
    Effect.gen(function* () {
      const { store, stored } = yield* recordingStore
      const { deliver } = yield* serve({ store })
      const body = paymentBody()
      const good = signedHeaders(body)
      const cases: ReadonlyArray<readonly [string | Uint8Array, Record<string, string>]> = [
        [body, signedHeaders(body, { secret: "another-registrations-secret" })],
        [paymentBody({ reference: "acme-9999-1" }), good],
        [body, { ...good, "x-ms-date": "Thu, 02 May 2024 09:10:12 GMT" }],
        [body, signedHeaders(body, { host: "127.0.0.1" })],
        [body, { ...good, authorization: good.authorization.replace("Signature=", "Signature=x") }],
        [body, { "content-type": "application/json", "x-ms-date": good["x-ms-date"] }],
        // Not JSON, and not signed either: refused for the signature, before any parsing.
        ["{not json", good],
      ]
      for (const [sent, headers] of cases) {
        expect(yield* deliver(sent, headers)).toBe(401)
      }
      expect(yield* Ref.get(stored)).toEqual([])
      expect(yield* deliver(body, good)).toBe(200)
      expect(yield* Ref.get(stored)).toEqual(["PaymentEvent"])
    }),
  )

  it.scoped("logs a rejected delivery once, by reason, with no secret or signature", () =>
    Effect.gen(function* () {
      const body = paymentBody()
      const forged = signedHeaders(body, { secret: "the-forgers-secret" })
      const [status, observed] = yield* Observe.observe(
        Effect.gen(function* () {
          const { deliver } = yield* serve()
          return yield* deliver(body, forged)
        }),
      )
      expect(status).toBe(401)
      const rejections = observed.logLines.filter((line) => line.includes("rejected"))
      expect(rejections).toHaveLength(1)
      expect(rejections[0]).toContain("SignatureMismatch")
      const everything = observed.logLines.join("\n")
      for (const value of [secret, "the-forgers-secret", forged.authorization.slice(-20)]) {
        expect(everything).not.toContain(value)
      }
    }),
  )

  it.scoped("answers 2xx only after the store kept the event; a failed store is retried", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const { deliverSigned } = yield* serve({
        store: () =>
          Ref.updateAndGet(attempts, (n) => n + 1).pipe(
            Effect.flatMap((n) => (n === 1 ? Effect.fail("database down") : Effect.void)),
          ),
      })
      expect(yield* deliverSigned(paymentBody())).toBe(500)
      // The platform delivers it again: not a duplicate, since it was never kept.
      expect(yield* deliverSigned(paymentBody())).toBe(200)
      expect(yield* deliverSigned(paymentBody())).toBe(200)
      expect(yield* Ref.get(attempts)).toBe(2)
    }),
  )

  it.scoped("watchPayment offers one payment's events from the moment it subscribes", () =>
    Effect.gen(function* () {
      const { receiver, deliverSigned } = yield* serve()
      const watched = yield* receiver.watchPayment("acme-1234-2")
      const collecting = yield* Effect.fork(Stream.runCollect(Stream.take(watched, 2)))
      yield* deliverSigned(paymentBody({ reference: "acme-1234-2", name: "CREATED" }))
      yield* deliverSigned(paymentBody({ reference: "acme-1234-1" }))
      yield* deliverSigned(paymentBody({ reference: "acme-1234-2", name: "AUTHORIZED" }))
      const events = Chunk.toReadonlyArray(yield* Fiber.join(collecting))
      expect(events.map((event) => [event.reference, event.name])).toEqual([
        ["acme-1234-2", "CREATED"],
        ["acme-1234-2", "AUTHORIZED"],
      ])
    }),
  )

  it.scoped("refuses a body over the limit with 413 without keeping it", () =>
    Effect.gen(function* () {
      const { store, stored } = yield* recordingStore
      const { deliverSigned } = yield* serve({ store, maxBodyBytes: 256 })
      const large = paymentBody({ padding: "x".repeat(300) })
      expect(yield* deliverSigned(large)).toBe(413)
      expect(yield* Ref.get(stored)).toEqual([])
    }),
  )

  it.scoped("stops reading a chunked body (no Content-Length) once it passes the limit", () =>
    Effect.gen(function* () {
      const { store, stored } = yield* recordingStore
      const { port, deliverSigned } = yield* serve({ store, maxBodyBytes: 256 })
      const large = paymentBody({ padding: "x".repeat(2000) })
      const status = yield* Effect.async<number>((resume) => {
        const request = Http.request(
          {
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/hooks/vipps?till=7",
            headers: signedHeaders(large),
          },
          (response) => {
            response.resume()
            resume(Effect.succeed(response.statusCode ?? 0))
          },
        )
        // Reading stops at the limit and the server drops the connection: no answer at all.
        request.on("error", () => resume(Effect.succeed(0)))
        for (let offset = 0; offset < large.length; offset += 100) {
          request.write(large.slice(offset, offset + 100))
        }
        request.end()
      })
      expect(status).toBe(0)
      expect(yield* Ref.get(stored)).toEqual([])
      // The receiver serves the next delivery as usual.
      expect(yield* deliverSigned(paymentBody())).toBe(200)
      expect(yield* Ref.get(stored)).toEqual(["PaymentEvent"])
    }),
  )

  it.scoped("answers 400 to a signed body that is not JSON", () =>
    Effect.gen(function* () {
      const { store, stored } = yield* recordingStore
      const { deliverSigned } = yield* serve({ store })
      expect(yield* deliverSigned("{not json")).toBe(400)
      expect(yield* Ref.get(stored)).toEqual([])
    }),
  )

  it.scoped("keeps an unknown event kind, deduplicated by its body's hash", () =>
    Effect.gen(function* () {
      const { store, stored } = yield* recordingStore
      const { deliverSigned } = yield* serve({ store })
      const body = JSON.stringify({ eventType: "recurring.agreement-activated.v1", id: 1 })
      expect(yield* deliverSigned(body)).toBe(200)
      expect(yield* deliverSigned(body)).toBe(200)
      expect(yield* Ref.get(stored)).toEqual(["UnknownEvent"])
    }),
  )

  it.scoped("does not check the delivery's date by default", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2030-01-01T00:00:00Z"))
      const { deliverSigned } = yield* serve()
      expect(yield* deliverSigned(paymentBody())).toBe(200)
    }),
  )

  it.scoped("with a date tolerance, refuses a delivery dated too far from the clock", () =>
    Effect.gen(function* () {
      const signedAt = Date.parse("2024-05-02T09:10:11Z")
      const { store, stored } = yield* recordingStore
      const { deliverSigned } = yield* serve({ store, dateTolerance: "5 minutes" })
      yield* TestClock.setTime(signedAt + 5 * 60_000)
      expect(yield* deliverSigned(paymentBody())).toBe(200)
      yield* TestClock.adjust(1)
      expect(yield* deliverSigned(paymentBody({ name: "CAPTURED" }))).toBe(401)
      expect(yield* Ref.get(stored)).toEqual(["PaymentEvent"])
    }),
  )

  it.effect("refuses unusable options before serving anything", () =>
    Effect.gen(function* () {
      for (const options of [
        { url: "not a url" },
        { secrets: [] },
        { queueCapacity: 0 },
        { deduplicationCapacity: 1.5 },
        { maxBodyBytes: -1 },
        { acceptTimeout: -1 },
      ]) {
        const error = yield* Effect.flip(
          Effect.scoped(
            WebhookReceiver.make({
              url: registeredUrl,
              secrets: Redacted.make(secret),
              ...options,
            }),
          ),
        )
        expect(error._tag).toBe("InvalidInput")
      }
    }),
  )

  it.scoped(
    "a full queue answers 503 after acceptTimeout, and the event is taken when retried",
    () =>
      Effect.gen(function* () {
        const { receiver, deliverSigned } = yield* serve({
          queueCapacity: 1,
          acceptTimeout: "5 seconds",
        })
        expect(yield* deliverSigned(paymentBody({ name: "CREATED" }))).toBe(200)
        // The first delivery's deadline timer was stopped, but TestClock still lists it: move
        // past it, so that the next sleep found is the waiting delivery's.
        yield* TestClock.adjust("1 minute")
        // Nobody reads the queue: the next delivery waits for room, then gives up.
        const waiting = yield* Effect.fork(deliverSigned(paymentBody({ name: "AUTHORIZED" })))
        const waited = yield* Time.advanceToSleepWithin("5 seconds")
        expect(Duration.toMillis(waited)).toBe(5000)
        expect(yield* Fiber.join(waiting)).toBe(503)
        // Not remembered as kept: the platform's retry of it is accepted once there is room.
        const first = yield* Stream.runCollect(Stream.take(receiver.events, 1))
        expect(Chunk.unsafeGet(first, 0)._tag).toBe("PaymentEvent")
        expect(yield* deliverSigned(paymentBody({ name: "AUTHORIZED" }))).toBe(200)
        const second = Chunk.unsafeGet(yield* Stream.runCollect(Stream.take(receiver.events, 1)), 0)
        expect(second._tag === "PaymentEvent" && second.name).toBe("AUTHORIZED")
      }),
  )

  it.scoped("a duplicate arriving while the first is being stored answers as the first does", () =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      const stores = yield* Ref.make(0)
      const { deliverSigned } = yield* serve({
        store: () => Ref.update(stores, (n) => n + 1).pipe(Effect.zipRight(Deferred.await(gate))),
      })
      const first = yield* Effect.fork(deliverSigned(paymentBody()))
      yield* Time.waitUntil(Effect.map(Ref.get(stores), (n) => n === 1))
      const duplicate = yield* Effect.fork(deliverSigned(paymentBody()))
      yield* Deferred.succeed(gate, undefined)
      expect([yield* Fiber.join(first), yield* Fiber.join(duplicate)]).toEqual([200, 200])
      expect(yield* Ref.get(stores)).toBe(1)
    }),
  )

  it.scoped("layerConfig reads the URL and the secrets, the previous one during a switch", () =>
    Effect.gen(function* () {
      const config = ConfigProvider.fromMap(
        new Map([
          ["VIPPS_MOBILEPAY_WEBHOOK_URL", registeredUrl],
          ["VIPPS_MOBILEPAY_WEBHOOK_SECRET", "the-new-registrations-secret"],
          ["VIPPS_MOBILEPAY_WEBHOOK_PREVIOUS_SECRET", secret],
        ]),
      )
      const context = yield* Layer.build(
        WebhookReceiver.layerConfig().pipe(Layer.provide(Layer.setConfigProvider(config))),
      )
      const receiver = Context.get(context, WebhookReceiver.WebhookReceiver)
      const server = yield* NodeHttpServer.make(() => createServer(), {
        port: 0,
        host: "127.0.0.1",
      })
      const port = server.address._tag === "TcpAddress" ? server.address.port : 0
      yield* server.serve(HttpRouter.empty.pipe(HttpRouter.post("/hooks/vipps", receiver.handler)))
      const body = paymentBody()
      const status = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/hooks/vipps?till=7`, {
          method: "POST",
          headers: signedHeaders(body),
          body,
        }).then((response) => response.status),
      )
      // Signed with the previous secret: still accepted during the switch.
      expect(status).toBe(200)
      const missing = yield* Effect.flip(
        Layer.build(
          WebhookReceiver.layerConfig().pipe(
            Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map()))),
          ),
        ),
      )
      expect(missing._tag).not.toBe("InvalidInput")
      // A missing secret is named, and the explanation is not redacted away.
      const noSecret = yield* Effect.flip(
        Layer.build(
          WebhookReceiver.layerConfig().pipe(
            Layer.provide(
              Layer.setConfigProvider(
                ConfigProvider.fromMap(new Map([["VIPPS_MOBILEPAY_WEBHOOK_URL", registeredUrl]])),
              ),
            ),
          ),
        ),
      )
      expect(String(noSecret)).toContain("VIPPS_MOBILEPAY_WEBHOOK_SECRET")
      expect(String(noSecret)).not.toContain("<redacted>")
    }),
  )
})
