import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Queue, TestClock } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import { field, json, send, type Reply } from "./support/Http.js"
import { expectProblem, platformCaller, type PlatformCaller } from "./support/Platform.js"
import { decodeQrPng, decodeQrSvg } from "./support/QrDecode.js"
import { startReceiver } from "./support/Receiver.js"

const { demoShopDk, demoShopFi } = SeedData
const [anna] = SeedData.platformUsers
const beaconId = "1c1a5d2e-7f0b-4c47-9a8e-2f3b4c5d6e7f"

const expectQrError = (reply: Reply, status: number, param?: string) => {
  expect(reply.status).toBe(status)
  expect(json(reply)).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
    instance: expect.any(String),
  })
  if (param !== undefined) {
    expect(field(reply, "invalidParams")).toEqual([{ name: param, reason: expect.any(String) }])
  }
}

const put = (shop: PlatformCaller, id: string, body: unknown) =>
  shop.call("PUT", `/qr/v1/merchant-callback/${id}`, { json: body })

describe("QR API: merchant callback QRs", () => {
  it.scoped("create or update, get (SVG or PNG), list and delete, per MSN", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const dk = yield* platformCaller(sandbox, demoShopDk)
      const fi = yield* platformCaller(sandbox, demoShopFi)
      const created = yield* put(dk, "till-1", { locationDescription: "Kasse 1" })
      expect([created.status, created.text]).toEqual([200, ""])
      yield* put(dk, "till-1", { locationDescription: "Kasse 1 (ved døren)" })
      yield* put(dk, "till-2", { locationDescription: "Kasse 2", category: "VENDING" })
      const one = yield* dk.call("GET", "/qr/v1/merchant-callback/till-1")
      expect(json(one)).toEqual({
        merchantSerialNumber: demoShopDk.msn,
        merchantQrId: "till-1",
        locationDescription: "Kasse 1 (ved døren)",
        qrImageUrl: expect.stringMatching(/\.svg$/),
        qrContent: expect.any(String),
      })
      const svg = yield* send("GET", String(field(one, "qrImageUrl")))
      expect(decodeQrSvg(svg.text)).toBe(field(one, "qrContent"))
      const png = yield* dk.call(
        "GET",
        "/qr/v1/merchant-callback/till-1?QrImageFormat=PNG&QrImageSize=300",
      )
      expect(String(field(png, "qrImageUrl"))).toMatch(/\.png\?size=300$/)
      const pngBytes = yield* Effect.promise(() =>
        fetch(String(field(png, "qrImageUrl"))).then((r) => r.arrayBuffer()),
      )
      expect(decodeQrPng(Buffer.from(pngBytes))).toBe(field(one, "qrContent"))
      const listed = yield* dk.call("GET", "/qr/v1/merchant-callback?qrImageFormat=SVG")
      expect((json(listed) as ReadonlyArray<unknown>).length).toBe(2)
      expect(json(yield* fi.call("GET", "/qr/v1/merchant-callback"))).toEqual([])
      expectQrError(yield* fi.call("GET", "/qr/v1/merchant-callback/till-1"), 404)
      expect((yield* dk.call("DELETE", "/qr/v1/merchant-callback/till-1")).status).toBe(200)
      expectQrError(yield* dk.call("GET", "/qr/v1/merchant-callback/till-1"), 404)
      expectQrError(yield* dk.call("DELETE", "/qr/v1/merchant-callback/till-1"), 404)
    }),
  )

  it.scoped("refuses bad input in the QR API's own error shape", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const dk = yield* platformCaller(sandbox, demoShopDk)
      expectQrError(
        yield* put(dk, "till-1", { locationDescription: "x".repeat(37) }),
        400,
        "locationDescription",
      )
      expectQrError(
        yield* put(dk, "till-1", { locationDescription: "Kasse", colour: "red" }),
        400,
        "colour",
      )
      expectQrError(yield* put(dk, "till-1", {}), 400, "locationDescription")
      expectQrError(
        yield* dk.call("GET", "/qr/v1/merchant-callback?QrImageFormat=GIF"),
        400,
        "QrImageFormat",
      )
      expectQrError(
        yield* dk.call("GET", "/qr/v1/merchant-callback?QrImageFormat=PNG&QrImageSize=50"),
        400,
        "QrImageSize",
      )
      const noMsn = yield* dk.call("GET", "/qr/v1/merchant-callback", {
        headers: { "merchant-serial-number": "" },
      })
      expect(noMsn.status).toBe(400)
    }),
  )

  it.scoped("migrates a V10 beacon to an MSN; another MSN gets 409 {id}", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const dk = yield* platformCaller(sandbox, demoShopDk)
      const fi = yield* platformCaller(sandbox, demoShopFi)
      const path = `/qr/v1/merchant-callback/mobilepay/${beaconId}`
      const body = { json: { locationDescription: "Old till" } }
      expect((yield* dk.call("PUT", path, body)).status).toBe(200)
      expect((yield* dk.call("PUT", path, body)).status).toBe(200)
      const taken = yield* fi.call("PUT", path, body)
      expect([taken.status, json(taken)]).toEqual([409, { id: beaconId }])
      expectQrError(
        yield* dk.call("PUT", "/qr/v1/merchant-callback/mobilepay/not-a-beacon", body),
        400,
        "beaconId",
      )
      const migrated = yield* dk.call("GET", `/qr/v1/merchant-callback/${beaconId}`)
      expect(json(migrated)).toMatchObject({
        merchantQrId: beaconId,
        locationDescription: "Old till",
      })
    }),
  )
})

