/**
 * A fault soak of the ePayment flows, in process on the TestClock: two tills, each ringing up
 * a dozen sales one after another with a WebhookReceiver mounted, while about a fifth of the
 * sandbox's ePayment answers fail (a lost answer after the platform acted, 503, cut-off JSON,
 * 423) and webhooks are lost, duplicated, delayed and reordered. Customers approve, reject,
 * or the till gives up. A sale that fails is rung up again (a cashier's retry), then left to
 * Recovery. At the end: no order charged twice, no reservation left hanging, no outcome the
 * till was told that the platform contradicts, every journal entry finished.
 */
import { Recovery, SaleFlow } from "@effect-mobilepay/epayment"
import { Fault } from "@effect-mobilepay/sandbox"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Fiber, Option } from "effect"
import { anna, bent } from "../support/Sandboxed.js"
import { hookedSales } from "../support/Sales.js"

const route = "/epayment/v1/**"
const faults = [
  { route, fault: Fault.Fault.ConnectionReset(), probability: 0.06 },
  { route, fault: Fault.Fault.Unavailable(), probability: 0.06 },
  { route, fault: Fault.Fault.MalformedJson(), probability: 0.05 },
  { route, fault: Fault.Fault.Locked(), probability: 0.05 },
]

type Behaviour = "approve" | "reject" | "give up"
const behaviourOf = (n: number): Behaviour =>
  n % 5 === 3 ? "reject" : n % 5 === 4 ? "give up" : "approve"

interface Told {
  readonly orderId: string
  readonly outcome: Either.Either<SaleFlow.SaleOutcome, { readonly _tag: string }>
}

describe("a fault soak of the ePayment flows", () => {
  it.scoped(
    "two tills, 24 sales, ~20 % faulted answers and unreliable webhooks: nothing doubled, hanging or misreported",
    () =>
      Effect.gen(function* () {
        const setting = yield* hookedSales({ sandbox: { seed: "epayment-soak-1", faults } })
        yield* setting.sandbox.setWebhookFaults({
          duplicate: 0.2,
          lose: 0.2,
          delayed: 0.2,
          delay: "3 seconds",
          reorder: true,
        })
        const told: Array<Told> = []
        const till = (name: string, phoneNumber: string) =>
          Effect.gen(function* () {
            for (let n = 0; n < 12; n++) {
              const orderId = `soak-${name}-${String(n).padStart(2, "0")}`
              const behaviour = behaviourOf(n)
              const giveUp = yield* Deferred.make<void>()
              // The customer acts once the app shows the request.
              const customer = yield* Effect.fork(
                Effect.gen(function* () {
                  yield* Time.waitUntil(
                    Effect.map(setting.customer.requests(phoneNumber), (answer) =>
                      JSON.stringify(answer.body).includes(`"${orderId}`),
                    ),
                  )
                  const shown = yield* setting.customer.requests(phoneNumber)
                  const reference = /"reference":"([^"]+)"/.exec(JSON.stringify(shown.body))?.[1]
                  if (reference === undefined) return
                  if (behaviour === "approve")
                    yield* setting.customer.approve(reference, phoneNumber)
                  if (behaviour === "reject") yield* setting.customer.reject(reference, phoneNumber)
                  if (behaviour === "give up") yield* Deferred.succeed(giveUp, undefined)
                }),
              )
              let outcome: Told["outcome"] = Either.left({ _tag: "NotRun" })
              // A cashier rings a failed sale up again, twice at most.
              for (let ring = 0; ring < 3; ring++) {
                outcome = yield* Effect.either(
                  setting.runHooked(
                    SaleFlow.pushToPhone(
                      { orderId, amount: { currency: "DKK", value: 1000 + n }, phoneNumber },
                      {
                        till: name,
                        cancelWhen: Deferred.await(giveUp),
                        maxFailureDelay: "4 seconds",
                      },
                    ),
                  ),
                )
                if (Either.isRight(outcome) || outcome.left._tag !== "SaleUnresolved") break
              }
              told.push({ orderId, outcome })
              yield* Fiber.interrupt(customer)
            }
          })
        const tills = yield* Effect.fork(
          Effect.all([till("till-a", anna.phoneNumber), till("till-b", bent.phoneNumber)], {
            concurrency: 2,
          }),
        )
        // The clock moves in steps shorter than any poll or backoff, I/O running between them.
        yield* Time.driveUntilDone(tills, "250 millis")

        // What is left unfinished, Recovery finishes (the platform still failing now and then).
        const recovering = yield* Effect.fork(
          setting.run(
            Effect.gen(function* () {
              for (let run = 0; run < 20; run++) {
                if ((yield* Recovery.recover()).isComplete) return
                yield* Effect.sleep("20 seconds")
              }
            }),
          ),
        )
        yield* Time.driveUntilDone(recovering, "250 millis")
        // The platform is read as it is now, without faults.
        yield* setting.sandbox.clearFaults
        const entries = yield* setting.journal.query({})
        expect(entries.filter((entry) => !entry.isFinished)).toEqual([])
        expect(told).toHaveLength(24)

        let captured = 0
        for (const { orderId, outcome } of told) {
          const attempts = entries.filter((entry) => entry.orderId === orderId)
          let charged = 0
          for (const entry of attempts) {
            const reference = Option.getOrUndefined(entry.resourceId)
            if (reference === undefined) continue
            const payment = yield* setting.client.get(reference)
            const { authorizedAmount, capturedAmount, cancelledAmount } = payment.aggregate
            // No reservation left hanging.
            if (payment.state === "AUTHORIZED") {
              expect(authorizedAmount.value - capturedAmount.value - cancelledAmount.value).toBe(0)
            }
            charged += capturedAmount.value
            // The journal agrees with the platform.
            const journaled = Option.getOrUndefined(entry.outcome)
            expect(journaled?._tag === "Final" && journaled.status === "CAPTURED").toBe(
              capturedAmount.value > 0,
            )
          }
          // Never charged twice, never more than the sale.
          expect(charged === 0 || charged === 1000 + Number(orderId.slice(-2))).toBe(true)
          // What the till was told is what happened.
          if (Either.isRight(outcome)) {
            expect(outcome.right._tag === "Captured").toBe(charged > 0)
          }
          if (charged > 0) captured += 1
        }
        // The soak did sell: most approved sales were captured despite the faults.
        expect(captured).toBeGreaterThan(8)
        const faulted = (yield* setting.ePaymentRequests).filter(
          (request) => request.fault !== undefined,
        )
        expect(faulted.length).toBeGreaterThan(10)
      }),
    120_000,
  )
})
