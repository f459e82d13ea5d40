import { Observe, TokenEndpoint } from "@effect-mobilepay/test-support"
import { AccessTokenService, TokenService } from "@effect-mobilepay/token-service"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Metric, MetricLabel, Redacted } from "effect"

const succeeded = TokenService.metrics.requests.pipe(
  Metric.taggedWithLabels([MetricLabel.make("outcome", "success")]),
)

describe("TokenService from configuration, observed", () => {
  it.scoped("layerConfig reads MOBILEPAY_* and the metrics count what happened", () =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make((index) =>
        TokenEndpoint.respond(200, TokenEndpoint.tokenBody({ access_token: `token-${index}` })),
      )
      const config = ConfigProvider.fromMap(
        new Map([
          ["MOBILEPAY_CLIENT_ID", "5f2a8e7c-1b3d-4c6e-9f0a-2b4d6e8f0a1c"],
          ["MOBILEPAY_CLIENT_SECRET", "from-the-environment"],
          ["MOBILEPAY_AUTH_URL", endpoint.authUrl],
          // Both base URLs or neither: a custom host never mixes with MobilePay's.
          ["MOBILEPAY_POS_URL", endpoint.authUrl.replace("/integrator-authentication", "/pos/v10")],
        ]),
      )
      const context = yield* Layer.build(
        TokenService.layerConfig().pipe(
          Layer.provide(NodeHttpClient.layerUndici),
          Layer.provide(Layer.setConfigProvider(config)),
        ),
      )
      const service = yield* Effect.provide(TokenService.TokenService, context)
      const before = {
        hits: (yield* Metric.value(TokenService.metrics.hits)).count,
        requests: (yield* Metric.value(succeeded)).count,
      }
      const token = yield* service.get("DK90000028")
      yield* service.get("DK90000028")
      yield* service.get("FI90000040")
      expect(Redacted.value(token.value)).toBe("token-0")
      const [request] = yield* endpoint.received
      expect(request?.headers["authorization"]).toBe(
        `Basic ${Buffer.from("5f2a8e7c-1b3d-4c6e-9f0a-2b4d6e8f0a1c:from-the-environment").toString("base64")}`,
      )
      expect((yield* Metric.value(TokenService.metrics.hits)).count - before.hits).toBe(1)
      expect((yield* Metric.value(succeeded)).count - before.requests).toBe(2)
      expect((yield* Metric.value(TokenService.metrics.keys)).value).toBe(2)
    }),
  )
})

const accessTokenSucceeded = AccessTokenService.metrics.requests.pipe(
  Metric.taggedWithLabels([MetricLabel.make("outcome", "success")]),
)

// The Access Token API's answer: its numbers as strings.
const accessTokenBody = (token: string) => ({
  token_type: "Bearer",
  expires_in: "3600",
  ext_expires_in: "0",
  access_token: token,
})

const accessTokens = (variables: Record<string, string>) =>
  Effect.gen(function* () {
    const endpoint = yield* TokenEndpoint.make((index) =>
      TokenEndpoint.respond(200, accessTokenBody(`access-token-${index}`)),
    )
    const config = ConfigProvider.fromMap(
      new Map(
        Object.entries({
          VIPPS_MOBILEPAY_CLIENT_ID: "fb492b5e-7907-4d83-ba20-c7fb60ca35de",
          VIPPS_MOBILEPAY_CLIENT_SECRET: "the-client-secret-0123",
          VIPPS_MOBILEPAY_SUBSCRIPTION_KEY: "da7d5b0e18a84aeda961c0c31b75c2a9",
          VIPPS_MOBILEPAY_BASE_URL: new URL(endpoint.authUrl).origin,
          ...variables,
        }),
      ),
    )
    const context = yield* Layer.build(
      AccessTokenService.layerConfig().pipe(
        Layer.provide(NodeHttpClient.layerUndici),
        Layer.provide(Layer.setConfigProvider(config)),
      ),
    )
    return yield* Effect.provide(AccessTokenService.AccessTokenService, context)
  })

describe("AccessTokenService from configuration, observed apart from TokenService", () => {
  it.scoped("reads its cache options from VIPPS_MOBILEPAY_TOKEN_*, not MOBILEPAY_TOKEN_*", () =>
    Effect.gen(function* () {
      // TokenService's variable would allow two keys; the service's own allows one.
      const service = yield* accessTokens({
        VIPPS_MOBILEPAY_TOKEN_MAX_KEYS: "1",
        MOBILEPAY_TOKEN_MAX_KEYS: "5",
      })
      yield* service.get("123456")
      yield* service.get("7654321")
      expect((yield* Metric.value(AccessTokenService.metrics.keys)).value).toBe(1)

      // A bad value fails the layer, naming the service's own variable.
      const error = yield* Effect.flip(
        accessTokens({
          VIPPS_MOBILEPAY_TOKEN_REFRESH_JITTER: "2",
          MOBILEPAY_TOKEN_REFRESH_JITTER: "0.5",
        }),
      )
      expect(error).toMatchObject({ _tag: "ConfigError", _op: "InvalidData" })
      expect(String(error)).toContain("VIPPS_MOBILEPAY_TOKEN_REFRESH_JITTER")
      const ignored = yield* accessTokens({ MOBILEPAY_TOKEN_REFRESH_JITTER: "2" })
      expect(Redacted.value((yield* ignored.get("123456")).value)).toBe("access-token-0")
    }),
  )

  it.scoped("counts in its own metrics and spans AccessTokenService.request", () =>
    Effect.gen(function* () {
      const service = yield* accessTokens({})
      const before = {
        hits: (yield* Metric.value(AccessTokenService.metrics.hits)).count,
        requests: (yield* Metric.value(accessTokenSucceeded)).count,
        posV10Requests: (yield* Metric.value(succeeded)).count,
        posV10Hits: (yield* Metric.value(TokenService.metrics.hits)).count,
      }
      const [, observed] = yield* Observe.observe(
        Effect.zipRight(service.get("123456"), service.get("123456")),
      )
      expect((yield* Metric.value(AccessTokenService.metrics.hits)).count - before.hits).toBe(1)
      expect((yield* Metric.value(accessTokenSucceeded)).count - before.requests).toBe(1)
      // TokenService's series stay as they were.
      expect((yield* Metric.value(succeeded)).count).toBe(before.posV10Requests)
      expect((yield* Metric.value(TokenService.metrics.hits)).count).toBe(before.posV10Hits)
      // One token request, under the service's own name (the request path's span within it).
      const requests = observed.spans.filter((span) => span.name.endsWith(".request"))
      expect(requests.map((span) => span.name)).toEqual(["AccessTokenService.request"])
      expect(requests[0]?.attributes).toContain('"vipps.merchant_serial_number":"123456"')
      const counted = (yield* Metric.snapshot).filter(
        (pair) => pair.metricKey.name === "vipps_mobilepay_token_requests_total",
      )
      expect(counted.length).toBeGreaterThan(0)
    }),
  )
})
