/**
 * The Access Token API (`POST /accesstoken/get`, epayment.md §2) and the checks every call of
 * the platform's APIs goes through (§3): the bearer token, the subscription key and the MSN
 * must all belong to one sales unit.
 */
import { HttpServerResponse } from "@effect/platform"
import { Clock, Effect, Either, Redacted, Ref } from "effect"
import type { SalesUnit } from "../SeedData.js"
import {
  header,
  Incoming,
  invalidField,
  respondJson,
  Unauthorized,
  type IncomingRequest,
} from "./Http.js"
import { signJwt, verifyPlatformJwt } from "./Jwt.js"
import { deterministicGuid, tokenOf, withToken } from "./State.js"
import { salesUnitByClientId, transact, type World } from "./World.js"

export const accessTokenPath = "/accesstoken/get"

// The Entra ID resource the real answer names; clients ignore it.
const resource = "00000002-0000-0000-c000-000000000000"

const tokenError = (status: number, error: string, description: string) =>
  respondJson({ error, error_description: description }, status).pipe(
    HttpServerResponse.setHeaders({ "cache-control": "no-store", pragma: "no-cache" }),
  )

// The gateway refuses a missing or unknown subscription key before the token service sees it.
const gatewayRefusal = (message: string) => respondJson({ statusCode: 401, message }, 401)

export const isMsn = (text: string): boolean => /^\d{4,10}$/.test(text)

const systemHeaders = [
  "vipps-system-name",
  "vipps-system-version",
  "vipps-system-plugin-name",
  "vipps-system-plugin-version",
] as const

/** The first `Vipps-System-*` header longer than 30 characters, if any. */
const badSystemHeader = (request: IncomingRequest): string | undefined =>
  systemHeaders.find((name) => (request.headers[name] ?? "").length > 30)

const ownsKey = (unit: SalesUnit, key: string): boolean =>
  Redacted.value(unit.subscriptionKey) === key ||
  Redacted.value(unit.secondarySubscriptionKey) === key

/** `POST /accesstoken/get`: credentials in headers, an empty body, every number a string. */
export const accessTokenEndpoint = (world: World, fallbackHost: string) =>
  Effect.gen(function* () {
    const request = yield* Incoming
    const subscriptionKey = request.headers["ocp-apim-subscription-key"]
    if (subscriptionKey === undefined || subscriptionKey === "") {
      return gatewayRefusal("Access denied due to missing subscription key.")
    }
    if (!world.salesUnits.some((unit) => ownsKey(unit, subscriptionKey))) {
      return gatewayRefusal("Access denied due to invalid subscription key.")
    }
    if (request.body !== "") {
      return tokenError(400, "invalid_request", "The body must be empty: credentials go in headers")
    }
    const clientId = request.headers["client_id"]
    const clientSecret = request.headers["client_secret"]
    if (clientId === undefined || clientSecret === undefined) {
      return tokenError(
        400,
        "invalid_request",
        "The client_id and client_secret headers are required",
      )
    }
    const tooLong = badSystemHeader(request)
    if (tooLong !== undefined) {
      return tokenError(400, "invalid_request", `${tooLong} is longer than 30 characters`)
    }
    const unit = salesUnitByClientId(world, clientId)
    if (unit === undefined || Redacted.value(unit.clientSecret) !== clientSecret) {
      return tokenError(401, "unauthorized_client", "Unknown client_id or wrong client_secret")
    }
    if (!ownsKey(unit, subscriptionKey)) {
      return tokenError(
        401,
        "unauthorized_client",
        "The subscription key does not belong to this client_id",
      )
    }
    const msn = header(request, "merchant-serial-number")
    if (msn._tag === "Duplicated" || (msn._tag === "Present" && !isMsn(msn.value))) {
      return tokenError(400, "invalid_request", "Merchant-Serial-Number must be 4 to 10 digits")
    }
    if (msn._tag === "Present" && msn.value !== unit.msn) {
      return tokenError(
        401,
        "unauthorized_client",
        "This client may not act for the given Merchant-Serial-Number",
      )
    }
    const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const lifetime = world.accessTokenLifetimeSeconds
    const jti = yield* transact(world, (state) => {
      const id = deterministicGuid(`${world.seed}:access-token`, state.counter)
      const issued = { clientId: unit.clientId, revoked: false, expiresAt: (now + lifetime) * 1000 }
      return Either.right([
        id,
        withToken({ ...state, counter: state.counter + 1 }, id, issued),
      ] as const)
    })
    const accessToken = signJwt(world.key, {
      iss: `http://${request.headers["host"] ?? fallbackHost}${accessTokenPath}`,
      client_id: unit.clientId,
      msn: unit.msn,
      jti,
      iat: now,
      nbf: now,
      exp: now + lifetime,
    })
    return respondJson({
      token_type: "Bearer",
      expires_in: String(lifetime),
      ext_expires_in: "0",
      expires_on: String(now + lifetime),
      not_before: String(now),
      resource,
      access_token: accessToken,
    }).pipe(HttpServerResponse.setHeaders({ "cache-control": "no-store", pragma: "no-cache" }))
  })

