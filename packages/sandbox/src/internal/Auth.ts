/**
 * Integrator Authentication: the token endpoint exactly as MobilePay describes it (Basic auth
 * decoded per RFC 6749 §2.3.1, `x-ibm-client-id`, `grant_type`, optional `merchant_vat`),
 * discovery and JWKS, and the bearer and header checks every PoS V10 call goes through.
 */
import { HttpServerResponse } from "@effect/platform"
import { Clock, Effect, Either, Option, Redacted, Ref } from "effect"
import type { IntegratorClient } from "../SeedData.js"
import {
  badRequest,
  header,
  Incoming,
  respondJson,
  Unauthorized,
  type ApiError,
  type IncomingRequest,
} from "./Http.js"
import { isClientSystemVersion, isValidText, isVat } from "./Input.js"
import { jwks, signJwt, verifyJwt } from "./Jwt.js"
import { deterministicGuid, tokenOf, withToken } from "./State.js"
import { transact, type World } from "./World.js"

export const authBasePath = "/integrator-authentication"

const baseUrl = (request: IncomingRequest, fallbackHost: string): string =>
  `http://${request.headers["host"] ?? fallbackHost}${authBasePath}`

// RFC 6749 §5.2 error body; `no-store` as §5.1 asks of every token response.
const oauthError = (status: number, error: string, description: string) =>
  respondJson({ error, error_description: description }, status).pipe(
    HttpServerResponse.setHeaders({ "cache-control": "no-store", pragma: "no-cache" }),
  )

const invalidClient = (description: string) =>
  oauthError(401, "invalid_client", description).pipe(
    HttpServerResponse.setHeader("www-authenticate", 'Basic realm="integrator-authentication"'),
  )

// application/x-www-form-urlencoded decoding of one credential (RFC 6749 §2.3.1, §B).
const formDecode = (text: string): Option.Option<string> =>
  Either.getRight(Either.try(() => decodeURIComponent(text.replace(/\+/g, " "))))

/** The client id and secret from `Authorization: Basic`, or from the form (client_secret_post). */
const presentedCredentials = (
  request: IncomingRequest,
  form: URLSearchParams,
): Option.Option<{ readonly clientId: string; readonly clientSecret: string }> => {
  const authorization = request.headers["authorization"]
  if (authorization === undefined) {
    const clientId = form.get("client_id")
    const clientSecret = form.get("client_secret")
    return clientId === null || clientSecret === null
      ? Option.none()
      : Option.some({ clientId, clientSecret })
  }
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization)
  if (match === null || match[1] === undefined) return Option.none()
  const decoded = Buffer.from(match[1], "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon < 0) return Option.none()
  return Option.all({
    clientId: formDecode(decoded.slice(0, colon)),
    clientSecret: formDecode(decoded.slice(colon + 1)),
  })
}

const authenticate = (
  world: World,
  presented: { readonly clientId: string; readonly clientSecret: string },
): IntegratorClient | undefined =>
  world.clients.find(
    (client) =>
      client.clientId === presented.clientId &&
      Redacted.value(client.clientSecret) === presented.clientSecret,
  )

/** `POST /integrator-authentication/connect/token`. */
export const tokenEndpoint = (world: World, fallbackHost: string) =>
  Effect.gen(function* () {
    const request = yield* Incoming
    if (!/urlencoded/i.test(request.headers["content-type"] ?? "")) {
      return oauthError(
        400,
        "invalid_request",
        "The body must be application/x-www-form-urlencoded",
      )
    }
    const form = new URLSearchParams(request.body)
    const presented = presentedCredentials(request, form)
    if (Option.isNone(presented))
      return invalidClient("Client authentication is missing or malformed")
    const client = authenticate(world, presented.value)
    if (client === undefined) return invalidClient("Unknown client or wrong secret")
    if (request.headers["x-ibm-client-id"] !== client.clientId) {
      return invalidClient("x-ibm-client-id must be the authenticated client's id")
    }
    for (const name of new Set(form.keys())) {
      if (form.getAll(name).length > 1) {
        return oauthError(400, "invalid_request", `Parameter ${name} is repeated`)
      }
    }
    const grantType = form.get("grant_type")
    if (grantType === null) return oauthError(400, "invalid_request", "grant_type is missing")
    if (grantType !== "client_credentials") {
      return oauthError(400, "unsupported_grant_type", "Only client_credentials is supported")
    }
    const merchantVat = form.get("merchant_vat")
    if (merchantVat !== null && !isVat(merchantVat)) {
      return oauthError(
        400,
        "invalid_request",
        "merchant_vat must be DK or FI followed by 8 digits",
      )
    }
    const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const jti = yield* transact(world, (state) => {
      const id = deterministicGuid(`${world.seed}:token`, state.counter)
      const issued = {
        clientId: client.clientId,
        revoked: false,
        expiresAt: (now + world.tokenLifetimeSeconds) * 1000,
      }
      return Either.right([
        id,
        withToken({ ...state, counter: state.counter + 1 }, id, issued),
      ] as const)
    })
    const accessToken = signJwt(world.key, {
      iss: baseUrl(request, fallbackHost),
      client_id: client.clientId,
      integrator_id: client.integratorId,
      scope: "integrator_scope",
      jti,
      iat: now,
      nbf: now,
      exp: now + world.tokenLifetimeSeconds,
      ...(merchantVat === null ? {} : { merchant_vat: merchantVat }),
    })
    return respondJson({
      access_token: accessToken,
      expires_in: world.tokenLifetimeSeconds,
      token_type: "Bearer",
      scope: "integrator_scope",
    }).pipe(HttpServerResponse.setHeaders({ "cache-control": "no-store", pragma: "no-cache" }))
  })

