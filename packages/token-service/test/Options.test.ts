import { ClientCredentials, Environment, TokenClient } from "@effect-mobilepay/core"
import { TokenEndpoint } from "@effect-mobilepay/test-support"
import { TokenService } from "@effect-mobilepay/token-service"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"

const serviceWith = (options: TokenService.Options) =>
  Effect.gen(function* () {
    const http = yield* Layer.build(NodeHttpClient.layerUndici)
    const endpoint = yield* TokenEndpoint.make(() =>
      TokenEndpoint.respond(200, TokenEndpoint.tokenBody()),
    )
    const client = yield* TokenClient.make({
      credentials: yield* ClientCredentials.make({
        clientId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        clientSecret: Redacted.make("secret"),
      }),
      environment: Environment.custom({ authUrl: endpoint.authUrl, posUrl: "http://127.0.0.1:9" }),
    }).pipe(Effect.provide(http))
    const service = yield* TokenService.make(options).pipe(
      Effect.provideService(TokenClient.TokenClient, client),
    )
    return { service, requests: Effect.map(endpoint.received, (all) => all.length) }
  })

const invalid: ReadonlyArray<readonly [keyof TokenService.Options, unknown]> = [
  ["refreshAhead", Number.NaN],
  ["refreshAhead", "soon"],
  ["safetyMargin", -1],
  ["safetyMargin", "-5 seconds"],
  ["idleTimeout", [Number.NaN, 0]],
  ["invalidCredentialsHold", "ten seconds"],
  ["renewalRetryDelay", 0],
  ["renewalRetryMaxDelay", Number.NaN],
  ["refreshJitter", Number.NaN],
  ["refreshJitter", 2],
  ["maxKeys", 0],
  ["maxKeys", Number.NaN],
]

describe("TokenService options", () => {
  for (const [field, value] of invalid) {
    it.scoped(`${field} = ${String(value)} fails at construction with InvalidInput`, () =>
      Effect.gen(function* () {
        // The options come from outside the type system (a config file, JSON): decode none.
        const options: Record<string, unknown> = { [field]: value }
        const error = yield* Effect.flip(serviceWith(options))
        expect(error).toMatchObject({ _tag: "InvalidInput", field })
      }),
    )
  }

  it.scoped("from the environment, a bad option is a ConfigError naming its variable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Layer.build(
          TokenService.layerConfig().pipe(
            Layer.provide(NodeHttpClient.layerUndici),
            Layer.provide(
              Layer.setConfigProvider(
                ConfigProvider.fromMap(
                  new Map([
                    ["MOBILEPAY_CLIENT_ID", "7c9e6679-7425-40de-944b-e07fc1f90ae7"],
                    ["MOBILEPAY_CLIENT_SECRET", "secret"],
                    ["MOBILEPAY_TOKEN_REFRESH_JITTER", "2"],
                  ]),
                ),
              ),
            ),
          ),
        ),
      )
      expect(error).toMatchObject({ _tag: "ConfigError", _op: "InvalidData" })
      expect(String(error)).toContain("MOBILEPAY_TOKEN_REFRESH_JITTER")
    }),
  )

  it.scoped("valid durations in every accepted form are taken", () =>
    Effect.gen(function* () {
      const { service, requests } = yield* serviceWith({
        refreshAhead: "1 minute",
        safetyMargin: 5_000,
        idleTimeout: [900, 0],
        renewalRetryDelay: "1.5 seconds",
        maxKeys: 10,
        refreshJitter: 0,
      })
      yield* service.get()
      expect(yield* requests).toBe(1)
    }),
  )
})
