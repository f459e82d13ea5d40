import { TokenEndpoint } from "@effect-mobilepay/test-support"
import { TokenService } from "@effect-mobilepay/token-service"
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
