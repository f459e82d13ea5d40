import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Redacted, TestClock } from "effect"
import { createPublicKey, verify } from "node:crypto"
import { Sandbox, SeedData } from "../src/index.js"
import { accessToken, basic, field, json, posClient, requestToken, send } from "./support/Http.js"

const { integratorA, integratorASecondClient, integratorB } = SeedData

const claimsOf = (token: string): Record<string, unknown> => {
  const payload: unknown = JSON.parse(
    Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"),
  )
  return typeof payload === "object" && payload !== null ? { ...payload } : {}
}

describe("token endpoint", () => {
  it.scoped("issues an RS256 bearer token that verifies against the JWKS", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const reply = yield* requestToken(sandbox, integratorA)
      expect(reply.status).toBe(200)
      expect(reply.headers["cache-control"]).toBe("no-store")
      expect(field(reply, "expires_in")).toBe(3700)
      expect(field(reply, "token_type")).toBe("Bearer")
      expect(field(reply, "scope")).toBe("integrator_scope")
      const token = String(field(reply, "access_token"))
      const [header, payload, signature] = token.split(".")
      expect(JSON.parse(Buffer.from(header ?? "", "base64url").toString())).toMatchObject({
        alg: "RS256",
      })
      const jwks = yield* send("GET", `${sandbox.authUrl}/.well-known/openid-configuration/jwks`)
      const keys = field(jwks, "keys")
      const jwk: unknown = Array.isArray(keys) ? keys[0] : undefined
      const key = createPublicKey({ key: JSON.parse(JSON.stringify(jwk)), format: "jwk" })
      expect(
        verify(
          "sha256",
          Buffer.from(`${header}.${payload}`),
          key,
          Buffer.from(signature ?? "", "base64url"),
        ),
      ).toBe(true)
      const claims = claimsOf(token)
      expect(claims["client_id"]).toBe(integratorA.clientId)
      expect(claims["scope"]).toBe("integrator_scope")
      expect(claims["merchant_vat"]).toBeUndefined()
      expect(Number(claims["exp"]) - Number(claims["iat"])).toBe(3700)
    }),
  )

  it.scoped("puts merchant_vat in the token when asked", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const token = yield* accessToken(sandbox, integratorA, "DK90000028")
      expect(claimsOf(token)["merchant_vat"]).toBe("DK90000028")
    }),
  )

  it.scoped("decodes Basic credentials per RFC 6749 §2.3.1 (form-urlencoded, then base64)", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const reply = yield* requestToken(sandbox, integratorASecondClient)
      expect(reply.status).toBe(200)
      // Without the form encoding the '%' of the secret is not a valid escape: refused.
      const raw = `Basic ${Buffer.from(
        `${integratorASecondClient.clientId}:${Redacted.value(integratorASecondClient.clientSecret)}`,
      ).toString("base64")}`
      const refused = yield* requestToken(sandbox, integratorASecondClient, undefined, {
        authorization: raw,
      })
      expect(refused.status).toBe(401)
    }),
  )

  it.scoped(
    "answers 401 invalid_client to a wrong secret, an unknown client or a mismatched x-ibm-client-id",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make()
        const wrongSecret = yield* requestToken(sandbox, integratorA, undefined, {
          authorization: basic(integratorA.clientId, "nope"),
        })
        expect(wrongSecret.status).toBe(401)
        expect(field(wrongSecret, "error")).toBe("invalid_client")
        expect(wrongSecret.text).not.toContain("sandbox-secret")
        const unknown = yield* requestToken(sandbox, integratorA, undefined, {
          authorization: basic("00000000-0000-4000-8000-000000000000", "x"),
        })
        expect(unknown.status).toBe(401)
        const mismatch = yield* requestToken(sandbox, integratorA, undefined, {
          "x-ibm-client-id": integratorB.clientId,
        })
        expect(mismatch.status).toBe(401)
        const missing = yield* send("POST", `${sandbox.authUrl}/connect/token`, {
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "x-ibm-client-id": integratorA.clientId,
          },
          body: "grant_type=client_credentials",
        })
        expect(missing.status).toBe(401)
      }),
  )

  it.scoped("answers RFC 6749 §5.2 errors to bad requests", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const noGrant = yield* requestToken(sandbox, integratorA, {})
      expect(noGrant.status).toBe(400)
      expect(json(noGrant)).toMatchObject({ error: "invalid_request" })
      const otherGrant = yield* requestToken(sandbox, integratorA, { grant_type: "password" })
      expect(otherGrant.status).toBe(400)
      expect(field(otherGrant, "error")).toBe("unsupported_grant_type")
      for (const vat of ["DK1234567", "SE12345678", "dk12345678", "DK123456789"]) {
        const badVat = yield* requestToken(sandbox, integratorA, {
          grant_type: "client_credentials",
          merchant_vat: vat,
        })
        expect(badVat.status).toBe(400)
        expect(field(badVat, "error")).toBe("invalid_request")
        expect(typeof field(badVat, "error_description")).toBe("string")
      }
      const asJson = yield* send("POST", `${sandbox.authUrl}/connect/token`, {
        headers: {
          authorization: basic(integratorA.clientId, Redacted.value(integratorA.clientSecret)),
          "x-ibm-client-id": integratorA.clientId,
        },
        json: { grant_type: "client_credentials" },
      })
      expect(asJson.status).toBe(400)
    }),
  )

  it.scoped("serves the OpenID discovery document", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const reply = yield* send("GET", `${sandbox.authUrl}/.well-known/openid-configuration`)
      expect(json(reply)).toMatchObject({
        issuer: sandbox.authUrl,
        token_endpoint: `${sandbox.authUrl}/connect/token`,
        jwks_uri: `${sandbox.authUrl}/.well-known/openid-configuration/jwks`,
        grant_types_supported: ["client_credentials"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        scopes_supported: ["integrator_scope", "offline_access"],
      })
    }),
  )
})