/** `GET /integrator-authentication/.well-known/openid-configuration`. */
export const discovery = (fallbackHost: string) =>
  Effect.map(Incoming, (request) => {
    const base = baseUrl(request, fallbackHost)
    return respondJson({
      issuer: base,
      jwks_uri: `${base}/.well-known/openid-configuration/jwks`,
      token_endpoint: `${base}/connect/token`,
      grant_types_supported: ["client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      scopes_supported: ["integrator_scope", "offline_access"],
      claims_supported: ["client_id", "integrator_id", "scope", "merchant_vat"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["token"],
    })
  })

/** `GET /integrator-authentication/.well-known/openid-configuration/jwks`. */
export const jwksEndpoint = (world: World) => Effect.succeed(respondJson(jwks(world.key)))

/** Who is calling a PoS V10 operation, and for which merchant. */
export interface Caller {
  readonly clientId: string
  readonly integratorId: string
  readonly merchantVat: string
}

/** Checks the bearer token (signature, expiry, revocation) and returns its claims, or 401. */
export const bearer = (world: World, request: IncomingRequest) =>
  Effect.gen(function* () {
    const authorization = request.headers["authorization"] ?? ""
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (match === null || match[1] === undefined) {
      return yield* new Unauthorized({ reason: "no bearer token" })
    }
    const claims = yield* verifyJwt(world.key, match[1]).pipe(
      Either.mapLeft((reason) => new Unauthorized({ reason })),
    )
    const now = (yield* Clock.currentTimeMillis) / 1000
    if (now >= claims.exp) return yield* new Unauthorized({ reason: "token expired" })
    const issued = tokenOf(yield* Ref.get(world.state), claims.jti)
    if (issued === undefined || issued.revoked) {
      return yield* new Unauthorized({ reason: "token revoked" })
    }
    return claims
  })

/**
 * The checks of every PoS V10 call, in MobilePay's order: the gateway's (bearer token and
 * `x-ibm-client-id`, 401), then the headers (400 with the documented codes), then which
 * merchant the call is for: the token's `merchant_vat` claim, else the VAT header.
 */
export const authorize = (world: World) =>
  Effect.gen(function* () {
    const request = yield* Incoming
    const claims = yield* bearer(world, request)
    if (request.headers["x-ibm-client-id"] !== claims.client_id) {
      return yield* new Unauthorized({ reason: "x-ibm-client-id does not match the token" })
    }
    const version = header(request, "x-mobilepay-client-system-version")
    switch (version._tag) {
      case "Missing":
        return yield* badRequest("1153", "Missing x-mobilepay-client-system-version header")
      case "Duplicated":
        return yield* badRequest("1157", "Duplicated x-mobilepay-client-system-version header")
      case "Present":
        if (!isClientSystemVersion(version.value)) {
          return yield* badRequest("1161", "Invalid x-mobilepay-client-system-version header")
        }
    }
    const name = header(request, "x-mobilepay-client-system-name")
    if (name._tag === "Duplicated") {
      return yield* badRequest("1156", "Duplicated x-mobilepay-client-system-name header")
    }
    if (name._tag === "Present" && !isValidText(name.value, 100)) {
      return yield* badRequest("1160", "Invalid x-mobilepay-client-system-name header")
    }
    const vat = header(request, "x-mobilepay-merchant-vat-number")
    if (vat._tag === "Duplicated") {
      return yield* badRequest("1155", "Duplicated x-mobilepay-merchant-vat-number header")
    }
    if (vat._tag === "Present" && !isVat(vat.value)) {
      return yield* badRequest("1159", "Invalid x-mobilepay-merchant-vat-number header")
    }
    let merchantVat: string
    if (claims.merchant_vat !== undefined) {
      if (!isVat(claims.merchant_vat)) {
        return yield* badRequest("1182", "Invalid merchant_vat claim in access token")
      }
      if (vat._tag === "Present" && vat.value !== claims.merchant_vat) {
        return yield* badRequest(
          "1182",
          "The x-mobilepay-merchant-vat-number header differs from the token's merchant_vat claim",
        )
      }
      merchantVat = claims.merchant_vat
    } else if (vat._tag === "Present") {
      merchantVat = vat.value
    } else {
      return yield* badRequest("1151", "Missing x-mobilepay-merchant-vat-number header")
    }
    const caller: Caller = {
      clientId: claims.client_id,
      integratorId: claims.integrator_id,
      merchantVat,
    }
    return caller
  })

export type AuthorizeError = ApiError | Unauthorized
