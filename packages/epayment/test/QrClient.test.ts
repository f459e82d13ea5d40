import { QrClient } from "@effect-mobilepay/epayment"
import { Observe, TokenEndpoint, Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Fiber, Layer } from "effect"
import {
  apiServer,
  clientContext,
  setupClient,
  subscriptionKey,
  tokenSource,
  tokenValue,
} from "./support/VippsApi.js"

const qr = (merchantQrId: string) => ({
  merchantSerialNumber: "123456",
  merchantQrId,
  locationDescription: "Kasse 1",
  qrImageUrl: `https://qr.vipps.no/generate/qr.png?id=${merchantQrId}`,
  qrContent: "https://qr.vipps.no/28/2/01/031/12345",
})

const setup = (
  script: (index: number, request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply,
  options: Partial<QrClient.Options> = {},
) => setupClient(script, (base) => QrClient.make({ ...base, ...options }))

describe("QrClient", () => {
  it.scoped("putCallbackQr sends the description and category to the QR's own path", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup(() => TokenEndpoint.respond(200))
      yield* client.putCallbackQr("till 7 ø", {
        locationDescription: "Kasse 1",
        category: "VENDING",
      })
      yield* client.putCallbackQr("till-8", { locationDescription: "Kasse 2" })
      const [first, second] = yield* server.received
      expect([first?.method, first?.path]).toEqual([
        "PUT",
        "/qr/v1/merchant-callback/till%207%20%C3%B8",
      ])
      expect(JSON.parse(first?.body ?? "")).toEqual({
        locationDescription: "Kasse 1",
        category: "VENDING",
      })
      expect(first?.headers).toMatchObject({
        authorization: `Bearer ${tokenValue(1)}`,
        "ocp-apim-subscription-key": subscriptionKey,
        "merchant-serial-number": "123456",
        "vipps-system-name": "acme-pos",
        "vipps-system-plugin-version": "3.2.1",
      })
      expect(first?.headers["idempotency-key"]).toBeUndefined()
      expect(JSON.parse(second?.body ?? "")).toEqual({ locationDescription: "Kasse 2" })
    }),
  )

  it.scoped("getCallbackQr and listCallbackQrs ask for the image format and size", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup((index) =>
        index === 0
          ? TokenEndpoint.respond(200, { ...qr("till-7"), category: "IN_STORE", extra: true })
          : TokenEndpoint.respond(200, [qr("till-7"), qr("till-8")]),
      )
      const one = yield* client.getCallbackQr("till-7", { format: "PNG", size: 400 })
      expect([one.merchantQrId, one.qrImageUrl, one.locationDescription, one.category]).toEqual([
        "till-7",
        "https://qr.vipps.no/generate/qr.png?id=till-7",
        "Kasse 1",
        "IN_STORE",
      ])
      const all = yield* client.listCallbackQrs(
        { format: "SVG" },
        { merchantSerialNumber: "654321" },
      )
      expect(all.map((code) => code.merchantQrId)).toEqual(["till-7", "till-8"])
      const [get, list] = yield* server.received
      expect(get?.path).toBe("/qr/v1/merchant-callback/till-7?QrImageFormat=PNG&QrImageSize=400")
      expect(list?.path).toBe("/qr/v1/merchant-callback?QrImageFormat=SVG")
      expect(list?.headers["merchant-serial-number"]).toBe("654321")
    }),
  )

  it.scoped("deleteCallbackQr deletes; an unknown QR is CallbackQrNotFound", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup((index) =>
        index === 0
          ? TokenEndpoint.respond(200)
          : TokenEndpoint.respond(404, {
              title: "Not found",
              detail: "No such QR",
              instance: "abc",
            }),
      )
      yield* client.deleteCallbackQr("till-7")
      const error = yield* Effect.flip(client.deleteCallbackQr("till-7"))
      expect(error).toMatchObject({ _tag: "CallbackQrNotFound", merchantQrId: "till-7" })
      const missing = yield* Effect.flip(client.getCallbackQr("till-9"))
      expect(missing).toMatchObject({ _tag: "CallbackQrNotFound", merchantQrId: "till-9" })
      expect((yield* server.received).map((request) => request.method)).toEqual([
        "DELETE",
        "DELETE",
        "GET",
      ])
    }),
  )

  it.scoped("migrateBeacon maps a V10 beacon id with its PoS name", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup(() => TokenEndpoint.respond(200))
      yield* client.migrateBeacon("123456789012345", { locationDescription: "Kasse 1" })
      yield* client.migrateBeacon("0b5e1f0c-2b7e-4a70-9d3a-4e6f7a8b9c0d", {
        locationDescription: "Kiosk",
      })
      const received = yield* server.received
      expect(received.map((request) => [request.method, request.path, request.body])).toEqual([
        [
          "PUT",
          "/qr/v1/merchant-callback/mobilepay/123456789012345",
          '{"locationDescription":"Kasse 1"}',
        ],
        [
          "PUT",
          "/qr/v1/merchant-callback/mobilepay/0b5e1f0c-2b7e-4a70-9d3a-4e6f7a8b9c0d",
          '{"locationDescription":"Kiosk"}',
        ],
      ])
    }),
  )

  it.scoped("a 409 on the migration is BeaconConflict with the body's id", () =>
    Effect.gen(function* () {
      const { client } = yield* setup((index) =>
        index === 0
          ? TokenEndpoint.respond(409, { id: "3f1c2b9a-0000-4000-8000-000000000001" })
          : TokenEndpoint.respond(409, "conflict", { "content-type": "text/plain" }),
      )
      const withId = yield* Effect.flip(
        client.migrateBeacon("123456789012345", { locationDescription: "Kasse 1" }),
      )
      expect(withId).toMatchObject({
        _tag: "BeaconConflict",
        beaconId: "123456789012345",
        id: "3f1c2b9a-0000-4000-8000-000000000001",
      })
      const bare = yield* Effect.flip(
        client.migrateBeacon("123456789012345", { locationDescription: "Kasse 1" }),
      )
      expect(bare._tag === "BeaconConflict" && bare.id).toBeUndefined()
    }),
  )

  it.scoped("a QrErrorResponse is decoded with its invalidParams", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(() =>
        TokenEndpoint.respond(400, {
          type: "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1",
          title: "One or more validation errors occurred.",
          detail: "BadRequest",
          instance: "00-616e415f5af7584eb4d9369d0fe8d7cc-48b90041faff204c-00",
          invalidParams: [{ name: "LocationDescription", reason: "too long" }, "junk"],
        }),
      )
      const error = yield* Effect.flip(client.putCallbackQr("till-7", { locationDescription: "x" }))
      expect(error).toMatchObject({
        _tag: "QrRequestRejected",
        operation: "putCallbackQr",
        status: 400,
        title: "One or more validation errors occurred.",
        instance: "00-616e415f5af7584eb4d9369d0fe8d7cc-48b90041faff204c-00",
        invalidParams: [{ name: "LocationDescription", reason: "too long" }],
      })
    }),
  )

  it.scoped("refuses bad input before sending anything", () =>
    Effect.gen(function* () {
      const { client, server, source } = yield* setup(() => TokenEndpoint.respond(500))
      const refusals = [
        client.putCallbackQr("till-7", { locationDescription: "x".repeat(37) }),
        client.putCallbackQr("till-7", { locationDescription: "" }),
        client.putCallbackQr("../../webhooks", { locationDescription: "Kasse 1" }),
        client.putCallbackQr("", { locationDescription: "Kasse 1" }),
        client.getCallbackQr("till-7", { format: "PNG", size: 99 }),
        client.getCallbackQr("till-7", { format: "PNG", size: 2001 }),
        client.getCallbackQr("till-7", { size: 400 }),
        client.listCallbackQrs(undefined, { merchantSerialNumber: "12" }),
        client.migrateBeacon("12345678901234", { locationDescription: "Kasse 1" }),
        client.migrateBeacon("not-a-beacon", { locationDescription: "Kasse 1" }),
      ]
      for (const refused of refusals) {
        expect((yield* Effect.flip(refused))._tag).toBe("InvalidInput")
      }
      expect(yield* server.received).toEqual([])
      expect(yield* source.issued).toBe(0)
    }),
  )

  it.scoped("every call needs a sales unit, from the client or the call", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup(() => TokenEndpoint.respond(200, []), {
        merchantSerialNumber: undefined,
      })
      const error = yield* Effect.flip(client.listCallbackQrs())
      expect(error._tag === "InvalidInput" && error.field).toBe("merchantSerialNumber")
      expect(yield* client.listCallbackQrs(undefined, { merchantSerialNumber: "123456" })).toEqual(
        [],
      )
      expect((yield* server.received).length).toBe(1)
    }),
  )

  it.scoped("a PUT that met a 500 is retried (it is idempotent by its path)", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup((index) =>
        index === 0 ? TokenEndpoint.respond(500) : TokenEndpoint.respond(200),
      )
      const fiber = yield* Effect.fork(
        client.putCallbackQr("till-7", { locationDescription: "Kasse 1" }),
      )
      yield* Time.advanceToSleepAfter(yield* server.nextArrival, "1 second")
      yield* Fiber.join(fiber)
      const [first, second] = yield* server.received
      expect(second?.body).toBe(first?.body)
    }),
  )

  it.scoped("a 401 costs one new token and one more try, then QrUnauthorized", () =>
    Effect.gen(function* () {
      const { client, server, source } = yield* setup((index) =>
        index === 0 ? TokenEndpoint.respond(401) : TokenEndpoint.respond(200, qr("till-7")),
      )
      const code = yield* client.getCallbackQr("till-7")
      expect(code.merchantQrId).toBe("till-7")
      expect(yield* source.invalidated).toEqual([tokenValue(1)])
      const again = yield* setup(() => TokenEndpoint.respond(401))
      expect((yield* Effect.flip(again.client.getCallbackQr("till-7")))._tag).toBe("QrUnauthorized")
      expect((yield* again.server.received).length).toBe(2)
      expect((yield* server.received).length).toBe(2)
    }),
  )

  it.scoped("an answer that does not match the contract is MalformedQrResponse", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(() => TokenEndpoint.respond(200, [{ merchantQrId: 7 }]))
      const error = yield* Effect.flip(client.listCallbackQrs())
      expect(error._tag).toBe("MalformedQrResponse")
      expect(error._tag === "MalformedQrResponse" && error.reason).toContain("merchantQrId")
    }),
  )

  it.scoped("an echoing server gets neither the token nor the key into an error, log or span", () =>
    Effect.gen(function* () {
      const echo = (request: TokenEndpoint.ReceivedRequest) =>
        `${request.headers.authorization} ${request.headers["ocp-apim-subscription-key"]}`
      const { client } = yield* setup((_, request) =>
        TokenEndpoint.respond(403, {
          title: echo(request),
          detail: echo(request),
          instance: echo(request),
          invalidParams: [{ name: echo(request), reason: echo(request) }],
        }),
      )
      const [error, observed] = yield* Observe.observe(
        Effect.flip(client.getCallbackQr("till-7")).pipe(
          Effect.tap((e) => Effect.logError("get failed", e)),
        ),
      )
      const shown = `${String(error)} ${JSON.stringify(error)} ${observed.logLines.join("\n")} ${observed.spans.map((span) => span.attributes).join(" ")}`
      expect(shown).toContain("[redacted]")
      expect(shown).not.toContain(subscriptionKey)
      expect(shown).not.toContain(tokenValue(1))
    }),
  )

  it.scoped("layerConfig reads the base URL, key, MSN and system from VIPPS_MOBILEPAY_*", () =>
    Effect.gen(function* () {
      const server = yield* apiServer(() => TokenEndpoint.respond(200, []))
      const source = yield* tokenSource
      const config = ConfigProvider.fromMap(
        new Map([
          ["VIPPS_MOBILEPAY_BASE_URL", server.baseUrl],
          ["VIPPS_MOBILEPAY_SUBSCRIPTION_KEY", subscriptionKey],
          ["VIPPS_MOBILEPAY_MSN", "7654321"],
          ["VIPPS_MOBILEPAY_SYSTEM_NAME", "acme-pos"],
        ]),
      )
      const context = yield* Layer.build(
        QrClient.layerConfig().pipe(Layer.provide(Layer.setConfigProvider(config))),
      ).pipe(Effect.provide(yield* clientContext(source.tokens)))
      const client = Context.get(context, QrClient.QrClient)
      expect(yield* client.listCallbackQrs()).toEqual([])
      const [sent] = yield* server.received
      expect(sent?.headers).toMatchObject({
        "ocp-apim-subscription-key": subscriptionKey,
        "merchant-serial-number": "7654321",
        "vipps-system-name": "acme-pos",
      })
    }),
  )
})
