/**
 * The client's layers: `layerConfig` reads the VIPPS_MOBILEPAY_* variables (or any `Config`
 * given), refuses a missing MSN as a configuration error naming the variable, and a bad option
 * is reported like a bad variable. `EPayment.layerConfig` builds the whole setup from them over
 * any HttpClient, against the sandbox.
 */
import { EPayment, EPaymentClient, QrClient, WebhooksClient } from "@effect-mobilepay/epayment"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { describe, expect, it } from "@effect/vitest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Config, ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { AccessTokenService } from "@effect-mobilepay/token-service"
import { VippsEnvironment } from "@effect-mobilepay/core"
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

describe("EPaymentClient.make", () => {
  const make = (options: {
    readonly environment?: VippsEnvironment.VippsEnvironment
    readonly subscriptionKey?: Redacted.Redacted<string>
  }) =>
    EPaymentClient.make({
      environment: options.environment ?? VippsEnvironment.custom("http://127.0.0.1:9"),
      subscriptionKey: options.subscriptionKey ?? Redacted.make("subscription-key-0a1b2c3d4e5f"),
      merchantSerialNumber: "123456",
    }).pipe(Effect.provide(Layer.merge(NodeHttpClient.layerUndici, tokens)))

  it.effect("a bad subscription key or base URL fails at construction, naming the option", () =>
    Effect.gen(function* () {
      const client = yield* make({})
      expect(client.merchantSerialNumber).toBe("123456")
      for (const key of ["", "line\nbreak"]) {
        const error = yield* Effect.flip(make({ subscriptionKey: Redacted.make(key) }))
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "subscriptionKey" })
        if (key !== "") expect(String(error)).not.toContain(key)
      }
      for (const url of ["not a url", "ftp://127.0.0.1:9"]) {
        const error = yield* Effect.flip(make({ environment: VippsEnvironment.custom(url) }))
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "environment" })
      }
    }),
  )
})

describe("EPayment.layerConfig", () => {
  it.scoped("the three clients and their tokens from VIPPS_MOBILEPAY_*, over any HttpClient", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const unit = SeedData.demoShopDk
      const provider = ConfigProvider.fromMap(
        new Map([
          ["VIPPS_MOBILEPAY_CLIENT_ID", unit.clientId],
          ["VIPPS_MOBILEPAY_CLIENT_SECRET", Redacted.value(unit.clientSecret)],
          ["VIPPS_MOBILEPAY_SUBSCRIPTION_KEY", Redacted.value(unit.subscriptionKey)],
          ["VIPPS_MOBILEPAY_BASE_URL", sandbox.baseUrl],
          ["VIPPS_MOBILEPAY_MSN", unit.msn],
        ]),
      )
      const context = yield* Layer.build(
        EPayment.layerConfig().pipe(
          Layer.provide(NodeHttpClient.layerUndici),
          Layer.provide(Layer.setConfigProvider(provider)),
        ),
      )
      const payments = yield* Effect.provide(EPaymentClient.EPaymentClient, context)
      const error = yield* Effect.flip(payments.get("no-such-payment-1"))
      expect(error._tag).toBe("PaymentNotFound")
      expect(
        yield* Effect.flatMap(WebhooksClient.WebhooksClient, (c) => c.list()).pipe(
          Effect.provide(context),
        ),
      ).toEqual([])
      expect(
        yield* Effect.flatMap(QrClient.QrClient, (c) => c.listCallbackQrs()).pipe(
          Effect.provide(context),
        ),
      ).toEqual([])
      const paths = (yield* sandbox.requests).map((request) => request.path)
      expect(paths.filter((path) => path === "/accesstoken/get")).toHaveLength(1)
      expect(paths).toContain("/epayment/v1/payments/no-such-payment-1")
    }),
  )
})