describe("callback-QR check-in (§11 flow 4)", () => {
  it.scoped(
    "a scan delivers user.checked-in.v1; a create with its customerToken pushes to that customer",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make()
        const receiver = yield* startReceiver()
        const dk = yield* platformCaller(sandbox, demoShopDk)
        yield* put(dk, "till-7", { locationDescription: "Kasse 7" })
        const qrContent = String(
          field(yield* dk.call("GET", "/qr/v1/merchant-callback/till-7"), "qrContent"),
        )
        const scan = (qr: string) =>
          send("POST", `${sandbox.customerUrl}/scan`, {
            json: { phoneNumber: anna?.phoneNumber, qr },
          })
        // No user.checked-in.v1 registration: "Can't connect to store".
        expectProblem(yield* scan(qrContent), 409)
        yield* dk.call("POST", "/webhooks/v1/webhooks", {
          json: { url: `${receiver.url}/checkin`, events: ["user.checked-in.v1"] },
        })
        expect(json(yield* scan(qrContent))).toEqual({
          kind: "check-in",
          msn: demoShopDk.msn,
          merchantQrId: "till-7",
        })
        const event = JSON.parse((yield* Queue.take(receiver.received)).body)
        expect(event).toEqual({
          customerToken: expect.any(String),
          merchantQrId: "till-7",
          msn: demoShopDk.msn,
          initiatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/),
        })
        const create = (reference: string, customerToken: string) =>
          dk.call("POST", "/epayment/v1/payments", {
            json: {
              amount: { currency: "DKK", value: 2500 },
              paymentMethod: { type: "WALLET" },
              reference,
              userFlow: "PUSH_MESSAGE",
              customer: { customerToken },
              customerInteraction: "CUSTOMER_PRESENT",
            },
          })
        expect((yield* create("till-7-0001", event.customerToken)).status).toBe(201)
        const pending = yield* send(
          "GET",
          `${sandbox.customerUrl}/requests?phoneNumber=${anna?.phoneNumber}`,
        )
        expect(json(pending)).toMatchObject([{ reference: "till-7-0001", amount: { value: 2500 } }])
        // A token is used once.
        expectProblem(yield* create("till-7-0002", event.customerToken), 400, "4050")
        // And is valid 15 minutes.
        yield* scan(qrContent)
        const second = JSON.parse((yield* Queue.take(receiver.received)).body)
        yield* TestClock.adjust(Duration.minutes(15))
        expectProblem(yield* create("till-7-0003", second.customerToken), 400, "4050")
      }),
  )

  it.scoped("a migrated beacon's sticker checks in with merchantQrId = beaconId", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const receiver = yield* startReceiver()
      const dk = yield* platformCaller(sandbox, demoShopDk)
      yield* dk.call("PUT", `/qr/v1/merchant-callback/mobilepay/${beaconId}`, {
        json: { locationDescription: "Old till" },
      })
      yield* dk.call("POST", "/webhooks/v1/webhooks", {
        json: { url: `${receiver.url}/checkin`, events: ["user.checked-in.v1"] },
      })
      const qrContent = String(
        field(yield* dk.call("GET", `/qr/v1/merchant-callback/${beaconId}`), "qrContent"),
      )
      yield* send("POST", `${sandbox.customerUrl}/scan`, {
        json: { phoneNumber: anna?.phoneNumber, qr: qrContent },
      })
      const event = JSON.parse((yield* Queue.take(receiver.received)).body)
      expect(event).toMatchObject({ merchantQrId: beaconId, msn: demoShopDk.msn })
    }),
  )
})

