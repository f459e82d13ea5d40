/**
 * The QR API's merchant callback QRs (`/qr/v1/merchant-callback`, epayment.md §10.1): create
 * or update, get one, list (with `QrImageFormat`/`QrImageSize`), delete, and the V10 beacon
 * migration; its own error shape (`QrErrorResponse`). A scan of a sticker (by the simulated
 * customer) hands out a 15-minute `customerToken` in a `user.checked-in.v1` event. The
 * exchanges (§10.2) turn a personal QR or a `customerToken` into the phone number.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Chunk, Effect, Either, HashMap, Option, Schema } from "effect"
import { createHash } from "node:crypto"
import { authorizePlatform } from "./AccessToken.js"
import { baseUrlOf } from "./EPaymentApi.js"
import {
  Incoming,
  invalidField,
  NotFound,
  Problem,
  QrProblem,
  respondJson,
  type Refusal,
} from "./Http.js"
import { isBeaconId } from "./Input.js"
import { customerTokenLifetime, type CallbackQr, type PlatformState } from "./Platform.js"
import type { PlatformOperation } from "./PlatformApi.js"
import { decodePlatform, platformJson, platformJsonBody } from "./PlatformInput.js"
import { qrPng, qrSvg } from "./QrImage.js"
import type { State } from "./State.js"
import { platformUserByPersonalQr, transact, type World } from "./World.js"
import { checkedInEvent } from "./WebhooksApi.js"

export const qrBasePath = "/qr/v1"
const stickerImagePath = "/sandbox/v1/callback-qr"
/** The host the sandbox's QR contents name (never resolved: a scan is a sandbox call). */
const contentHost = "https://qr.sandbox.test"

/** A scanned sticker: a callback QR of an MSN, or a migrated V10 beacon. */
export type Sticker =
  | { readonly _tag: "CallbackQr"; readonly msn: string; readonly merchantQrId: string }
  | { readonly _tag: "Beacon"; readonly beaconId: string }

export const callbackQrContent = (qr: CallbackQr): string =>
  qr.beacon
    ? `${contentHost}/mobilepay/${qr.merchantQrId}`
    : `${contentHost}/c/${qr.msn}/${encodeURIComponent(qr.merchantQrId)}`

