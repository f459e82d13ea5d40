import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Queue, TestClock } from "effect"
import { createHash, createHmac } from "node:crypto"
import { signDelivery } from "../src/internal/WebhookDelivery.js"
import { Sandbox, SeedData } from "../src/index.js"
import { field } from "./support/Http.js"
import { platformCaller, type PlatformCaller } from "./support/Platform.js"
import { eventually, startReceiver, type Received } from "./support/Receiver.js"

const { demoShopDk } = SeedData
const allPaymentEvents = [
  "created",
  "authorized",
  "aborted",
  "expired",
  "terminated",
  "captured",
  "cancelled",
  "refunded",
].map((name) => `epayments.payment.${name}.v1`)

/** Verifies a delivery as §9.5 says, independently of the sandbox's signer. */
const verify = (delivery: Received, secret: string, registeredUrl: string) => {
  const url = new URL(registeredUrl)
  const hash = createHash("sha256").update(delivery.body, "utf8").digest("base64")
  expect(delivery.headers["x-ms-content-sha256"]).toBe(hash)
  const date = delivery.headers["x-ms-date"] ?? ""
  const toSign = `POST\n${url.pathname}${url.search}\n${date};${url.host};${hash}`
  const signature = createHmac("sha256", secret).update(toSign).digest("base64")
  expect(delivery.headers["authorization"]).toBe(
    `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  )
  expect(delivery.headers["host"]).toBe(url.host)
}

const register = (shop: PlatformCaller, url: string, events: ReadonlyArray<string>) =>
  Effect.map(shop.call("POST", "/webhooks/v1/webhooks", { json: { url, events } }), (reply) =>
    String(field(reply, "secret")),
  )

const push = (shop: PlatformCaller, reference: string) =>
  shop.call("POST", "/epayment/v1/payments", {
    json: {
      amount: { currency: "DKK", value: 1000 },
      paymentMethod: { type: "WALLET" },
      reference,
      userFlow: "PUSH_MESSAGE",
      customer: { phoneNumber: "4512345601" },
      customerInteraction: "CUSTOMER_PRESENT",
    },
  })

const approve = (shop: PlatformCaller, reference: string) =>
  shop.call("POST", `/epayment/v1/test/payments/${reference}/approve`, {
    json: {},
    idempotencyKey: false,
  })

const nameOf = (delivery: Received) => String(JSON.parse(delivery.body).name)

/** Waits until the deliverer sleeps until `at` (its retry is scheduled). */
const sleepingUntil = (at: number) =>
  eventually(TestClock.sleeps(), (sleeps) => Chunk.some(sleeps, (s) => s === at))

describe("webhook signature (§9.5)", () => {
  it("reproduces the documented test vector", () => {
    const headers = signDelivery(
      "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==",
      new URL("https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63"),
      "Thu, 30 Mar 2023 08:38:32 GMT",
      '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}',
    )
    expect(headers["x-ms-content-sha256"]).toBe("lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=")
    expect(headers["authorization"]).toBe(
      "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=",
    )
  })
})

describe("webhook delivery", () => {
  it.scoped("delivers a payment's events in order, signed with the registration's secret", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const receiver = yield* startReceiver()
      const shop = yield* platformCaller(sandbox, demoShopDk)
      const url = `${receiver.url}/hook?till=1`
      const secret = yield* register(shop, url, allPaymentEvents)
      yield* push(shop, "hook-0001-1")
      yield* approve(shop, "hook-0001-1")
      yield* shop.call("POST", "/epayment/v1/payments/hook-0001-1/capture", {
        json: { modificationAmount: { currency: "DKK", value: 400 } },
      })
      const deliveries = yield* Effect.forEach([1, 2, 3], () => Queue.take(receiver.received))
      expect(deliveries.map(nameOf)).toEqual(["CREATED", "AUTHORIZED", "CAPTURED"])
      for (const delivery of deliveries) verify(delivery, secret, url)
      expect(JSON.parse(deliveries[2]?.body ?? "{}")).toMatchObject({
        msn: demoShopDk.msn,
        reference: "hook-0001-1",
        name: "CAPTURED",
        amount: { currency: "DKK", value: 400 },
        success: true,
        idempotencyKey: expect.any(String),
      })
    }),
  )

  it.scoped("retries a failing delivery with growing delays, holding back later events", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      // The first two deliveries fail.
      const receiver = yield* startReceiver((n) => (n < 2 ? 500 : 200))
      const shop = yield* platformCaller(sandbox, demoShopDk)
      yield* register(shop, `${receiver.url}/hook`, allPaymentEvents)
      yield* push(shop, "hook-0002-1")
      expect(nameOf(yield* Queue.take(receiver.received))).toBe("CREATED")
      yield* approve(shop, "hook-0002-1")
      yield* sleepingUntil(2_000)
      // AUTHORIZED waits behind the failing CREATED.
      expect(yield* Queue.size(receiver.received)).toBe(0)
      yield* TestClock.adjust(Duration.seconds(2))
      expect(nameOf(yield* Queue.take(receiver.received))).toBe("CREATED")
      yield* sleepingUntil(12_000)
      yield* TestClock.adjust(Duration.seconds(9))
      expect(yield* Queue.size(receiver.received)).toBe(0)
      yield* TestClock.adjust(Duration.seconds(1))
      const [created, authorized] = yield* Effect.forEach([1, 2], () =>
        Queue.take(receiver.received),
      )
      expect([created, authorized].map((d) => [d && nameOf(d), d?.status])).toEqual([
        ["CREATED", 200],
        ["AUTHORIZED", 200],
      ])
      const attempts = yield* sandbox.webhookAttempts
      expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, "retrying"],
        [2, "retrying"],
        [3, "delivered"],
        [1, "delivered"],
      ])
    }),
  )

  it.scoped("an unanswered payment expires on the Clock and the EXPIRED event is delivered", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const receiver = yield* startReceiver()
      const shop = yield* platformCaller(sandbox, demoShopDk)
      yield* register(shop, `${receiver.url}/hook`, ["epayments.payment.expired.v1"])
      yield* push(shop, "hook-0003-1")
      yield* sleepingUntil(10 * 60 * 1000)
      yield* TestClock.adjust(Duration.minutes(10))
      const expired = yield* Queue.take(receiver.received)
      expect(JSON.parse(expired.body)).toMatchObject({ name: "EXPIRED", reference: "hook-0003-1" })
    }),
  )

  it.scoped("faults: duplicates, lost deliveries, delays and reordering across payments", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const receiver = yield* startReceiver()
      const shop = yield* platformCaller(sandbox, demoShopDk)
      yield* register(shop, `${receiver.url}/hook`, ["epayments.payment.created.v1"])
      yield* sandbox.setWebhookFaults({ duplicate: 1 })
      yield* push(shop, "hook-0004-1")
      const twice = yield* Effect.forEach([1, 2], () => Queue.take(receiver.received))
      expect(twice[0]?.body).toBe(twice[1]?.body)
      yield* sandbox.setWebhookFaults({ lose: 1 })
      yield* push(shop, "hook-0004-2")
      yield* eventually(sandbox.webhookAttempts, (a) => a.some((x) => x.outcome === "lost"))
      expect(yield* Queue.size(receiver.received)).toBe(0)
      yield* sandbox.setWebhookFaults({ delayed: 1, delay: "30 seconds", reorder: true })
      yield* push(shop, "hook-0004-3")
      yield* push(shop, "hook-0004-4")
      yield* sleepingUntil(30_000)
      expect(yield* Queue.size(receiver.received)).toBe(0)
      yield* TestClock.adjust(Duration.seconds(30))
      const late = yield* Effect.forEach([1, 2], () => Queue.take(receiver.received))
      expect(late.map((d) => JSON.parse(d.body).reference)).toEqual(["hook-0004-4", "hook-0004-3"])
    }),
  )
})