/** Who calls a platform API: the sales unit, its MSN and the subscription key used. */
export interface PlatformCaller {
  readonly unit: SalesUnit
  readonly msn: string
  readonly subscriptionKey: string
}

/**
 * The checks of every ePayment, Webhooks and QR call: subscription key, bearer token (signed,
 * not expired, not revoked, `Bearer ` present), both of one sales unit, and the MSN header of
 * that unit (401 when it belongs to another: token, key and MSN must match, §2).
 */
export const authorizePlatform = (world: World, msnRequired: boolean) =>
  Effect.gen(function* () {
    const request = yield* Incoming
    const subscriptionKey = request.headers["ocp-apim-subscription-key"]
    if (subscriptionKey === undefined || subscriptionKey === "") {
      return yield* new Unauthorized({ reason: "missing subscription key" })
    }
    const match = /^Bearer\s+(\S+)\s*$/.exec(request.headers["authorization"] ?? "")
    if (match === null || match[1] === undefined) {
      return yield* new Unauthorized({ reason: "no Bearer token" })
    }
    const claims = yield* verifyPlatformJwt(world.key, match[1]).pipe(
      Either.mapLeft((reason) => new Unauthorized({ reason })),
    )
    const now = (yield* Clock.currentTimeMillis) / 1000
    if (now >= claims.exp) return yield* new Unauthorized({ reason: "token expired" })
    const issued = tokenOf(yield* Ref.get(world.state), claims.jti)
    if (issued === undefined || issued.revoked) {
      return yield* new Unauthorized({ reason: "token revoked" })
    }
    const unit = salesUnitByClientId(world, claims.client_id)
    if (unit === undefined || !ownsKey(unit, subscriptionKey)) {
      return yield* new Unauthorized({
        reason: "the token and the subscription key belong to different sales units",
      })
    }
    const tooLong = badSystemHeader(request)
    if (tooLong !== undefined) {
      return yield* invalidField(tooLong, "must be at most 30 characters")
    }
    const msn = header(request, "merchant-serial-number")
    if (msn._tag === "Missing") {
      if (msnRequired) return yield* invalidField("Merchant-Serial-Number", "is required")
      return { unit, msn: unit.msn, subscriptionKey } satisfies PlatformCaller
    }
    if (msn._tag === "Duplicated" || !isMsn(msn.value)) {
      return yield* invalidField("Merchant-Serial-Number", "must be 4 to 10 digits")
    }
    if (msn.value !== claims.msn) {
      return yield* new Unauthorized({
        reason: "the Merchant-Serial-Number does not belong to the token's sales unit",
      })
    }
    return { unit, msn: msn.value, subscriptionKey } satisfies PlatformCaller
  })