describe("QR API: exchanges", () => {
  it.scoped("a scanned personal QR, or a check-in's customerToken, for the phone number", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const receiver = yield* startReceiver()
      const dk = yield* platformCaller(sandbox, demoShopDk)
      const fi = yield* platformCaller(sandbox, demoShopFi)
      const exchanged = yield* dk.call("POST", "/qr/v1/exchange", {
        json: { qrCode: anna?.personalQr, requestedData: ["MSISDN"] },
      })
      expect([exchanged.status, json(exchanged)]).toEqual([
        200,
        { msisdn: anna?.phoneNumber, version: "1.0" },
      ])
      const unknown = yield* dk.call("POST", "/qr/v1/exchange", {
        json: { qrCode: "https://qr.sandbox.test/p/MPDK-0000000000000000" },
      })
      expect(unknown.status).toBe(400)
      expect(field(unknown, "extraDetails")).toEqual([
        { name: "qrCode", reason: expect.any(String) },
      ])
      expect(
        (yield* dk.call("POST", "/qr/v1/exchange", {
          json: { qrCode: anna?.personalQr, requestedData: ["EMAIL"] },
        })).status,
      ).toBe(400)
      yield* put(dk, "till-9", { locationDescription: "Kasse 9" })
      yield* dk.call("POST", "/webhooks/v1/webhooks", {
        json: { url: `${receiver.url}/checkin`, events: ["user.checked-in.v1"] },
      })
      const qrContent = String(
        field(yield* dk.call("GET", "/qr/v1/merchant-callback/till-9"), "qrContent"),
      )
      yield* send("POST", `${sandbox.customerUrl}/scan`, {
        json: { phoneNumber: anna?.phoneNumber, qr: qrContent },
      })
      const { customerToken, initiatedAt } = JSON.parse((yield* Queue.take(receiver.received)).body)
      const byToken = (caller: PlatformCaller) =>
        caller.call("POST", "/qr/v1/exchange/customer", {
          json: { customer: { customerToken }, requestedData: ["MSISDN"] },
        })
      expect(json(yield* byToken(dk))).toEqual({
        msisdn: anna?.phoneNumber,
        timestamp: Math.floor(Date.parse(initiatedAt) / 1000),
      })
      // Another sales unit's check-in is not this one's to exchange; an expired token neither.
      expect((yield* byToken(fi)).status).toBe(400)
      yield* TestClock.adjust(Duration.minutes(15))
      expect((yield* byToken(dk)).status).toBe(400)
    }),
  )
})
