/**
 * Graceful shutdown: a held sale whose scope closes (the program stopping) while its customer
 * decides gives its lease up and leaves one Info line saying it is left to recovery; recovery
 * then finishes it. Against the sandbox in-process, on TestClock.
 */
import { PaymentFlow } from "@effect-mobilepay/pos"
import { Observe } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Scope } from "effect"
import { pointOfSale, start } from "./support/Sandboxed.js"

const patient = { readTimeout: "1 hour", writeTimeout: "1 hour" } as const

describe("a sale whose scope closes while the customer decides", () => {
  it.scoped("gives its lease up and logs one Info line: left to recovery", () =>
    Effect.gen(function* () {
      const { context, client, journal, sandbox } = yield* start(patient)
      const pos = yield* pointOfSale(client)
      const [, observed] = yield* Observe.observe(
        Effect.gen(function* () {
          const scope = yield* Scope.make()
          const held = yield* PaymentFlow.start({
            posId: pos.posId,
            orderId: "order-1",
            amount: 100,
            currencyCode: "DKK",
            plannedCaptureDelay: "None",
          }).pipe(Effect.provide(context), Scope.extend(scope))
          yield* Scope.close(scope, Exit.void)
          return held
        }),
      )
      const lines = observed.logLines.filter((line) => line.includes("left to recovery"))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain("level=INFO")
      expect(lines[0]).toContain("order order-1: interrupted while the customer was deciding")
      // Nothing was done to the payment, and nobody holds its entry: recovery may take it.
      expect((yield* sandbox.payments).map((p) => p.status)).toEqual(["Initiated"])
      const [entry] = yield* journal.unfinished
      expect(entry?.leaseOwner).toEqual(Option.none())
    }),
  )
})
