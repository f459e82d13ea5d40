import { MobilePay, PosClient } from "@effect-mobilepay/pos"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import * as Transport from "./support/Transport.js"

const configFor = (sandbox: Sandbox.Sandbox.Service, extra: Record<string, string> = {}) =>
  ConfigProvider.fromMap(
    new Map(
      Object.entries({
        MOBILEPAY_CLIENT_ID: SeedData.integratorA.clientId,
        MOBILEPAY_CLIENT_SECRET: Redacted.value(SeedData.integratorA.clientSecret),
        MOBILEPAY_AUTH_URL: sandbox.authUrl,
        MOBILEPAY_POS_URL: sandbox.posUrl,
        MOBILEPAY_MERCHANT_VAT: "DK90000028",
        ...extra,
      }),
    ),
  )

describe("MobilePay.layerConfig", () => {
  it.scoped("builds the whole stack from MOBILEPAY_* and talks to MobilePay", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const context = yield* Layer.build(
        MobilePay.layerConfig().pipe(
          Layer.provide(Transport.layer),
          Layer.provide(
            Layer.setConfigProvider(
              configFor(sandbox, { MOBILEPAY_CLIENT_SYSTEM_VERSION: "3.0.1" }),
            ),
          ),
        ),
      )
      const client = yield* Effect.provide(PosClient.PosClient, context)
      const { storeIds } = yield* client.getStores()
      expect(storeIds.length).toBeGreaterThan(0)
      const [request] = (yield* sandbox.requests).filter((r) => r.path.endsWith("/stores"))
      expect(request?.headers["x-mobilepay-client-system-version"]).toBe("3.0.1")
    }),
  )

  it.scoped("without MOBILEPAY_CLIENT_SYSTEM_VERSION it fails with a ConfigError naming it", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const error = yield* Effect.flip(
        Layer.build(
          MobilePay.layerConfig().pipe(
            Layer.provide(Transport.layer),
            Layer.provide(Layer.setConfigProvider(configFor(sandbox))),
          ),
        ),
      )
      expect(String(error)).toContain("MOBILEPAY_CLIENT_SYSTEM_VERSION")
      expect(yield* sandbox.requests).toHaveLength(0)
    }),
  )
})
