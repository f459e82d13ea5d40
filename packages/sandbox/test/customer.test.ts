import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import { field, json, send } from "./support/Http.js"
import { expectProblem, platformCaller } from "./support/Platform.js"
import { decodeQrPng, decodeQrSvg } from "./support/QrDecode.js"

const { demoShopDk } = SeedData
const [anna, bent] = SeedData.platformUsers

const payment = (reference: string, extra: Record<string, unknown>) => ({
  amount: { currency: "DKK", value: 4500 },
  paymentMethod: { type: "WALLET" },
  reference,
  customerInteraction: "CUSTOMER_PRESENT",
  ...extra,
})

const setup = Effect.gen(function* () {
  const sandbox = yield* Sandbox.make()
  const shop = yield* platformCaller(sandbox, demoShopDk)
  const customer = (action: string, body: unknown) =>
    send("POST", `${sandbox.customerUrl}/${action}`, { json: body })
  const requests = (query: string) => send("GET", `${sandbox.customerUrl}/requests?${query}`)
  const state = (reference: string) =>
    Effect.map(shop.call("GET", `/epayment/v1/payments/${reference}`), (r) => field(r, "state"))
  return { sandbox, shop, customer, requests, state }
})

describe("the simulated customer", () => {
  it.scoped("sees a request pushed to their phone number, and approves or rejects it", () =>
    Effect.gen(function* () {
      const { shop, customer, requests, state } = yield* setup
      const phoneNumber = anna?.phoneNumber ?? ""
      yield* shop.call("POST", "/epayment/v1/payments", {
        json: payment("till-1-0001", { userFlow: "PUSH_MESSAGE", customer: { phoneNumber } }),
      })
      yield* shop.call("POST", "/epayment/v1/payments", {
        json: payment("till-1-0002", { userFlow: "PUSH_MESSAGE", customer: { phoneNumber } }),
      })
      const pending = json(yield* requests(`phoneNumber=${phoneNumber}`))
      expect(pending).toMatchObject([
        { msn: demoShopDk.msn, reference: "till-1-0001", amount: { value: 4500 } },
        { reference: "till-1-0002" },
      ])
      expect(json(yield* requests(`phoneNumber=${bent?.phoneNumber ?? ""}`))).toEqual([])
      const approved = yield* customer("approve", {
        phoneNumber,
        msn: demoShopDk.msn,
        reference: "till-1-0001",
      })
      expect(field(approved, "state")).toBe("AUTHORIZED")
      expect(yield* state("till-1-0001")).toBe("AUTHORIZED")
      yield* customer("reject", { phoneNumber, msn: demoShopDk.msn, reference: "till-1-0002" })
      expect(yield* state("till-1-0002")).toBe("ABORTED")
      expect(json(yield* requests(`phoneNumber=${phoneNumber}`))).toEqual([])
      // Another customer cannot act on it; nor can it be approved twice.
      expectProblem(
        yield* customer("approve", {
          phoneNumber: bent?.phoneNumber,
          msn: demoShopDk.msn,
          reference: "till-1-0001",
        }),
        404,
      )
      expectProblem(
        yield* customer("approve", { phoneNumber, msn: demoShopDk.msn, reference: "till-1-0001" }),
        409,
      )
    }),
  )

  it.scoped("a request to a scanned personal QR reaches its owner; an ignored one expires", () =>
    Effect.gen(function* () {
      const { sandbox, shop, requests, state } = yield* setup
      const users = json(yield* send("GET", `${sandbox.customerUrl}/users`))
      expect(users).toContainEqual(expect.objectContaining({ personalQr: bent?.personalQr }))
      yield* shop.call("POST", "/epayment/v1/payments", {
        json: payment("till-2-0001", {
          userFlow: "PUSH_MESSAGE",
          customer: { personalQr: bent?.personalQr },
        }),
      })
      const byQr = yield* requests(`personalQr=${encodeURIComponent(bent?.personalQr ?? "")}`)
      expect(json(byQr)).toMatchObject([{ reference: "till-2-0001" }])
      // Ignored: after 10 minutes the request is gone and the payment EXPIRED.
      yield* TestClock.adjust(Duration.minutes(10))
      expect(json(yield* requests(`phoneNumber=${bent?.phoneNumber ?? ""}`))).toEqual([])
      expect(yield* state("till-2-0001")).toBe("EXPIRED")
    }),
  )

  it.scoped("a dynamic QR: the image shows its target; scanning it shows the request", () =>
    Effect.gen(function* () {
      const { shop, customer, state } = yield* setup
      const created = yield* shop.call("POST", "/epayment/v1/payments", {
        json: payment("screen-1-0001", { userFlow: "QR" }),
      })
      const imageUrl = String(field(created, "redirectUrl"))
      expect(imageUrl).toMatch(/\/sandbox\/v1\/qr\/[0-9a-f-]{36}\.svg$/)
      const image = yield* send("GET", imageUrl)
      expect(image.headers["content-type"]).toMatch(/image\/svg\+xml/)
      // A real QR code: a camera reads the landing page's URL from it.
      const target = decodeQrSvg(image.text) ?? ""
      expect(target).toMatch(/\/sandbox\/v1\/pay\?token=/)
      expect(/data-target="([^"]+)"/.exec(image.text)?.[1]).toBe(target)
      const scanned = yield* customer("scan", { phoneNumber: anna?.phoneNumber, qr: target })
      expect(json(scanned)).toMatchObject({ kind: "payment", reference: "screen-1-0001" })
      yield* customer("approve", {
        phoneNumber: anna?.phoneNumber,
        msn: demoShopDk.msn,
        reference: "screen-1-0001",
      })
      expect(yield* state("screen-1-0001")).toBe("AUTHORIZED")
      // TEXT/TARGETURL returns the URL to render; PNG a PNG of the asked size.
      const text = yield* shop.call("POST", "/epayment/v1/payments", {
        json: payment("screen-1-0002", {
          userFlow: "QR",
          qrFormat: { format: "TEXT/TARGETURL" },
        }),
      })
      expect(String(field(text, "redirectUrl"))).toMatch(/\/sandbox\/v1\/pay\?token=/)
      const png = yield* shop.call("POST", "/epayment/v1/payments", {
        json: payment("screen-1-0003", {
          userFlow: "QR",
          qrFormat: { format: "IMAGE/PNG", size: 200 },
        }),
      })
      const pngImage = yield* Effect.promise(() =>
        fetch(String(field(png, "redirectUrl"))).then((r) => r.arrayBuffer()),
      )
      const bytes = Buffer.from(pngImage)
      expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG")
      expect(bytes.readUInt32BE(16)).toBe(200)
      const pngTarget = decodeQrPng(bytes) ?? ""
      expect(pngTarget).toMatch(/\/sandbox\/v1\/pay\?token=/)
      expect(bytes.toString("latin1")).toContain(`Target\0${pngTarget}`)
      // The landing page a WEB_REDIRECT would open names the payment.
      const landing = yield* send("GET", String(field(text, "redirectUrl")))
      expect(landing.text).toContain("screen-1-0002")
    }),
  )
})
