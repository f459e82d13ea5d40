import { describe, expect, it, layer } from "@effect/vitest"
import { Duration, Effect, Layer, TestClock } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import { createPos, expectError, initiate, reservedPayment, statusOf } from "./support/Flows.js"
import { posClient, send } from "./support/Http.js"

// @effect/vitest's default testers, as they are before any layer() block replaces them.
const defaults = {
  effect: it.effect,
  scoped: it.scoped,
  prop: it.prop,
  flakyTest: it.flakyTest,
  layer: it.layer,
}
const restoreDefaults = () => Object.assign(it, defaults)

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
    // layer() installs this block's testers on the one `it` object every file imports: with
    // isolate: false, the files run after this one in the same worker would run their
    // it.effect / it.scoped inside this block's runtime, all on its one TestClock. The block's
    // tests are registered below; then the defaults go back.
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
    restoreDefaults()
  })
})

describe("Sandbox options", () => {
  const refused = (options: Sandbox.SandboxOptions) =>
    Layer.build(Sandbox.layer(options)).pipe(Effect.flip, Effect.scoped)

  it.effect("an option it cannot use fails InvalidSandboxOption, naming it, before listening", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [Sandbox.SandboxOptions, string, string]> = [
        [{ tokenLifetime: -1n }, "tokenLifetime", "must not be negative"],
        [{ tokenLifetime: "-5 seconds" }, "tokenLifetime", "must not be negative"],
        [{ tokenLifetime: Duration.infinity }, "tokenLifetime", "must be finite"],
        [{ tokenLifetime: "400 millis" }, "tokenLifetime", "must be at least 1000 ms"],
        [{ pollDelay: Number.NaN }, "pollDelay", "must not be negative"],
        [{ pollDelay: -1 }, "pollDelay", "must not be negative"],
        [{ pollDelay: [-1, 0] }, "pollDelay", "must not be negative"],
        [{ port: 70000 }, "port", "must be a whole number from 0 to 65535"],
        [{ port: 1.5 }, "port", "must be a whole number from 0 to 65535"],
        [{ maxBodyBytes: 0 }, "maxBodyBytes", "must be a whole number from 1"],
        [{ requestLogLimit: Number.NaN }, "requestLogLimit", "must be a whole number from 1"],
        [{ requestLogBodyBytes: -1 }, "requestLogBodyBytes", "must be a whole number from 0"],
      ]
      for (const [options, option, reason] of cases) {
        const error = yield* refused(options)
        expect(error._tag, `${option}: ${reason}`).toBe("InvalidSandboxOption")
        if (error._tag === "InvalidSandboxOption") {
          expect(error.option).toBe(option)
          expect(error.reason).toContain(reason)
        }
      }
    }),
  )

  it.effect("a poll delay of 0 and the smallest token lifetime are accepted", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.Sandbox
      const pos = yield* posClient(sandbox, SeedData.integratorA, "DK90000028")
      expect(pos.token.length).toBeGreaterThan(0)
    }).pipe(Effect.provide(Sandbox.layer({ pollDelay: 0, tokenLifetime: "1 second" }))),
  )
})
