/**
 * A flow whose journal lease is no longer its own stops before it acts again: the journal said
 * another holder has it, or renewals failed until it may have run out. The payment is left as
 * it stands at the sandbox, for whoever holds the entry now. Time on TestClock.
 */
import { PaymentFlow, PaymentJournal } from "@effect-mobilepay/pos"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Ref, TestClock } from "effect"
import { creditUser, pointOfSale, start } from "./support/Sandboxed.js"

const patient = { readTimeout: "1 hour", writeTimeout: "1 hour" } as const

type Renewal = "held" | "taken" | "unreachable"

/** The memory journal, whose renewals answer as `renewal` says; counts what it answered. */
const journalWith = (renewal: Ref.Ref<Renewal>, answered: Ref.Ref<number>) =>
  Layer.effect(
    PaymentJournal.PaymentJournal,
    Effect.map(PaymentJournal.makeMemory, (journal) => ({
      ...journal,
      renew: (key: string, owner: string, duration: Parameters<typeof journal.renew>[2]) =>
        Effect.flatMap(Ref.get(renewal), (mode) =>
          mode === "held"
            ? journal.renew(key, owner, duration)
            : Effect.zipRight(
                Ref.update(answered, (n) => n + 1),
                mode === "taken"
                  ? Effect.succeed(false)
                  : Effect.fail(
                      new PaymentJournal.PaymentJournalError({
                        operation: "renew a lease",
                        cause: new Error("connection refused"),
                      }),
                    ),
              ),
        ),
    })),
  )

/** Moves the clock in small steps, letting loopback I/O progress, until `condition` holds. */
const stepUntil = (condition: Effect.Effect<boolean>) =>
  Effect.gen(function* () {
    for (;;) {
      for (let turn = 0; turn < 3; turn++) yield* Time.eventLoopTurn
      if (yield* condition) return
      yield* TestClock.adjust("100 millis")
    }
  })

const cutOff = (renewal: Renewal, answers: number) =>
  Effect.gen(function* () {
    const mode = yield* Ref.make<Renewal>("held")
    const answered = yield* Ref.make(0)
    const started = yield* start({ ...patient, journal: journalWith(mode, answered) })
    const { client, context, sandbox } = started
    const pos = yield* pointOfSale(client)
    const fiber = yield* Effect.fork(
      PaymentFlow.payAndCapture({
        posId: pos.posId,
        orderId: "order-1",
        amount: 100,
        currencyCode: "DKK",
        plannedCaptureDelay: "None",
      }).pipe(Effect.flip, Effect.provide(context)),
    )
    yield* Time.waitUntil(Effect.map(sandbox.payments, (all) => all.length === 1))
    // While the customer decides, the journal stops confirming the lease ...
    yield* Ref.set(mode, renewal)
    yield* stepUntil(Effect.map(Ref.get(answered), (n) => n >= answers))
    // ... and then the customer approves.
    yield* client.simulateCheckIn({ beaconId: pos.beaconId, phoneNumber: creditUser })
    yield* client.simulateAcceptPayment({ beaconId: pos.beaconId, phoneNumber: creditUser })
    const error = yield* Time.driveUntilDone(fiber)
    const moved = (yield* sandbox.requests).filter(
      (request) => request.method === "POST" && /\/(capture|cancel)$/.test(request.path),
    )
    const statuses = (yield* sandbox.payments).map((payment) => payment.status)
    return { error, moved, statuses }
  })

describe("a flow whose lease is not its own any more", () => {
  it.scoped("another holder has it: the flow stops typed and captures nothing", () =>
    Effect.gen(function* () {
      const { error, moved, statuses } = yield* cutOff("taken", 1)
      expect(error).toMatchObject({
        _tag: "SaleUnresolved",
        orderId: "order-1",
        cause: { _tag: "LeaseLost", reason: "TakenOver" },
      })
      expect(moved).toEqual([])
      expect(statuses).toEqual(["Reserved"])
    }),
  )

  it.scoped(
    "the journal cannot be reached: once the lease may have run out the flow stops, captures nothing",
    () =>
      Effect.gen(function* () {
        // Renewed every 5 s of a 15 s lease: the second failed renewal leaves too little.
        const { error, moved, statuses } = yield* cutOff("unreachable", 2)
        expect(error).toMatchObject({
          _tag: "SaleUnresolved",
          orderId: "order-1",
          cause: { _tag: "LeaseLost", reason: "Unrenewed" },
        })
        expect(moved).toEqual([])
        expect(statuses).toEqual(["Reserved"])
      }),
  )
})
