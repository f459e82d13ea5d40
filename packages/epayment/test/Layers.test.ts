/**
 * The client's layers: `layerConfig` reads the VIPPS_MOBILEPAY_* variables (or any `Config`
 * given), refuses a missing MSN as a configuration error naming the variable, and a bad option
 * is reported like a bad variable.
 */
import { EPaymentClient } from "@effect-mobilepay/epayment"
import { describe, expect, it } from "@effect/vitest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Config, ConfigProvider, Effect, Exit, Layer, Option } from "effect"
import { AccessTokenService } from "@effect-mobilepay/token-service"
import * as Tokens from "./support/Tokens.js"

const tokens = Layer.succeed(
  AccessTokenService.AccessTokenService,
  Tokens.scripted({ get: () => Effect.die("not called"), invalidate: () => Effect.void }),
)

const build = (variables: Record<string, string>, options: EPaymentClient.ConfigOptions = {}) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(
      EPaymentClient.layerConfig(options).pipe(
        Layer.provide(Layer.merge(NodeHttpClient.layerUndici, tokens)),
      ),
    )
    return yield* Effect.provide(EPaymentClient.EPaymentClient, context)
  }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(variables)))))

const keys = { VIPPS_MOBILEPAY_SUBSCRIPTION_KEY: "subscription-key-0a1b2c3d4e5f" }

describe("EPaymentClient.layerConfig", () => {
  it.scoped("reads the sales unit from VIPPS_MOBILEPAY_MSN", () =>
    Effect.gen(function* () {
      const client = yield* build({ ...keys, VIPPS_MOBILEPAY_MSN: "123456" })
      expect(client.merchantSerialNumber).toBe("123456")
    }),
  )

  it.scoped("a missing MSN is a configuration error naming the variable", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(build(keys))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain("VIPPS_MOBILEPAY_MSN")
    }),
  )

  it.scoped("each setting may come from another Config; a bad option names itself", () =>
    Effect.gen(function* () {
      const client = yield* build(keys, {
        merchantSerialNumber: Config.succeed(Option.some("7654321")),
      })
      expect(client.merchantSerialNumber).toBe("7654321")
      const exit = yield* Effect.exit(
        build({ ...keys, VIPPS_MOBILEPAY_MSN: "123456" }, { readTimeout: -1 }),
      )
      expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain("readTimeout")
    }),
  )
})
