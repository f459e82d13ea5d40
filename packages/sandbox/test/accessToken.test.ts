import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Redacted, TestClock } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import { field, json, send } from "./support/Http.js"
import { platformCaller, requestAccessToken, tokenHeaders } from "./support/Platform.js"

const { demoShopDk, demoShopFi } = SeedData

describe("Access Token API", () => {
  it.scoped("answers every documented field as a string, with a 1 h lifetime by default", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      yield* TestClock.setTime(Date.UTC(2026, 0, 1))
      const reply = yield* requestAccessToken(sandbox, tokenHeaders(demoShopDk))
      expect(reply.status).toBe(200)
      expect(reply.headers["cache-control"]).toBe("no-store")
      const now = Date.UTC(2026, 0, 1) / 1000
      expect(json(reply)).toEqual({
        token_type: "Bearer",
        expires_in: "3600",
        ext_expires_in: "0",
        expires_on: String(now + 3600),
        not_before: String(now),
        resource: expect.any(String),
        access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      })
    }),
  )

  it.scoped("the lifetime is configurable, and an expired token is refused with 401", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ accessTokenLifetime: Duration.minutes(5) })
      const reply = yield* requestAccessToken(sandbox, tokenHeaders(demoShopDk))
      expect(field(reply, "expires_in")).toBe("300")
      const shop = yield* platformCaller(sandbox, demoShopDk)
      expect((yield* shop.call("GET", "/webhooks/v1/webhooks")).status).toBe(200)
      yield* TestClock.adjust(Duration.seconds(299))
      expect((yield* shop.call("GET", "/webhooks/v1/webhooks")).status).toBe(200)
      yield* TestClock.adjust(Duration.seconds(1))
      const expired = yield* shop.call("GET", "/webhooks/v1/webhooks")
      expect(expired.status).toBe(401)
      expect(expired.text).not.toContain(shop.token)
    }),
  )

  it.scoped("401 for a wrong secret, a foreign subscription key, or an MSN of another unit", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const good = tokenHeaders(demoShopDk)
      const wrongSecret = yield* requestAccessToken(sandbox, { ...good, client_secret: "nope" })
      expect(wrongSecret.status).toBe(401)
      expect(field(wrongSecret, "error")).toBe("unauthorized_client")
      const foreignKey = yield* requestAccessToken(sandbox, {
        ...good,
        "ocp-apim-subscription-key": Redacted.value(demoShopFi.subscriptionKey),
      })
      expect(foreignKey.status).toBe(401)
      const unknownKey = yield* requestAccessToken(sandbox, {
        ...good,
        "ocp-apim-subscription-key": "unknown",
      })
      expect(unknownKey.status).toBe(401)
      const foreignMsn = yield* requestAccessToken(sandbox, {
        ...good,
        "merchant-serial-number": demoShopFi.msn,
      })
      expect(foreignMsn.status).toBe(401)
      // Both subscription keys work; the MSN header is optional.
      const { "merchant-serial-number": _msn, ...withoutMsn } = good
      const secondary = yield* requestAccessToken(sandbox, {
        ...withoutMsn,
        "ocp-apim-subscription-key": Redacted.value(demoShopDk.secondarySubscriptionKey),
      })
      expect(secondary.status).toBe(200)
      // No secret in any refusal.
      for (const reply of [wrongSecret, foreignKey, unknownKey, foreignMsn]) {
        expect(reply.text).not.toContain(Redacted.value(demoShopDk.clientSecret))
        expect(reply.text).not.toContain(Redacted.value(demoShopFi.subscriptionKey))
      }
    }),
  )

  it.scoped("400 for a body, missing credentials, or a bad MSN; V10 tokens do not work here", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const good = tokenHeaders(demoShopDk)
      const withBody = yield* send("POST", sandbox.accessTokenUrl, { headers: good, json: {} })
      expect(withBody.status).toBe(400)
      const { client_id: _id, ...noId } = good
      expect((yield* requestAccessToken(sandbox, noId)).status).toBe(400)
      expect(
        (yield* requestAccessToken(sandbox, { ...good, "merchant-serial-number": "12ab" })).status,
      ).toBe(400)
      const shop = yield* platformCaller(sandbox, demoShopDk)
      // The other unit's token with this unit's key: 401.
      const fi = yield* platformCaller(sandbox, demoShopFi)
      const mixed = yield* shop.call("GET", "/webhooks/v1/webhooks", {
        headers: { authorization: `Bearer ${fi.token}` },
      })
      expect(mixed.status).toBe(401)
      expect(field(mixed, "statusCode")).toBe(401)
      const noScheme = yield* shop.call("GET", "/webhooks/v1/webhooks", {
        headers: { authorization: shop.token },
      })
      expect(noScheme.status).toBe(401)
      const otherMsn = yield* shop.call("GET", "/webhooks/v1/webhooks", {
        headers: { "merchant-serial-number": demoShopFi.msn },
      })
      expect(otherMsn.status).toBe(401)
      const revoked = yield* sandbox.revokeTokens(demoShopDk.clientId)
      expect(revoked).toBe(1)
      expect((yield* shop.call("GET", "/webhooks/v1/webhooks")).status).toBe(401)
    }),
  )
})
