/**
 * The sandbox-only simulated customer of the platform: what a MobilePay app user does with a
 * payment request (approve, reject, or ignore it: then it expires after 10 minutes), scanning a
 * dynamic QR or a callback-QR sticker, and the personal QR a till scans. No credentials: it
 * plays the customer's phone, not a merchant. The QR images and landing page that ePayment's
 * `redirectUrl` points to are served here too.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Chunk, Effect, Either, HashMap, Option, Schema } from "effect"
import type { PlatformUser } from "../SeedData.js"
import { abort, approve, baseUrlOf } from "./EPaymentApi.js"
import { Incoming, invalidField, NotFound, Problem, respondJson, type Refusal } from "./Http.js"
import type { State } from "./State.js"
import { ePaymentOf, paymentKey, type EPayment, type PlatformState } from "./Platform.js"
import type { PlatformOperation } from "./PlatformApi.js"
import { platformJsonBody } from "./PlatformInput.js"
import { qrPng, qrSvg } from "./QrImage.js"
import { checkIn, parseCallbackQrContent } from "./QrApi.js"
import { platformUserByPersonalQr, platformUserByPhone, transact, type World } from "./World.js"

export const customerBasePath = "/sandbox/v1/customer"
const qrImagePath = "/sandbox/v1/qr"
const landingPath = "/sandbox/v1/pay"

const Who = {
  phoneNumber: Schema.optional(Schema.String),
  personalQr: Schema.optional(Schema.String),
}

const ActBody = Schema.Struct({ ...Who, msn: Schema.String, reference: Schema.String })
const ScanBody = Schema.Struct({ ...Who, qr: Schema.String })

/** The test user a customer request names, by phone number or personal QR text. */
const userOf = (
  world: World,
  who: { readonly phoneNumber?: string | undefined; readonly personalQr?: string | undefined },
): Either.Either<PlatformUser, Problem> => {
  const user =
    who.phoneNumber !== undefined
      ? platformUserByPhone(world, who.phoneNumber)
      : who.personalQr !== undefined
        ? platformUserByPersonalQr(world, who.personalQr)
        : undefined
  return user === undefined
    ? Either.left(
        invalidField("phoneNumber", "name a test user by phoneNumber or personalQr (GET users)"),
      )
    : Either.right(user)
}

const requestView = (payment: EPayment) => ({
  msn: payment.msn,
  reference: payment.reference,
  amount: { currency: payment.currency, value: payment.value },
  paymentDescription: payment.paymentDescription ?? null,
  userFlow: payment.userFlow,
  createdAt: new Date(payment.createdAt).toISOString(),
  expiresAt: new Date(payment.expiresAt).toISOString(),
  // The app shows the receipt with the request.
  ...(payment.receipt === undefined ? {} : { receipt: payment.receipt }),
})

const pendingFor = (platform: PlatformState, phoneNumber: string): ReadonlyArray<EPayment> =>
  Chunk.toReadonlyArray(platform.paymentOrder).flatMap((key) =>
    Option.toArray(HashMap.get(platform.payments, key)).filter(
      (payment) => payment.state === "CREATED" && payment.user === phoneNumber,
    ),
  )

const users = (world: World) =>
  Effect.succeed(
    respondJson(
      world.platformUsers.map((user) => ({
        phoneNumber: user.phoneNumber,
        market: user.market,
        name: user.name,
        personalQr: user.personalQr,
      })),
    ),
  )

const requests = (world: World) =>
  Effect.gen(function* () {
    const request = yield* Incoming
    const user = yield* userOf(world, request.query)
    const pending = yield* transact(world, (state) =>
      Either.right([pendingFor(state.platform, user.phoneNumber), state] as const),
    )
    yield* world.notify
    return respondJson(pending.map(requestView))
  })

const cannot = (detail: string) =>
  new Problem({ status: 409, title: "The customer cannot do that", detail })

const act = (world: World, action: "approve" | "reject") =>
  Effect.gen(function* () {
    const body = yield* platformJsonBody(ActBody)
    const user = yield* userOf(world, body)
    const state = yield* transact(
      world,
      (state, now): Either.Either<readonly [string | undefined, State], Refusal> => {
        const payment = ePaymentOf(state.platform, paymentKey(body.msn, body.reference))
        if (payment === undefined || payment.user !== user.phoneNumber) {
          return Either.left(new NotFound({ what: "payment request for this customer" }))
        }
        const next =
          action === "approve"
            ? approve(state, payment, user.phoneNumber, now)
            : abort(state, payment, now)
        return Either.match(next, {
          onLeft: (reason) => Either.left(cannot(reason)),
          onRight: (after) =>
            Either.right([
              ePaymentOf(after.platform, paymentKey(body.msn, body.reference))?.state,
              after,
            ] as const),
        })
      },
    )
    yield* world.notify
    return respondJson({ msn: body.msn, reference: body.reference, state })
  })

