/**
 * The one-layer Vipps MobilePay setup on Node, against the sandbox on loopback: the three
 * clients share one AccessTokenService (one token request for the sales unit), and
 * layerConfig reads everything from VIPPS_MOBILEPAY_*, refusing what is missing or bad as a
 * ConfigError naming it.
 */
import { SalesUnitCredentials, VippsEnvironment } from "@effect-mobilepay/core"
import {
  type EPayment,
  EPaymentClient,
  type Payment,
  QrClient,
  WebhooksClient,
} from "@effect-mobilepay/epayment"
import { NodeEPayment } from "@effect-mobilepay/node"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigError, ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"

const unit = SeedData.demoShopDk
const [customer] = SeedData.platformUsers.filter((user) => user.market === "DK")

const create = (reference: string): Payment.CreatePaymentRequest.Encoded => ({
  amount: { currency: "DKK", value: 4900 },
  paymentMethod: { type: "WALLET" },
  reference,
  userFlow: "PUSH_MESSAGE",
  customer: { phoneNumber: customer?.phoneNumber ?? "" },
  customerInteraction: "CUSTOMER_PRESENT",
})

const variables = (
  sandbox: Sandbox.Sandbox.Service,
  extra: Record<string, string> = {},
  without?: string,
) =>
  ConfigProvider.fromMap(
    new Map(
      Object.entries({
        VIPPS_MOBILEPAY_CLIENT_ID: unit.clientId,
        VIPPS_MOBILEPAY_CLIENT_SECRET: Redacted.value(unit.clientSecret),
        VIPPS_MOBILEPAY_SUBSCRIPTION_KEY: Redacted.value(unit.subscriptionKey),
        VIPPS_MOBILEPAY_BASE_URL: sandbox.baseUrl,
        VIPPS_MOBILEPAY_MSN: unit.msn,
        VIPPS_MOBILEPAY_SYSTEM_NAME: "acme-pos",
        VIPPS_MOBILEPAY_SYSTEM_VERSION: "3.2.1",
        ...extra,
      }).filter(([name]) => name !== without),
    ),
  )

describe("NodeEPayment", () => {
  it.scoped("layer: the three clients over undici share one token for the sales unit", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const context = yield* Layer.build(
        NodeEPayment.layer({
          credentials: yield* SalesUnitCredentials.make(unit),
          environment: VippsEnvironment.custom(sandbox.baseUrl),
          merchantSerialNumber: unit.msn,
        }),
      )
      const payments = yield* Effect.provide(EPaymentClient.EPaymentClient, context)
      const webhooks = yield* Effect.provide(WebhooksClient.WebhooksClient, context)
      const qrs = yield* Effect.provide(QrClient.QrClient, context)
      const created = yield* payments.create(create("node-layer-0001"))
      expect(created.reference).toBe("node-layer-0001")
      expect(yield* webhooks.list()).toEqual([])
      expect(yield* qrs.listCallbackQrs()).toEqual([])
      const requests = yield* sandbox.requests
      expect(requests.filter((r) => r.path === "/accesstoken/get")).toHaveLength(1)
      for (const request of requests.filter((r) => r.path !== "/accesstoken/get")) {
        expect(request.headers["merchant-serial-number"]).toBe(unit.msn)
        expect(request.headers["ocp-apim-subscription-key"]).toBe(
          Redacted.value(unit.subscriptionKey),
        )
      }
    }),
  )

  it.scoped("layerConfig: configured from VIPPS_MOBILEPAY_*, system headers included", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const context = yield* Layer.build(
        NodeEPayment.layerConfig().pipe(Layer.provide(Layer.setConfigProvider(variables(sandbox)))),
      )
      const client = yield* Effect.provide(EPaymentClient.EPaymentClient, context)
      expect(client.merchantSerialNumber).toBe(unit.msn)
      yield* client.create(create("node-config-0001"))
      const payment = yield* client.get("node-config-0001")
      expect(payment.state).toBe("CREATED")
      const requests = yield* sandbox.requests
      const [token] = requests.filter((r) => r.path === "/accesstoken/get")
      expect(token?.headers["vipps-system-name"]).toBe("acme-pos")
      const [created] = requests.filter((r) => r.path === "/epayment/v1/payments")
      expect(created?.headers["vipps-system-version"]).toBe("3.2.1")
    }),
  )

  it.scoped("layerConfig: a missing MSN or a bad option is a ConfigError naming it", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      // The layer's failure, which must be a ConfigError (never InvalidInput) saying `what`.
      const refused = (
        provider: ConfigProvider.ConfigProvider,
        what: string,
        options?: EPayment.ConfigOptions,
      ) =>
        Effect.gen(function* () {
          const exit = yield* Effect.exit(
            Layer.build(
              NodeEPayment.layerConfig(options).pipe(
                Layer.provide(Layer.setConfigProvider(provider)),
              ),
            ),
          )
          const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
          expect(Option.exists(error, ConfigError.isConfigError)).toBe(true)
          expect(String(Option.getOrUndefined(error))).toContain(what)
        })
      yield* refused(variables(sandbox, {}, "VIPPS_MOBILEPAY_MSN"), "VIPPS_MOBILEPAY_MSN")
      yield* refused(variables(sandbox), "timeout", { webhooks: { timeout: -1 } })
      yield* refused(variables(sandbox), "readTimeout", { ePayment: { readTimeout: "0 millis" } })
      yield* refused(
        variables(sandbox, { VIPPS_MOBILEPAY_TOKEN_REFRESH_AHEAD: "soon" }),
        "VIPPS_MOBILEPAY_TOKEN_REFRESH_AHEAD",
      )
    }),
  )
})