/** Reads the text of a scanned sticker, or `undefined` when it is not one. */
export const parseCallbackQrContent = (text: string): Sticker | undefined => {
  const callback = /^https:\/\/qr\.sandbox\.test\/c\/(\d{4,10})\/([^/?#]+)$/.exec(text)
  if (callback?.[1] !== undefined && callback[2] !== undefined) {
    const merchantQrId = Either.getOrUndefined(
      Either.try(() => decodeURIComponent(callback[2] ?? "")),
    )
    return merchantQrId === undefined
      ? undefined
      : { _tag: "CallbackQr", msn: callback[1], merchantQrId }
  }
  const beacon = /^https:\/\/qr\.sandbox\.test\/mobilepay\/([^/?#]+)$/.exec(text)
  return beacon?.[1] !== undefined ? { _tag: "Beacon", beaconId: beacon[1] } : undefined
}

const qrKey = (msn: string, merchantQrId: string) => `${msn}|${merchantQrId}`

const callbackQrOf = (platform: PlatformState, msn: string, merchantQrId: string) =>
  Option.getOrUndefined(HashMap.get(platform.callbackQrs, qrKey(msn, merchantQrId)))

const invalidParam = (name: string, reason: string) =>
  new QrProblem({
    status: 400,
    title: "One or more validation errors occurred.",
    detail: "BadRequest",
    invalidParams: [{ name, reason }],
  })

const qrNotFound = () =>
  new QrProblem({ status: 404, title: "Not Found", detail: "No such merchant callback QR" })

// The file does not bound merchantQrId; the sandbox takes 1 to 128 URL-safe characters.
const isMerchantQrId = (text: string): boolean => /^[A-Za-z0-9._~-]{1,128}$/.test(text)

const PutBody = Schema.Struct({
  locationDescription: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(36)),
  category: Schema.optional(Schema.Literal("IN_STORE", "VENDING")),
})
const BeaconBody = Schema.Struct({
  locationDescription: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(36)),
})

/** The body, decoded with the QR API's error shape. */
const qrBody = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.flatMap(
    Effect.catchAll(platformJson, () => Effect.fail(invalidParam("body", "is not valid JSON"))),
    (raw) =>
      Either.mapLeft(decodePlatform(schema, raw ?? undefined), (problem: Problem) =>
        invalidParam(
          problem.extraDetails?.[0]?.name ?? "body",
          problem.extraDetails?.[0]?.reason ?? problem.detail,
        ),
      ),
  )

/** `QrImageFormat`/`QrImageSize`, in the file's Pascal case or the docs' camel case. */
const imageOptions = Effect.flatMap(Incoming, (request) => {
  const format = request.query["QrImageFormat"] ?? request.query["qrImageFormat"] ?? "SVG"
  const sizeText = request.query["QrImageSize"] ?? request.query["qrImageSize"]
  if (format !== "SVG" && format !== "PNG") {
    return Effect.fail(invalidParam("QrImageFormat", "must be PNG or SVG"))
  }
  const size = sizeText === undefined ? 1024 : Number(sizeText)
  if (!Number.isInteger(size) || size < 100 || size > 2000) {
    return Effect.fail(invalidParam("QrImageSize", "must be 100 to 2000"))
  }
  if (sizeText !== undefined && format !== "PNG") {
    return Effect.fail(invalidParam("QrImageSize", "is only used with PNG"))
  }
  return Effect.succeed({ format, size, base: baseUrlOf(request) })
})

const qrView = (
  qr: CallbackQr,
  image: { readonly format: string; readonly size: number; readonly base: string },
) => ({
  merchantSerialNumber: qr.msn,
  merchantQrId: qr.merchantQrId,
  locationDescription: qr.locationDescription,
  qrImageUrl:
    `${image.base}${stickerImagePath}/${qr.msn}/${encodeURIComponent(qr.merchantQrId)}.` +
    (image.format === "PNG" ? `png?size=${image.size}` : "svg"),
  qrContent: callbackQrContent(qr),
})

const withCallbackQr = (state: State, qr: CallbackQr): State => {
  const key = qrKey(qr.msn, qr.merchantQrId)
  const isNew = !HashMap.has(state.platform.callbackQrs, key)
  return {
    ...state,
    platform: {
      ...state.platform,
      callbackQrs: HashMap.set(state.platform.callbackQrs, key, qr),
      callbackQrOrder: isNew
        ? Chunk.append(state.platform.callbackQrOrder, key)
        : state.platform.callbackQrOrder,
      beacons: qr.beacon
        ? HashMap.set(state.platform.beacons, qr.merchantQrId.toLowerCase(), qr.msn)
        : state.platform.beacons,
    },
  }
}

const pathParam = (name: string) => Effect.map(HttpRouter.params, (params) => params[name] ?? "")

const put = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, true)
    const merchantQrId = yield* pathParam("merchantQrId")
    if (!isMerchantQrId(merchantQrId)) {
      return yield* invalidParam("merchantQrId", "must be 1 to 128 URL-safe characters")
    }
    const body = yield* qrBody(PutBody)
    yield* transact(world, (state) => {
      const existing = callbackQrOf(state.platform, caller.msn, merchantQrId)
      if (existing?.beacon === true) {
        return Either.left(invalidParam("merchantQrId", "is a migrated MobilePay beacon"))
      }
      // A repeat PUT changes the description (and category), never the code.
      return Either.right([
        undefined,
        withCallbackQr(state, {
          msn: caller.msn,
          merchantQrId,
          locationDescription: body.locationDescription,
          category: body.category ?? existing?.category ?? "IN_STORE",
          beacon: false,
        }),
      ] as const)
    })
    return HttpServerResponse.empty({ status: 200 })
  })

const putBeacon = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, true)
    const beaconId = yield* pathParam("beaconId")
    if (!isBeaconId(beaconId)) {
      return yield* invalidParam("beaconId", "must be a GUID or 15 digits")
    }
    const body = yield* qrBody(BeaconBody)
    const conflict = yield* transact(world, (state) => {
      const mappedTo = Option.getOrUndefined(
        HashMap.get(state.platform.beacons, beaconId.toLowerCase()),
      )
      // The meaning of 409 is undocumented (open question on the QR migration 409): the
      // sandbox answers it when the beacon is mapped to another MSN.
      if (mappedTo !== undefined && mappedTo !== caller.msn) {
        return Either.right([true, state] as const)
      }
      return Either.right([
        false,
        withCallbackQr(state, {
          msn: caller.msn,
          merchantQrId: beaconId,
          locationDescription: body.locationDescription,
          category: "IN_STORE",
          beacon: true,
        }),
      ] as const)
    })
    return conflict ? respondJson({ id: beaconId }, 409) : HttpServerResponse.empty({ status: 200 })
  })

