import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Option, Queue, Redacted, Scope } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import { certStoreId, createPos, initiate } from "./support/Flows.js"
import { field, posClient, userSimulation } from "./support/Http.js"
import { liveView, sendJson, text, view } from "./support/Page.js"
import { platformCaller } from "./support/Platform.js"
import { eventually, startReceiver } from "./support/Receiver.js"

const { demoShopDk, integratorA, selfCertificationMerchant } = SeedData
const [anna] = SeedData.platformUsers
const annaPhone = anna?.phoneNumber ?? ""

/** A PUSH_MESSAGE payment request to Anna from the Danish demo shop. */
const pushPayment = (sandbox: Sandbox.Sandbox.Service, reference: string, value = 12550) =>
  Effect.gen(function* () {
    const shop = yield* platformCaller(sandbox, demoShopDk)
    const reply = yield* shop.call("POST", "/epayment/v1/payments", {
      json: {
        amount: { currency: "DKK", value },
        paymentMethod: { type: "WALLET" },
        reference,
        userFlow: "PUSH_MESSAGE",
        customer: { phoneNumber: annaPhone },
        customerInteraction: "CUSTOMER_PRESENT",
      },
    })
    expect(reply.status, reply.text).toBe(201)
    return shop
  })

describe("the sandbox's page", () => {
  it.scoped("is not served unless asked for: the root and the view are unknown routes", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      expect(sandbox.pageUrl).toBeUndefined()
      expect((yield* text(`${sandbox.baseUrl}/`)).status).toBe(404)
      expect((yield* text(`${sandbox.baseUrl}/sandbox/v1/view`)).status).toBe(404)
    }),
  )

  it.scoped("is served at the root with its script and style, none of it logged", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ page: true })
      expect(sandbox.pageUrl).toBe(`${sandbox.baseUrl}/`)
      const html = yield* text(`${sandbox.baseUrl}/`)
      expect(html.status).toBe(200)
      expect(html.headers.get("content-type")).toMatch(/^text\/html/)
      expect(html.text).toContain('src="/sandbox/page/app.js"')
      const script = yield* text(`${sandbox.baseUrl}/sandbox/page/app.js`)
      expect(script.headers.get("content-type")).toMatch(/^text\/javascript/)
      expect(script.text).toContain("/sandbox/v1/view/events")
      const style = yield* text(`${sandbox.baseUrl}/sandbox/page/app.css`)
      expect(style.headers.get("content-type")).toMatch(/^text\/css/)
      yield* view(sandbox)
      expect(yield* sandbox.requests).toEqual([])
    }),
  )

  it.scoped("the phone's QR images: a user's personal QR and a till's V10 sticker", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ page: true })
      const personal = yield* text(`${sandbox.baseUrl}/sandbox/v1/personal-qr/${annaPhone}.svg`)
      expect(personal.headers.get("content-type")).toBe("image/svg+xml")
      expect(personal.text).toContain(`data-target="${anna?.personalQr}"`)
      const beacon = "216ee7b4-5ade-4415-a982-3d143ca0c0cd"
      const sticker = yield* text(`${sandbox.baseUrl}/sandbox/v1/beacon-qr/${beacon}.svg`)
      expect(sticker.text).toContain(`data-target="${beacon}"`)
      expect((yield* text(`${sandbox.baseUrl}/sandbox/v1/personal-qr/4500000000.svg`)).status).toBe(
        404,
      )
      expect((yield* text(`${sandbox.baseUrl}/sandbox/v1/beacon-qr/a%20b.svg`)).status).toBe(404)
    }),
  )

  it.scoped(
    "shows payments of both platforms with their states and the requests that made them",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make({ page: true })
        const pos = yield* posClient(sandbox, integratorA, selfCertificationMerchant.vat)
        const till = yield* createPos(pos)
        const initiated = yield* initiate(pos, till.posId, { amount: 125.5 })
        const paymentId = String(field(initiated, "paymentId"))
        yield* userSimulation(sandbox, "checkin", {
          beaconId: till.beaconId,
          phoneNumber: SeedData.testUsers[0]?.phoneNumber ?? "",
        })
        yield* pushPayment(sandbox, "page-view-1")

        const { view: current } = yield* view(sandbox)
        expect(current.v10.payments).toEqual([
          expect.objectContaining({ paymentId, status: "IssuedToUser" }),
        ])
        expect(current.platform.payments).toEqual([
          expect.objectContaining({ reference: "page-view-1", state: "CREATED" }),
        ])
        // Newest first.
        expect(current.requests[0]).toMatchObject({ method: "POST", path: "/epayment/v1/payments" })
        expect(current.requests.map((r) => r.path)).toContain("/pos/app/usersimulation/checkin")
        expect(certStoreId).not.toBe("")
      }),
  )

  it.scoped(
    "its data holds no secret: keys, client secrets, tokens and webhook secrets stay out",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make({ page: true })
        const receiver = yield* startReceiver()
        const pos = yield* posClient(sandbox, integratorA, selfCertificationMerchant.vat)
        yield* createPos(pos)
        const shop = yield* pushPayment(sandbox, "page-secret-1")
        const registered = yield* shop.call("POST", "/webhooks/v1/webhooks", {
          json: {
            url: `${receiver.url}/hooks`,
            events: ["epayments.payment.authorized.v1", "user.checked-in.v1"],
          },
        })
        const webhookSecret = String(field(registered, "secret"))
        yield* shop.call("PUT", "/qr/v1/merchant-callback/till-1", {
          json: { locationDescription: "Till 1" },
        })
        yield* sendJson(sandbox, "POST", "/sandbox/v1/customer/scan", {
          phoneNumber: annaPhone,
          qr: `https://qr.sandbox.test/c/${demoShopDk.msn}/till-1`,
        })
        yield* sendJson(sandbox, "POST", "/sandbox/v1/customer/approve", {
          phoneNumber: annaPhone,
          msn: demoShopDk.msn,
          reference: "page-secret-1",
        })
        // The check-in's and the authorization's deliveries, signed with the secret.
        yield* eventually(sandbox.webhookAttempts, (attempts) => attempts.length >= 2)
        const deliveries = yield* Queue.takeAll(receiver.received)
        const checkIn = Chunk.findFirst(deliveries, (d) => d.body.includes("customerToken"))
        const customerToken = Option.match(checkIn, {
          onNone: () => "",
          onSome: (d) => String(JSON.parse(d.body).customerToken),
        })

        const secrets = [
          webhookSecret,
          pos.token,
          shop.token,
          customerToken,
          Buffer.from(
            `${integratorA.clientId}:${Redacted.value(integratorA.clientSecret)}`,
          ).toString("base64"),
          ...SeedData.integratorClients.map((c) => Redacted.value(c.clientSecret)),
          ...SeedData.salesUnits.flatMap((u) => [
            Redacted.value(u.clientSecret),
            Redacted.value(u.subscriptionKey),
            Redacted.value(u.secondarySubscriptionKey),
          ]),
        ]
        expect(secrets.every((secret) => typeof secret === "string" && secret.length >= 16)).toBe(
          true,
        )
        // A credential in a query string is not shown either.
        yield* text(
          `${sandbox.baseUrl}/pos/v10/stores?client_secret=${encodeURIComponent(webhookSecret)}`,
        )
        const live = yield* liveView(sandbox)
        const data = [
          (yield* view(sandbox)).text,
          yield* live.next,
          (yield* text(`${sandbox.baseUrl}/sandbox/v1/faults`)).text,
          (yield* text(`${sandbox.baseUrl}/sandbox/v1/clock`)).text,
          (yield* text(`${sandbox.baseUrl}/`)).text,
          (yield* text(`${sandbox.baseUrl}/sandbox/page/app.js`)).text,
        ].join("\n")
        // What is shown is there: the requests that carried the secrets, the signed deliveries.
        expect(data).toContain("/accesstoken/get")
        expect(data).toContain("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256")
        expect(data).toContain("[redacted]")
        for (const secret of secrets) expect(data).not.toContain(secret)
        // Nor the signing key, in any of the forms it could be written.
        expect(data).not.toMatch(/PRIVATE KEY|"d":|"p":|"q":|"dp":|"dq":|"qi":/)
      }),
  )

  it.scoped("fault rules set there apply to the API's routes, are counted and cleared", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ page: true })
      const set = yield* sendJson(sandbox, "PUT", "/sandbox/v1/faults", {
        rules: ["GET /epayment/v1/payments/*=503x1"],
      })
      expect(set.status, set.text).toBe(200)
      const shop = yield* pushPayment(sandbox, "page-fault-1")
      expect((yield* shop.call("GET", "/epayment/v1/payments/page-fault-1")).status).toBe(503)
      expect((yield* shop.call("GET", "/epayment/v1/payments/page-fault-1")).status).toBe(200)

      const { view: after } = yield* view(sandbox)
      expect(after.faults).toEqual([
        { rule: "GET /epayment/v1/payments/*=503x1", fired: 1, exhausted: true },
      ])
      expect(after.requests.map((r) => r.fault)).toEqual([null, "Unavailable", null, null])

      const unreadable = yield* sendJson(sandbox, "PUT", "/sandbox/v1/faults", {
        rules: ["/x=500", "GET /y=teapot"],
      })
      expect(unreadable.status).toBe(400)
      expect(unreadable.text).toContain("rules.1")
      expect((yield* view(sandbox)).view.faults).toHaveLength(1)

      // One more, after the others: their counters go on.
      const added = yield* sendJson(sandbox, "POST", "/sandbox/v1/faults", { rule: "/x=401" })
      expect(added.status, added.text).toBe(201)
      expect((yield* view(sandbox)).view.faults).toEqual([
        { rule: "GET /epayment/v1/payments/*=503x1", fired: 1, exhausted: true },
        { rule: "/x=401", fired: 0, exhausted: false },
      ])
      expect((yield* sendJson(sandbox, "POST", "/sandbox/v1/faults", { rule: "/x" })).status).toBe(
        400,
      )

      expect((yield* sendJson(sandbox, "DELETE", "/sandbox/v1/faults")).status).toBe(204)
      expect((yield* view(sandbox)).view.faults).toEqual([])
    }),
  )

  it.scoped("moving the clock forward 10 minutes expires a request the customer ignored", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ page: true })
      yield* pushPayment(sandbox, "page-clock-1")
      const almost = yield* sendJson(sandbox, "POST", "/sandbox/v1/clock/advance", {
        seconds: 599,
      })
      expect(almost.status, almost.text).toBe(200)
      expect(JSON.parse(almost.text)).toMatchObject({ offsetMillis: 599_000 })
      expect((yield* view(sandbox)).view.platform.payments[0]?.state).toBe("CREATED")

      yield* sendJson(sandbox, "POST", "/sandbox/v1/clock/advance", { seconds: 1 })
      const { view: after } = yield* view(sandbox)
      expect(after.platform.payments[0]?.state).toBe("EXPIRED")
      expect(after.clockOffsetMillis).toBe(600_000)
      // The API sees the same time: the payment is expired there too.
      const shop = yield* platformCaller(sandbox, demoShopDk)
      const fromApi = yield* shop.call("GET", "/epayment/v1/payments/page-clock-1")
      expect(field(fromApi, "state")).toBe("EXPIRED")

      const backwards = yield* sendJson(sandbox, "POST", "/sandbox/v1/clock/advance", {
        seconds: -60,
      })
      expect(backwards.status).toBe(400)
    }),
  )

  it.live("the live view sends the view at once and again after each change", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ page: true })
      const live = yield* liveView(sandbox)
      expect(live.contentType).toMatch(/^text\/event-stream/)
      expect((yield* live.nextView).platform.payments).toEqual([])
      yield* pushPayment(sandbox, "page-live-1")
      const seen = yield* Effect.iterate(yield* live.nextView, {
        while: (current) => current.platform.payments.length === 0,
        body: () => live.nextView,
      })
      expect(seen.platform.payments[0]).toMatchObject({
        reference: "page-live-1",
        state: "CREATED",
      })
      yield* sandbox.setFaults([])
      yield* sendJson(sandbox, "PUT", "/sandbox/v1/faults", { rules: ["/x=503"] })
      const withRule = yield* Effect.iterate(yield* live.nextView, {
        while: (current) => current.faults.length === 0,
        body: () => live.nextView,
      })
      expect(withRule.faults[0]?.rule).toBe("/x=503")
    }).pipe(Effect.scoped),
  )

  it.live("a sandbox stops while a live view is open, and the view's stream ends", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const sandbox = yield* Scope.extend(Sandbox.make({ page: true }), scope)
      const live = yield* liveView(sandbox)
      yield* live.next
      yield* Scope.close(scope, Exit.void)
      const after = yield* Effect.either(
        Effect.iterate("", { while: () => true, body: () => live.next }),
      )
      expect(after._tag).toBe("Left")
    }).pipe(Effect.scoped),
  )
})
