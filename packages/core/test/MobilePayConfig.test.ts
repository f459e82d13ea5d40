import { Environment, MobilePayConfig, VippsConfig } from "@effect-mobilepay/core"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Redacted } from "effect"

const read = (env: Record<string, string>) =>
  Effect.withConfigProvider(
    MobilePayConfig.config,
    ConfigProvider.fromMap(new Map(Object.entries(env))),
  )

const minimal = {
  MOBILEPAY_CLIENT_ID: "5f2a8e7c-1b3d-4c6e-9f0a-2b4d6e8f0a1c",
  MOBILEPAY_CLIENT_SECRET: "the-secret",
}

describe("MobilePayConfig.config", () => {
  it.effect("reads the credentials with the secret redacted, defaulting to the sandbox", () =>
    Effect.gen(function* () {
      const config = yield* read(minimal)
      expect(config.credentials.clientId).toBe(minimal.MOBILEPAY_CLIENT_ID)
      expect(Redacted.value(config.credentials.clientSecret)).toBe("the-secret")
      expect(String(config.credentials)).not.toContain("the-secret")
      expect(config.environment).toEqual(Environment.sandbox)
      expect(Option.isNone(config.merchantVat)).toBe(true)
      expect(Option.isNone(config.clientSystemVersion)).toBe(true)
    }),
  )

  it.effect("reads production, a merchant and the client system version", () =>
    Effect.gen(function* () {
      const config = yield* read({
        ...minimal,
        MOBILEPAY_ENVIRONMENT: "production",
        MOBILEPAY_MERCHANT_VAT: "DK90000028",
        MOBILEPAY_CLIENT_SYSTEM_VERSION: "2.1.1",
      })
      expect(config.environment).toEqual(Environment.production)
      expect(config.merchantVat).toEqual(Option.some("DK90000028"))
      expect(config.clientSystemVersion).toEqual(Option.some("2.1.1"))
    }),
  )

  it.effect("base URL overrides make a custom environment", () =>
    Effect.gen(function* () {
      const config = yield* read({
        ...minimal,
        MOBILEPAY_AUTH_URL: "http://127.0.0.1:4010/integrator-authentication/",
        MOBILEPAY_POS_URL: "http://127.0.0.1:4010/pos/v10",
      })
      expect(config.environment.name).toBe("custom")
      expect(config.environment.authUrl).toBe("http://127.0.0.1:4010/integrator-authentication")
      expect(config.environment.posUrl).toBe("http://127.0.0.1:4010/pos/v10")
    }),
  )

  it.effect("MOBILEPAY_USER_SIMULATION_URL points the simulated customer at a local sandbox", () =>
    Effect.gen(function* () {
      const config = yield* read({
        ...minimal,
        MOBILEPAY_AUTH_URL: "http://127.0.0.1:4010/integrator-authentication",
        MOBILEPAY_POS_URL: "http://127.0.0.1:4010/pos/v10",
        MOBILEPAY_USER_SIMULATION_URL: "http://127.0.0.1:4010/pos/app/usersimulation/",
      })
      expect(config.environment.userSimulationUrl).toBe(
        "http://127.0.0.1:4010/pos/app/usersimulation",
      )
    }),
  )

  it.effect(
    "custom base URLs without a user simulation URL have none, not the public sandbox's",
    () =>
      Effect.gen(function* () {
        const config = yield* read({
          ...minimal,
          MOBILEPAY_AUTH_URL: "http://127.0.0.1:4010/integrator-authentication",
          MOBILEPAY_POS_URL: "http://127.0.0.1:4010/pos/v10",
        })
        expect(config.environment.userSimulationUrl).toBeUndefined()
        const sandbox = yield* read(minimal)
        expect(sandbox.environment.userSimulationUrl).toBe(Environment.sandbox.userSimulationUrl)
      }),
  )

  const local = "http://127.0.0.1:4010"
  const halfCustom: ReadonlyArray<readonly [Record<string, string>, string]> = [
    // e.g. MOBILEPAY_POS_URL misspelt: the token from a local sandbox, payments to MobilePay.
    [{ MOBILEPAY_AUTH_URL: `${local}/integrator-authentication` }, "MOBILEPAY_POS_URL"],
    [{ MOBILEPAY_POS_URL: `${local}/pos/v10` }, "MOBILEPAY_AUTH_URL"],
    [{ MOBILEPAY_USER_SIMULATION_URL: `${local}/pos/app/usersimulation` }, "MOBILEPAY_AUTH_URL"],
  ]
  for (const [urls, missing] of halfCustom) {
    it.effect(`${Object.keys(urls).join(", ")} alone is a ConfigError naming ${missing}`, () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(read({ ...minimal, ...urls }))
        expect(error).toMatchObject({ _op: "MissingData", path: [missing] })
        expect(String(error)).toContain(Object.keys(urls)[0])
      }),
    )
  }

  const custom = {
    MOBILEPAY_AUTH_URL: `${local}/integrator-authentication`,
    MOBILEPAY_POS_URL: `${local}/pos/v10`,
  }
  const withProduction: ReadonlyArray<Record<string, string>> = [
    custom,
    { MOBILEPAY_POS_URL: custom.MOBILEPAY_POS_URL },
    { MOBILEPAY_USER_SIMULATION_URL: `${local}/pos/app/usersimulation` },
  ]
  for (const urls of withProduction) {
    it.effect(
      `MOBILEPAY_ENVIRONMENT=production with ${Object.keys(urls).join(", ")} is a ConfigError naming the conflict`,
      () =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(
            read({ ...minimal, ...urls, MOBILEPAY_ENVIRONMENT: "production" }),
          )
          expect(error).toMatchObject({ _op: "InvalidData", path: ["MOBILEPAY_ENVIRONMENT"] })
          for (const name of Object.keys(urls)) expect(String(error)).toContain(name)
          expect(String(error)).toContain("production")
        }),
    )
  }

  it.effect("MOBILEPAY_ENVIRONMENT=sandbox with both URLs is the custom environment", () =>
    Effect.gen(function* () {
      const config = yield* read({ ...minimal, ...custom, MOBILEPAY_ENVIRONMENT: "sandbox" })
      expect(config.environment.name).toBe("custom")
    }),
  )

  const readVipps = (env: Record<string, string>) =>
    Effect.withConfigProvider(
      VippsConfig.environment,
      ConfigProvider.fromMap(new Map(Object.entries(env))),
    )

  it.effect(
    "VIPPS_MOBILEPAY_BASE_URL alone is a custom environment, with production a ConfigError",
    () =>
      Effect.gen(function* () {
        const base = { VIPPS_MOBILEPAY_BASE_URL: local }
        expect((yield* readVipps(base)).name).toBe("custom")
        expect((yield* readVipps({ ...base, VIPPS_MOBILEPAY_ENVIRONMENT: "test" })).name).toBe(
          "custom",
        )
        const error = yield* Effect.flip(
          readVipps({ ...base, VIPPS_MOBILEPAY_ENVIRONMENT: "production" }),
        )
        expect(error).toMatchObject({ _op: "InvalidData", path: ["VIPPS_MOBILEPAY_ENVIRONMENT"] })
        expect(String(error)).toContain("VIPPS_MOBILEPAY_BASE_URL")
        expect((yield* readVipps({ VIPPS_MOBILEPAY_ENVIRONMENT: "production" })).name).toBe(
          "production",
        )
      }),
  )

  it.effect("a missing or empty secret is a ConfigError that says so and names the variable", () =>
    Effect.gen(function* () {
      for (const env of [
        { MOBILEPAY_CLIENT_ID: minimal.MOBILEPAY_CLIENT_ID },
        { ...minimal, MOBILEPAY_CLIENT_SECRET: "" },
      ]) {
        const message = String(yield* Effect.flip(read(env)))
        expect(message).toContain("MOBILEPAY_CLIENT_SECRET")
        expect(message).not.toContain("<redacted>")
      }
    }),
  )

  it.effect("the ePayment side's missing secrets are named too", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.withConfigProvider(
          VippsConfig.credentials,
          ConfigProvider.fromMap(
            new Map([["VIPPS_MOBILEPAY_CLIENT_ID", minimal.MOBILEPAY_CLIENT_ID]]),
          ),
        ),
      )
      const message = String(error)
      expect(message).toContain("VIPPS_MOBILEPAY_CLIENT_SECRET")
      expect(message).toContain("VIPPS_MOBILEPAY_SUBSCRIPTION_KEY")
      expect(message).not.toContain("<redacted>")
    }),
  )

  const invalid: ReadonlyArray<readonly [string, Record<string, string>]> = [
    ["a client id with ':'", { ...minimal, MOBILEPAY_CLIENT_ID: "a:b" }],
    ["a malformed VAT", { ...minimal, MOBILEPAY_MERCHANT_VAT: "DK123" }],
    ["a malformed version", { ...minimal, MOBILEPAY_CLIENT_SYSTEM_VERSION: "2.1" }],
    ["an unknown environment", { ...minimal, MOBILEPAY_ENVIRONMENT: "staging" }],
    ["a missing secret", { MOBILEPAY_CLIENT_ID: minimal.MOBILEPAY_CLIENT_ID }],
  ]
  for (const [name, env] of invalid) {
    it.effect(`${name} is a ConfigError that does not quote the secret`, () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(read(env))
        expect(error._op).toBeDefined()
        expect(String(error)).not.toContain("the-secret")
      }),
    )
  }
})