const getOne = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, true)
    const merchantQrId = yield* pathParam("merchantQrId")
    const image = yield* imageOptions
    const qr = yield* transact(world, (state) => {
      const found = callbackQrOf(state.platform, caller.msn, merchantQrId)
      return found === undefined ? Either.left(qrNotFound()) : Either.right([found, state] as const)
    })
    return respondJson(qrView(qr, image))
  })

const list = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, true)
    const image = yield* imageOptions
    const all = yield* transact(world, (state) =>
      Either.right([
        Chunk.toReadonlyArray(state.platform.callbackQrOrder).flatMap((key) =>
          Option.toArray(HashMap.get(state.platform.callbackQrs, key)).filter(
            (qr) => qr.msn === caller.msn,
          ),
        ),
        state,
      ] as const),
    )
    return respondJson(all.map((qr) => qrView(qr, image)))
  })

const remove = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, true)
    const merchantQrId = yield* pathParam("merchantQrId")
    yield* transact(world, (state) => {
      const key = qrKey(caller.msn, merchantQrId)
      const found = callbackQrOf(state.platform, caller.msn, merchantQrId)
      if (found === undefined) return Either.left(qrNotFound())
      return Either.right([
        undefined,
        {
          ...state,
          platform: {
            ...state.platform,
            callbackQrs: HashMap.remove(state.platform.callbackQrs, key),
            callbackQrOrder: Chunk.filter(state.platform.callbackQrOrder, (k) => k !== key),
            beacons: found.beacon
              ? HashMap.remove(state.platform.beacons, merchantQrId.toLowerCase())
              : state.platform.beacons,
          },
        },
      ] as const)
    })
    return HttpServerResponse.empty({ status: 200 })
  })

/** The sticker's image (a real QR code, see `QrImage`): no credentials, as the real links. */
const stickerImage = (world: World) =>
  Effect.gen(function* () {
    const request = yield* Incoming
    const msn = yield* pathParam("msn")
    const file = yield* pathParam("file")
    const match = /^(.+)\.(svg|png)$/.exec(file)
    const qr = yield* transact(world, (state) => {
      const found =
        match?.[1] === undefined ? undefined : callbackQrOf(state.platform, msn, match[1])
      return found === undefined
        ? Either.left(new NotFound({ what: "QR image" }))
        : Either.right([found, state] as const)
    })
    if (match?.[2] === "svg") {
      return HttpServerResponse.text(qrSvg(callbackQrContent(qr)), { contentType: "image/svg+xml" })
    }
    const size = Number(request.query["size"] ?? "1024")
    return HttpServerResponse.uint8Array(
      qrPng(
        callbackQrContent(qr),
        Number.isInteger(size) && size >= 100 && size <= 2000 ? size : 1024,
      ),
      { contentType: "image/png" },
    )
  })

// .NET's 7 fractional digits, as `initiatedAt` arrives.
const sevenDigits = (millis: number): string => new Date(millis).toISOString().replace("Z", "0000Z")

/**
 * A customer scans a sticker: with a `user.checked-in.v1` registration for its MSN, a
 * `customerToken` valid 15 minutes is made and the event queued; without one the app says
 * "Can't connect to store" (409 here) and nothing happens.
 */