/** The token a dynamic QR's target or a landing page URL carries. */
const tokenOf = (text: string): string | undefined =>
  Either.getOrUndefined(Either.try(() => new URL(text).searchParams.get("token") ?? undefined))

const scan = (world: World) =>
  Effect.gen(function* () {
    const body = yield* platformJsonBody(ScanBody)
    const user = yield* userOf(world, body)
    const sticker = parseCallbackQrContent(body.qr)
    if (sticker !== undefined) {
      const found = yield* checkIn(world, sticker, user.phoneNumber)
      yield* world.notify
      return respondJson({ kind: "check-in", msn: found.msn, merchantQrId: found.merchantQrId })
    }
    const token = tokenOf(body.qr)
    const result = yield* transact(
      world,
      (state): Either.Either<readonly [EPayment, State], Refusal> => {
        const key =
          token === undefined
            ? undefined
            : Option.getOrUndefined(HashMap.get(state.platform.dynamicQrs, token))
        const payment = key === undefined ? undefined : ePaymentOf(state.platform, key)
        if (payment === undefined) return Either.left(new NotFound({ what: "QR code" }))
        if (payment.state !== "CREATED")
          return Either.left(cannot(`the payment is ${payment.state}`))
        if (payment.user !== undefined && payment.user !== user.phoneNumber) {
          return Either.left(cannot("another customer is paying this"))
        }
        const shown: EPayment = { ...payment, user: user.phoneNumber }
        return Either.right([
          shown,
          {
            ...state,
            platform: {
              ...state.platform,
              payments: HashMap.set(state.platform.payments, key ?? "", shown),
            },
          },
        ] as const)
      },
    )
    return respondJson({ kind: "payment", ...requestView(result) })
  })

const qrImage = (world: World) =>
  Effect.gen(function* () {
    const request = yield* Incoming
    const file = (yield* HttpRouter.params)["file"] ?? ""
    const match = /^([0-9a-f-]{36})\.(svg|png)$/.exec(file)
    const id = match?.[1]
    const known = yield* transact(world, (state) =>
      Either.right([
        id !== undefined && HashMap.has(state.platform.dynamicQrs, id),
        state,
      ] as const),
    )
    if (match === null || id === undefined || !known) {
      return yield* new NotFound({ what: "QR image" })
    }
    const target = `${baseUrlOf(request)}${landingPath}?token=${id}`
    if (match[2] === "svg") {
      return HttpServerResponse.text(qrSvg(target), { contentType: "image/svg+xml" })
    }
    const size = Number(request.query["size"] ?? "1024")
    if (!Number.isInteger(size) || size < 100 || size > 2000) {
      return yield* invalidField("size", "must be 100 to 2000")
    }
    return HttpServerResponse.uint8Array(qrPng(target, size), { contentType: "image/png" })
  })

const landing = (world: World) =>
  Effect.gen(function* () {
    const request = yield* Incoming
    const token = request.query["token"] ?? ""
    const payment = yield* transact(world, (state) => {
      const key = Option.getOrUndefined(HashMap.get(state.platform.dynamicQrs, token))
      const found = key === undefined ? undefined : ePaymentOf(state.platform, key)
      return found === undefined
        ? Either.left(new NotFound({ what: "payment" }))
        : Either.right([found, state] as const)
    })
    return HttpServerResponse.html(
      `<!doctype html><title>MobilePay sandbox</title><p>Payment ${payment.reference}: ` +
        `${payment.value} ${payment.currency} (${payment.state}). Scan or approve it with the ` +
        `sandbox's simulated customer (${customerBasePath}).</p>`,
    )
  })

export const customerOperations = (world: World): ReadonlyArray<PlatformOperation> => [
  ["GET", `${customerBasePath}/users`, users(world)],
  ["GET", `${customerBasePath}/requests`, requests(world)],
  ["POST", `${customerBasePath}/approve`, act(world, "approve")],
  ["POST", `${customerBasePath}/reject`, act(world, "reject")],
  ["POST", `${customerBasePath}/scan`, scan(world)],
  ["GET", `${qrImagePath}/:file`, qrImage(world)],
  ["GET", landingPath, landing(world)],
]
