// What the Webhooks and QR client tests share: a scripted API server on loopback and a token
// source shaped like token-service's AccessTokenService (get by sales unit, compare-and-
// invalidate), counting what it is asked.
import { AccessToken, VippsEnvironment, VippsSystem } from "@effect-mobilepay/core"
import { TokenEndpoint } from "@effect-mobilepay/test-support"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { DateTime, Duration, Effect, Layer, Option, Redacted, Ref, Schema } from "effect"
import { AccessTokenService } from "@effect-mobilepay/token-service"
import * as Tokens from "./Tokens.js"

export const subscriptionKey = "subscription-key-0123456789abcdef"

export const tokenValue = (n: number) => `eyJhbGciOiJSUzI1NiJ9.eyJuIjo${n}fQ.c2lnbmF0dXJl${n}`

export const tokenSource = Effect.gen(function* () {
  const issued = yield* Ref.make(0)
  const invalidated = yield* Ref.make<ReadonlyArray<string>>([])
  const current = yield* Ref.make(Option.none<AccessToken.AccessToken>())
  const issue = Effect.gen(function* () {
    const n = yield* Ref.updateAndGet(issued, (count) => count + 1)
    const now = yield* DateTime.now
    const token = new AccessToken.AccessToken({
      value: Redacted.make(tokenValue(n)),
      tokenType: "Bearer",
      scope: "",
      expiresIn: Duration.hours(1),
      issuedAt: now,
      expiresAt: DateTime.addDuration(now, Duration.hours(1)),
      merchantVat: Option.none(),
    })
    yield* Ref.set(current, Option.some(token))
    return token
  })
  return {
    tokens: {
      get: () =>
        Effect.flatMap(
          Ref.get(current),
          Option.match({ onNone: () => issue, onSome: Effect.succeed }),
        ),
      invalidate: (token: AccessToken.AccessToken) =>
        Effect.gen(function* () {
          yield* Ref.update(invalidated, (all) => [...all, Redacted.value(token.value)])
          const cached = yield* Ref.get(current)
          if (Option.isSome(cached) && cached.value === token)
            yield* Ref.set(current, Option.none())
        }),
    },
    issued: Ref.get(issued),
    invalidated: Ref.get(invalidated),
  }
})

/** The scripted server, its base URL, and the HTTP client layer the clients run on. */
export const apiServer = (
  script: (index: number, request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply,
) =>
  Effect.map(TokenEndpoint.make(script), (server) => ({
    ...server,
    baseUrl: server.authUrl.replace(/\/integrator-authentication$/, ""),
  }))

export const httpLayer = NodeHttpClient.layerUndici

export const system = Schema.decodeSync(VippsSystem.VippsSystem)({
  name: "acme-pos",
  version: "3.2.1",
  pluginName: "acme-pos",
  pluginVersion: "3.2.1",
})

export const environmentOf = (baseUrl: string) => VippsEnvironment.custom(baseUrl)

/** The HTTP client and the token source as layers, built in the test's scope. */
export const clientContext = (tokens: Parameters<typeof Tokens.scripted>[0]) =>
  Layer.build(
    Layer.merge(
      httpLayer,
      Layer.succeed(AccessTokenService.AccessTokenService, Tokens.scripted(tokens)),
    ),
  )

/** What every client of these tests is made with: the scripted server's environment and a shop. */
export interface ClientBase {
  readonly environment: VippsEnvironment.VippsEnvironment
  readonly subscriptionKey: Redacted.Redacted
  readonly merchantSerialNumber: string
  readonly system: VippsSystem.VippsSystem
}

/**
 * A client made by `make` against a scripted server answering `script`, on the counting token
 * source: the client, the server (what it received) and the source (what it issued).
 */
export const setupClient = <A, E, R>(
  script: (index: number, request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply,
  make: (base: ClientBase) => Effect.Effect<A, E, R>,
) =>
  Effect.gen(function* () {
    const server = yield* apiServer(script)
    const source = yield* tokenSource
    const client = yield* make({
      environment: environmentOf(server.baseUrl),
      subscriptionKey: Redacted.make(subscriptionKey),
      merchantSerialNumber: "123456",
      system,
    }).pipe(Effect.provide(yield* clientContext(source.tokens)))
    return { client, server, source }
  })