export const checkIn = (world: World, sticker: Sticker, phoneNumber: string) =>
  transact(
    world,
    (
      state,
      now,
    ): Either.Either<
      readonly [{ readonly msn: string; readonly merchantQrId: string }, State],
      Refusal
    > => {
      const msn =
        sticker._tag === "CallbackQr"
          ? sticker.msn
          : Option.getOrUndefined(
              HashMap.get(state.platform.beacons, sticker.beaconId.toLowerCase()),
            )
      const merchantQrId = sticker._tag === "CallbackQr" ? sticker.merchantQrId : sticker.beaconId
      const qr = msn === undefined ? undefined : callbackQrOf(state.platform, msn, merchantQrId)
      if (qr === undefined || msn === undefined) {
        return Either.left(new NotFound({ what: "callback QR" }))
      }
      const registered = HashMap.some(
        state.platform.webhooks,
        (r) => r.msn === msn && r.events.includes(checkedInEvent),
      )
      if (!registered) {
        return Either.left(
          new Problem({
            status: 409,
            title: "Can't connect to store",
            detail: `No ${checkedInEvent} webhook is registered for MSN ${msn}`,
          }),
        )
      }
      const customerToken = createHash("sha256")
        .update(`${world.seed}:customer-token:${state.counter}`)
        .digest("base64")
      const initiatedAt = sevenDigits(now)
      return Either.right([
        { msn, merchantQrId: qr.merchantQrId },
        {
          ...state,
          counter: state.counter + 1,
          platform: {
            ...state.platform,
            customerTokens: HashMap.set(state.platform.customerTokens, customerToken, {
              phoneNumber,
              msn,
              merchantQrId: qr.merchantQrId,
              expiresAt: now + customerTokenLifetime,
            }),
            outbox: Chunk.append(state.platform.outbox, {
              msn,
              eventType: checkedInEvent,
              orderKey: `checkin|${msn}|${qr.merchantQrId}`,
              payload: { customerToken, merchantQrId: qr.merchantQrId, msn, initiatedAt },
            }),
          },
        },
      ] as const)
    },
  )

const RequestedData = Schema.Array(Schema.Literal("MSISDN"))
const ExchangeBody = Schema.Struct({
  qrCode: Schema.String,
  requestedData: Schema.optional(RequestedData),
})
const CustomerExchangeBody = Schema.Struct({
  customer: Schema.Struct({ customerToken: Schema.String }),
  requestedData: RequestedData,
})

/**
 * `POST /qr/v1/exchange` (§10.2): a scanned personal QR for the customer's phone number.
 * The sandbox's personal QRs are of the old format: `version` "1.0", no `timestamp`.
 * Errors are `{title, status, detail, extraDetails}` (the RFC 7807 problem carries those).
 */
const exchange = (world: World) =>
  Effect.gen(function* () {
    yield* authorizePlatform(world, true)
    const body = yield* platformJsonBody(ExchangeBody)
    const user = platformUserByPersonalQr(world, body.qrCode)
    if (user === undefined) {
      return yield* invalidField("qrCode", "is not a personal QR code of a customer")
    }
    return respondJson({ msisdn: user.phoneNumber, version: "1.0" })
  })

/**
 * `POST /qr/v1/exchange/customer`: a check-in's `customerToken` for the phone number, while
 * the token is valid (15 minutes, not yet used for a payment) and of the caller's MSN;
 * `timestamp` is the check-in's time in seconds. Exchanging does not use the token up.
 */
const exchangeCustomer = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, true)
    const body = yield* platformJsonBody(CustomerExchangeBody)
    const checkIn = yield* transact(world, (state, now) => {
      const found = Option.getOrUndefined(
        HashMap.get(state.platform.customerTokens, body.customer.customerToken),
      )
      return found === undefined || found.expiresAt <= now || found.msn !== caller.msn
        ? Either.left(invalidField("customer", "customerToken is unknown, used or expired"))
        : Either.right([found, state] as const)
    })
    return respondJson({
      msisdn: checkIn.phoneNumber,
      timestamp: Math.floor((checkIn.expiresAt - customerTokenLifetime) / 1000),
    })
  })

export const qrOperations = (world: World): ReadonlyArray<PlatformOperation> => [
  ["POST", `${qrBasePath}/exchange`, exchange(world)],
  ["POST", `${qrBasePath}/exchange/customer`, exchangeCustomer(world)],
  ["GET", `${qrBasePath}/merchant-callback`, list(world)],
  ["PUT", `${qrBasePath}/merchant-callback/mobilepay/:beaconId`, putBeacon(world)],
  ["GET", `${qrBasePath}/merchant-callback/:merchantQrId`, getOne(world)],
  ["PUT", `${qrBasePath}/merchant-callback/:merchantQrId`, put(world)],
  ["DELETE", `${qrBasePath}/merchant-callback/:merchantQrId`, remove(world)],
  ["GET", `${stickerImagePath}/:msn/:file`, stickerImage(world)],
]
