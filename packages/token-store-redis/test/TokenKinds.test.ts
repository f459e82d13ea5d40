/**
 * One Redis store behind both kinds of token: a PoS V10 TokenService and an
 * AccessTokenService of the same client id, both asking for their unbound token. Their keys
 * must differ, or one would be served the other's token.
 */
import {
  AccessTokenClient,
  RetryPolicy,
  SalesUnitCredentials,
  VippsEnvironment,
} from "@effect-mobilepay/core"
import { Services, TokenEndpoint } from "@effect-mobilepay/test-support"
import { AccessTokenService } from "@effect-mobilepay/token-service"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import {
  clientId,
  dump,
  isolatedPrefix,
  newKey,
  storeLayer,
  tokenService,
} from "./support/Redis.js"

const redisUrl = Services.redisUrl()

// Each endpoint answers as its API does: V10 with numbers, the Access Token API with strings.
const v10Answer = (): TokenEndpoint.Reply =>
  TokenEndpoint.respond(200, TokenEndpoint.tokenBody({ access_token: "pos-v10-token" }))
const accessAnswer = (): TokenEndpoint.Reply =>
  TokenEndpoint.respond(200, {
    token_type: "Bearer",
    expires_in: "3600",
    access_token: "access-token",
  })

describe.skipIf(redisUrl === undefined)("both kinds of token in one Redis store", () => {
  const url = redisUrl ?? ""

  it.scoped("a V10 token and an Access Token API token of one client id never share a key", () =>
    Effect.gen(function* () {
      const keyPrefix = yield* isolatedPrefix(url)
      // Both services' stores open each other's values: one fleet, one encryption key.
      const shared = storeLayer({ redisUrl: url, keyPrefix, key: newKey() })
      const posEndpoint = yield* TokenEndpoint.make(v10Answer)
      const accessEndpoint = yield* TokenEndpoint.make(accessAnswer)
      const pos = yield* tokenService(posEndpoint, Option.some(shared))
      const http = yield* Layer.build(NodeHttpClient.layerUndici)
      const client = yield* AccessTokenClient.make({
        // The same client id as the V10 service's: only the kind tells the keys apart.
        credentials: yield* SalesUnitCredentials.make({
          clientId,
          clientSecret: Redacted.make("access-secret"),
          subscriptionKey: Redacted.make("subscription-key"),
        }),
        environment: VippsEnvironment.custom(new URL(accessEndpoint.authUrl).origin),
        retryPolicy: RetryPolicy.make({ retries: 0 }),
      }).pipe(Effect.provide(http))
      const access = yield* AccessTokenService.makeShared().pipe(
        Effect.provideService(AccessTokenClient.AccessTokenClient, client),
        Effect.provide(yield* Layer.build(shared)),
      )

      const posToken = yield* pos.get()
      const accessToken = yield* access.get()
      expect(Redacted.value(posToken.value)).toBe("pos-v10-token")
      expect(Redacted.value(accessToken.value)).toBe("access-token")
      expect((yield* accessEndpoint.received).length).toBe(1)

      const names = (yield* dump(url, keyPrefix)).map((entry) => entry.name).sort()
      expect(names).toEqual([
        `${keyPrefix}:accessToken:{${clientId}:unbound}:token`,
        `${keyPrefix}:{${clientId}:unbound}:token`,
      ])

      // A 401 on the V10 token drops it, and leaves the Access Token API's alone.
      yield* pos.invalidate(posToken)
      expect(yield* access.get()).toBe(accessToken)
      expect((yield* dump(url, keyPrefix)).map((entry) => entry.name)).toEqual([
        `${keyPrefix}:accessToken:{${clientId}:unbound}:token`,
      ])
    }),
  )
})
