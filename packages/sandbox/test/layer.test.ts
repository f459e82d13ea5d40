import { describe, expect, it, layer } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import { createPos, expectError, initiate, reservedPayment, statusOf } from "./support/Flows.js"
import { posClient, send } from "./support/Http.js"

// The two ways client tests use the sandbox: a layer per test (own state, TestClock drives
// it) or one layer shared by a describe block.
describe("Sandbox.layer", () => {
  it.effect("provided to a test, it runs on that test's TestClock", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.Sandbox
      expect(sandbox.authUrl).toBe(`http://127.0.0.1:${sandbox.port}/integrator-authentication`)
      expect(sandbox.posUrl).toBe(`http://127.0.0.1:${sandbox.port}/pos/v10`)
      expect(sandbox.userSimulationUrl).toBe(
        `http://127.0.0.1:${sandbox.port}/pos/app/usersimulation`,
      )
      const pos = yield* posClient(sandbox, SeedData.integratorA, "DK90000028")
      const viaSelfCertification = yield* send("GET", `${sandbox.selfCertificationPosUrl}/stores`, {
        headers: {
          authorization: `Bearer ${pos.token}`,
          "x-ibm-client-id": SeedData.integratorA.clientId,
          "x-mobilepay-client-system-version": "1.0.0",
          "x-mobilepay-merchant-vat-number": "DK90000028",
        },
      })
      expect(viaSelfCertification.status).toBe(200)
      const { paymentId } = yield* reservedPayment(sandbox, pos)
      yield* TestClock.adjust(Duration.days(7))
      expect(yield* statusOf(pos, paymentId)).toBe("ExpiredAndCancelled")
    }).pipe(Effect.provide(Sandbox.layer({ tokenLifetime: Duration.days(8) }))),
  )

  layer(Sandbox.layer({ seed: "shared" }))("shared by a describe block", (it) => {
    it.effect("state persists between its tests (first)", () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.Sandbox
        const pos = yield* posClient(sandbox, SeedData.integratorB, "DK90000028")
        yield* createPos(pos, { merchantPosId: "shared-till" })
      }),
    )
    it.effect("state persists between its tests (second)", () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.Sandbox
        const pos = yield* posClient(sandbox, SeedData.integratorB, "DK90000028")
        const body = {
          merchantPosId: "shared-till",
          storeId: SeedData.selfCertificationMerchant.stores[0]?.storeId,
          name: "x",
          supportedBeaconTypes: ["QR"],
        }
        expectError(yield* pos.call("POST", "/pointofsales", { json: body }), 409, "1200")
        const [existing] = yield* sandbox.pointsOfSale
        expect((yield* initiate(pos, existing?.posId ?? "")).status).toBe(200)
        expectError(yield* initiate(pos, existing?.posId ?? ""), 409, "1301")
      }),
    )
  })
})
