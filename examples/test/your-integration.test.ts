/**
 * Testing your integration (the README shows this file): your program's layers on a sandbox
 * started by the test, on the test's clock, so TestClock ages what MobilePay would age.
 */
import { ClientCredentials, Environment } from "@effect-mobilepay/core"
import { NodeMobilePay } from "@effect-mobilepay/node"
import { PosClient } from "@effect-mobilepay/pos"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"

const merchant = SeedData.selfCertificationMerchant

// The client, configured for the sandbox (which picks a free port and offers demo credentials).
const MobilePayOnSandbox = Layer.unwrapEffect(
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.Sandbox
    return NodeMobilePay.layer({
      credentials: yield* ClientCredentials.make(SeedData.integratorA),
      environment: Environment.custom(sandbox),
      clientSystemVersion: "1.0.0",
      merchantVat: merchant.vat,
    })
  }),
).pipe(Layer.provideMerge(Sandbox.layer()))

it.scoped(
  "a reservation nobody captures expires after 7 days",
  () =>
    Effect.gen(function* () {
      const client = yield* PosClient.PosClient
      const { posId } = yield* client.createPos({
        merchantPosId: "till-1",
        storeId: merchant.stores[0]?.storeId ?? "",
        name: "Till 1",
        supportedBeaconTypes: ["QR"],
      })
      const { beaconId } = yield* client.getPos(posId)
      const { paymentId } = yield* client.initiatePayment({
        posId,
        orderId: "order-1",
        amount: 125.5,
        currencyCode: "DKK",
        plannedCaptureDelay: "None",
      })
      // The customer, played through the sandbox's user simulation.
      yield* client.simulateCheckIn({ beaconId, phoneNumber: "+4520031801" })
      yield* client.simulateAcceptPayment({ beaconId, phoneNumber: "+4520031801" })
      expect((yield* client.queryPayment(paymentId)).status).toBe("Reserved")

      yield* TestClock.adjust("7 days")
      expect((yield* client.queryPayment(paymentId)).status).toBe("ExpiredAndCancelled")
    }).pipe(Effect.provide(MobilePayOnSandbox)),
  // Starting the sandbox and the client takes most of it: a few seconds on a busy machine.
  30_000,
)
