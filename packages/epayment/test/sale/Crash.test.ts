/**
 * A till's process dying at every step of an ePayment sale, in process: the journal the dying
 * flow writes to stops at a chosen write (just before it, or just after it is durable), the
 * flow is cut off there as by SIGKILL (its lease is not given up, nothing more is sent), and
 * another process's Recovery takes the sale over once the lease ran out. Whatever the step,
 * the platform and the journal end agreeing, with nothing doubled or left reserved: a sale
 * decided for capture is captured once, any other is cancelled.
 */
import { Recovery, SaleFlow } from "@effect-mobilepay/epayment"
import { PaymentJournal } from "@effect-mobilepay/sale"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Ref, TestClock } from "effect"
import { anna } from "../support/Sandboxed.js"
import { sales } from "../support/Sales.js"

type Journal = PaymentJournal.PaymentJournal.Service

const writes = ["open", "recordResource", "decide", "complete"] as const
type Write = (typeof writes)[number]

/**
 * `store` as one process sees it, dying at the `at`-th write named `write`: `before` it is
 * made, or `after` it is durable. Once dead, every call fails and the fiber that made the
 * fatal call is interrupted there, so its lease stays and nothing more is sent.
 */
const dyingJournal = (
  store: Journal,
  crash: { readonly write: Write; readonly when: "before" | "after" },
  died: Deferred.Deferred<void>,
) =>
  Effect.gen(function* () {
    const dead = yield* Ref.make(false)
    const gone = new PaymentJournal.PaymentJournalError({
      operation: "reach the journal",
      cause: new Error("the process died"),
    })
    const guard = <A>(effect: Effect.Effect<A, PaymentJournal.PaymentJournalError>) =>
      Effect.flatMap(Ref.get(dead), (isDead) => (isDead ? Effect.fail(gone) : effect))
    const die = Effect.zipRight(
      Effect.zipRight(Ref.set(dead, true), Deferred.succeed(died, undefined)),
      Effect.interrupt,
    )
    const fatal =
      (write: Write) =>
      <A>(effect: Effect.Effect<A, PaymentJournal.PaymentJournalError>) =>
        write !== crash.write
          ? guard(effect)
          : crash.when === "before"
            ? Effect.zipRight(guard(Effect.void), die)
            : Effect.zipRight(guard(effect), die)
    const journal: Journal = {
      ...store,
      instanceId: "dying-process",
      attempts: (...args) => guard(store.attempts(...args)),
      open: (entry) => fatal("open")(store.open(entry)),
      claim: (...args) => guard(store.claim(...args)),
      renew: (...args) => guard(store.renew(...args)),
      release: (...args) => guard(store.release(...args)),
      recordResource: (...args) => fatal("recordResource")(store.recordResource(...args)),
      decide: (...args) => fatal("decide")(store.decide(...args)),
      complete: (...args) => fatal("complete")(store.complete(...args)),
      unfinished: guard(store.unfinished),
      byResource: (...args) => guard(store.byResource(...args)),
      query: (filter) => guard(store.query(filter)),
    }
    return journal
  })

const cases = writes.flatMap((write) =>
  (["before", "after"] as const).map((when) => ({ write, when })),
)

describe("a till's process dying at every step of an ePayment sale", () => {
  for (const crash of cases) {
    it.scoped(
      `dies ${crash.when} the ${crash.write} write: recovery agrees with the platform`,
      () =>
        Effect.gen(function* () {
          const store = yield* PaymentJournal.makeMemory
          const died = yield* Deferred.make<void>()
          const dying = yield* dyingJournal(store, crash, died)
          const setting = yield* sales({ journal: dying })
          const orderId = `crash-${crash.write}-${crash.when}`
          const flow = yield* Effect.fork(
            setting.run(
              SaleFlow.pushToPhone(
                {
                  orderId,
                  amount: { currency: "DKK", value: 5000 },
                  phoneNumber: anna.phoneNumber,
                },
                { captureAmount: 4000 },
              ),
            ),
          )
          // The customer approves as soon as the app shows the request, if it ever does.
          const approving = yield* Effect.fork(
            Effect.gen(function* () {
              yield* Time.waitUntil(
                Effect.map(setting.customer.requests(anna.phoneNumber), (answer) =>
                  JSON.stringify(answer.body).includes(`"${orderId}"`),
                ),
              )
              yield* setting.customer.approve(orderId)
            }),
          )
          // Polls need the clock; it moves in steps until the process died.
          while (!(yield* Deferred.isDone(died))) {
            for (let turn = 0; turn < 3; turn++) yield* Time.eventLoopTurn
            if (!(yield* Deferred.isDone(died))) yield* TestClock.adjust("500 millis")
          }
          // Another process, once the dead one's lease ran out (the dead flow is gone by then:
          // giving up its lease failed, as a dead process's would).
          yield* TestClock.adjust("16 seconds")
          expect((yield* flow.await)._tag).toBe("Failure")
          const survivor: Journal = { ...store, instanceId: "survivor" }
          // Nobody rings the order up again here: no grace for an undecided sale. The first run
          // sees the dead flow's lease; the next takes it (it was not renewed), 5 minutes later:
          // an entry whose create answer was never read is looked for only once no create call
          // of it can still arrive.
          const recover = Recovery.recover({ undecidedGrace: 0 }).pipe(
            Effect.provideService(PaymentJournal.PaymentJournal, survivor),
            setting.run,
          )
          yield* recover
          yield* TestClock.adjust("5 minutes")
          const report = yield* recover
          yield* Fiber.interrupt(approving)
          expect(report.failed).toEqual([])
          const entries = yield* store.query({ orderId })
          // Died before its entry was written: nothing was sent, nothing to recover.
          if (entries.length === 0) {
            expect(yield* setting.ePaymentRequests).toEqual([])
            return
          }
          expect(entries.every((entry) => entry.isFinished)).toBe(true)
          const [entry] = entries
          const outcome = Option.getOrUndefined(entry!.outcome)
          const decided = Option.getOrUndefined(entry!.decision)
          const payment = yield* Effect.either(setting.client.get(orderId))
          if (payment._tag === "Left") {
            // Never created: the create was never sent.
            expect(outcome?._tag).toBe("NotCreated")
            return
          }
          const { capturedAmount, cancelledAmount, authorizedAmount } = payment.right.aggregate
          // Nothing left reserved.
          if (payment.right.state === "AUTHORIZED") {
            expect(authorizedAmount.value - capturedAmount.value - cancelledAmount.value).toBe(0)
          }
          if (decided?._tag === "Capture") {
            expect(capturedAmount.value).toBe(4000)
            expect(outcome).toEqual({ _tag: "Final", status: "CAPTURED", amount: 4000 })
          } else {
            expect(capturedAmount.value).toBe(0)
            expect(outcome).toMatchObject({ _tag: "Final" })
            expect(["CANCELLED", "TERMINATED", "ABORTED", "EXPIRED"]).toContain(
              outcome?._tag === "Final" ? outcome.status : "",
            )
          }
          const events = yield* setting.client.events(orderId)
          expect(events.filter((event) => event.name === "CREATED")).toHaveLength(1)
          expect(events.filter((event) => event.name === "CAPTURED").length).toBeLessThanOrEqual(1)
        }),
    )
  }
})
