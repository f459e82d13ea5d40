import { ClientCredentials, Environment } from "@effect-mobilepay/core"
import { NodeMobilePay } from "@effect-mobilepay/node"
import { PosClient } from "@effect-mobilepay/pos"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"

const merchant = SeedData.selfCertificationMerchant

describe("NodeMobilePay", () => {
  it.scoped("layer: the whole client over undici, talking to MobilePay on loopback", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const context = yield* Layer.build(
        NodeMobilePay.layer({
          credentials: yield* ClientCredentials.make(SeedData.integratorA),
          environment: Environment.custom({ authUrl: sandbox.authUrl, posUrl: sandbox.posUrl }),
          clientSystemVersion: "1.0.0",
          merchantVat: merchant.vat,
        }),
      )
      const client = yield* Effect.provide(PosClient.PosClient, context)
      const { storeIds } = yield* client.getStores()
      expect(storeIds).toEqual(merchant.stores.map((store) => store.storeId))
      const paths = (yield* sandbox.requests).map((request) => request.path)
      expect(paths).toEqual(["/integrator-authentication/connect/token", "/pos/v10/stores"])
    }),
  )

  it.scoped("layerConfig: configured from MOBILEPAY_*, the simulated customer included", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const config = ConfigProvider.fromMap(
        new Map([
          ["MOBILEPAY_CLIENT_ID", SeedData.integratorA.clientId],
          ["MOBILEPAY_CLIENT_SECRET", Redacted.value(SeedData.integratorA.clientSecret)],
          ["MOBILEPAY_AUTH_URL", sandbox.authUrl],
          ["MOBILEPAY_POS_URL", sandbox.posUrl],
          ["MOBILEPAY_USER_SIMULATION_URL", sandbox.userSimulationUrl],
          ["MOBILEPAY_CLIENT_SYSTEM_VERSION", "2.0.1"],
          ["MOBILEPAY_MERCHANT_VAT", merchant.vat],
        ]),
      )
      const context = yield* Layer.build(
        NodeMobilePay.layerConfig().pipe(Layer.provide(Layer.setConfigProvider(config))),
      )
      const client = yield* Effect.provide(PosClient.PosClient, context)
      const { posId } = yield* client.createPos({
        merchantPosId: "till-1",
        storeId: merchant.stores[0]?.storeId ?? "",
        name: "Till 1",
        supportedBeaconTypes: ["QR"],
      })
      const { beaconId } = yield* client.getPos(posId)
      yield* client.simulateCheckIn({ beaconId, phoneNumber: "+4520031801" })
      const requests = yield* sandbox.requests
      const [create] = requests.filter((r) => r.path === "/pos/v10/pointofsales")
      expect(create?.headers["x-mobilepay-client-system-version"]).toBe("2.0.1")
      expect(requests.map((r) => r.path)).toContain("/pos/app/usersimulation/checkin")
    }),
  )
})