describe("bearer tokens on PoS V10", () => {
  it.scoped("a token works until it expires on the sandbox's Clock", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ tokenLifetime: Duration.seconds(60) })
      const pos = yield* posClient(sandbox, integratorA, "DK90000028")
      expect((yield* pos.call("GET", "/stores")).status).toBe(200)
      yield* TestClock.adjust(Duration.seconds(59))
      expect((yield* pos.call("GET", "/stores")).status).toBe(200)
      yield* TestClock.adjust(Duration.seconds(1))
      const expired = yield* pos.call("GET", "/stores")
      expect(expired.status).toBe(401)
      expect(expired.text).toBe("")
    }),
  )

  it.scoped("revoking a client's tokens answers 401 to them, and a new token works", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const a = yield* posClient(sandbox, integratorA, "DK90000028")
      const b = yield* posClient(sandbox, integratorB, "DK90000028")
      expect(yield* sandbox.revokeTokens(integratorA.clientId)).toBe(1)
      expect((yield* a.call("GET", "/stores")).status).toBe(401)
      expect((yield* b.call("GET", "/stores")).status).toBe(200)
      const fresh = yield* posClient(sandbox, integratorA, "DK90000028")
      expect((yield* fresh.call("GET", "/stores")).status).toBe(200)
      expect(yield* sandbox.revokeTokens()).toBe(2)
      expect((yield* fresh.call("GET", "/stores")).status).toBe(401)
    }),
  )

  it.scoped("refuses a missing, forged or foreign token with 401 and no body", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const other = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, "DK90000028")
      const foreign = yield* accessToken(other, integratorA)
      const [h, p] = pos.token.split(".")
      const forgedPayload = Buffer.from(
        JSON.stringify({ ...claimsOf(pos.token), exp: 9999999999 }),
      ).toString("base64url")
      for (const authorization of [
        undefined,
        "Bearer",
        `Basic ${pos.token}`,
        `Bearer ${foreign}`,
        `Bearer ${h}.${forgedPayload}.${pos.token.split(".")[2]}`,
        `Bearer ${h}.${p}`,
      ]) {
        const reply = yield* pos.call("GET", "/stores", {
          headers: authorization === undefined ? { authorization: "" } : { authorization },
        })
        expect(reply.status, String(authorization)).toBe(401)
        expect(reply.text).toBe("")
      }
      const wrongClientId = yield* pos.call("GET", "/stores", {
        headers: { "x-ibm-client-id": integratorB.clientId },
      })
      expect(wrongClientId.status).toBe(401)
    }),
  )
})
