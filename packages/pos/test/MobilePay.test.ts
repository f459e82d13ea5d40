import { MobilePay, PosClient } from "@effect-mobilepay/pos"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Layer, Option, Redacted } from "effect"
import * as Transport from "./support/Transport.js"

const configFor = (
  sandbox: Sandbox.Sandbox.Service,
  extra: Record<string, string> = {},
  without: ReadonlyArray<string> = [],
) =>
  ConfigProvider.fromMap(
    new Map(
      Object.entries({
        MOBILEPAY_CLIENT_ID: SeedData.integratorA.clientId,
        MOBILEPAY_CLIENT_SECRET: Redacted.value(SeedData.integratorA.clientSecret),
        MOBILEPAY_AUTH_URL: sandbox.authUrl,
        MOBILEPAY_POS_URL: sandbox.posUrl,
        MOBILEPAY_MERCHANT_VAT: "DK90000028",
        ...extra,
      }).filter(([name]) => !without.includes(name)),
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

  it.scoped("without MOBILEPAY_MERCHANT_VAT a call naming no merchant fails before sending", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const context = yield* Layer.build(
        MobilePay.layerConfig().pipe(
          Layer.provide(Transport.layer),
          Layer.provide(
            Layer.setConfigProvider(
              configFor(sandbox, { MOBILEPAY_CLIENT_SYSTEM_VERSION: "3.0.1" }, [
                "MOBILEPAY_MERCHANT_VAT",
              ]),
            ),
          ),
        ),
      )
      const client = yield* Effect.provide(PosClient.PosClient, context)
      const error = yield* Effect.flip(client.getStores())
      expect(error).toMatchObject({ _tag: "InvalidInput", field: "merchantVat" })
      expect(error.message).toContain("MOBILEPAY_MERCHANT_VAT")
      expect(yield* sandbox.requests).toHaveLength(0)
      // A call naming its merchant goes through.
      const { storeIds } = yield* client.getStores({}, { merchantVat: "DK90000028" })
      expect(storeIds.length).toBeGreaterThan(0)
    }),
  )

  it.scoped("a misspelt MOBILEPAY_POS_URL is a ConfigError, not payments sent to MobilePay", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const error = yield* Effect.flip(
        Layer.build(
          MobilePay.layerConfig().pipe(
            Layer.provide(Transport.layer),
            Layer.provide(
              Layer.setConfigProvider(
                configFor(
                  sandbox,
                  { MOBILEPAY_CLIENT_SYSTEM_VERSION: "3.0.1", MOBILEPAY_POS_ULR: sandbox.posUrl },
                  ["MOBILEPAY_POS_URL"],
                ),
              ),
            ),
          ),
        ),
      )
      expect(error).toMatchObject({ _tag: "ConfigError", _op: "MissingData" })
      expect(String(error)).toContain("MOBILEPAY_POS_URL")
      expect(yield* sandbox.requests).toHaveLength(0)
    }),
  )

  it.scoped("takes any option as a Config of the caller's, the rest from MOBILEPAY_*", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const context = yield* Layer.build(
        MobilePay.layerConfig({
          clientSystemVersion: Config.option(Config.string("TILL_VERSION")),
          merchantVat: Config.succeed(Option.some("DK90000028")),
        }).pipe(
          Layer.provide(Transport.layer),
          Layer.provide(
            Layer.setConfigProvider(
              configFor(sandbox, { TILL_VERSION: "4.5.6" }, ["MOBILEPAY_MERCHANT_VAT"]),
            ),
          ),
        ),
      )
      const client = yield* Effect.provide(PosClient.PosClient, context)
      expect(client.merchantVat).toBe("DK90000028")
      yield* client.getStores()
      const [request] = (yield* sandbox.requests).filter((r) => r.path.endsWith("/stores"))
      expect(request?.headers["x-mobilepay-client-system-version"]).toBe("4.5.6")
    }),
  )
})
