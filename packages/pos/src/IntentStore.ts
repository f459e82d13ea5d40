/**
 * What should become of each reserved payment, kept where it survives a crash, and the job
 * that finishes exactly that: MobilePay's recovery duty for hanging reservations. A
 * reservation is only ever captured when its recorded intent says so.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Layer, Ref } from "effect"
import { PosClient, type PosClientError } from "./PosClient.js"

/**
 * The decision for one payment: capture this amount, or cancel.
 *
 * @since 0.1.0
 * @category models
 */
export type Intent =
  { readonly _tag: "Capture"; readonly amount: number } | { readonly _tag: "Cancel" }

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace IntentStore {
  /**
   * A store of intents, e.g. a table in the integrator's database. Implementations must make
   * `record` durable before it succeeds.
   *
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** Records (or replaces) the intent for a payment, before acting on it. */
    readonly record: (paymentId: string, intent: Intent) => Effect.Effect<void>
    /** Forgets a payment once its intent has been carried out. */
    readonly remove: (paymentId: string) => Effect.Effect<void>
    /** Every payment with an intent not yet carried out. */
    readonly all: Effect.Effect<ReadonlyArray<readonly [paymentId: string, intent: Intent]>>
  }
}

/**
 * The intent store the payment flows record into.
 *
 * @since 0.1.0
 * @category tags
 */
export class IntentStore extends Context.Tag("@effect-mobilepay/pos/IntentStore")<
  IntentStore,
  IntentStore.Service
>() {}

/**
 * An in-memory store: fine for tests and for one process that never crashes; a real point of
 * sale wants one that survives a restart.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<IntentStore> = Layer.effect(
  IntentStore,
  Effect.map(Ref.make<ReadonlyMap<string, Intent>>(new Map()), (ref) =>
    IntentStore.of({
      record: (paymentId, intent) =>
        Ref.update(ref, (intents) => new Map(intents).set(paymentId, intent)),
      remove: (paymentId) =>
        Ref.update(ref, (intents) => {
          const next = new Map(intents)
          next.delete(paymentId)
          return next
        }),
      all: Effect.map(Ref.get(ref), (intents) => [...intents.entries()]),
    }),
  ),
)

/**
 * What {@link settle} did with each payment.
 *
 * @since 0.1.0
 * @category models
 */
export class SettleReport extends Data.Class<{
  /** Reserved, intent Capture: captured now. */
  readonly captured: ReadonlyArray<string>
  /** Reserved or still active, intent Cancel: cancelled now. */
  readonly cancelled: ReadonlyArray<string>
  /** Already final (captured, cancelled, expired): nothing to do, intent removed. */
  readonly alreadyFinal: ReadonlyArray<string>
  /** Not reserved yet, intent Capture: left for a later run. */
  readonly pending: ReadonlyArray<string>
  /** The call failed: left for a later run. */
  readonly failed: ReadonlyArray<readonly [paymentId: string, error: PosClientError]>
}> {}

const finalStatuses = new Set([
  "Captured",
  "CancelledByUser",
  "CancelledByClient",
  "CancelledByMobilePay",
  "ExpiredAndCancelled",
])

/**
 * One run of the settlement job: for each recorded intent, look the payment up and finish
 * exactly what was intended. Run it periodically (e.g. `Effect.repeat(Schedule.spaced("5
 * minutes"))`) and at start-up.
 *
 * @since 0.1.0
 * @category jobs
 */
export const settle: Effect.Effect<SettleReport, never, PosClient | IntentStore> = Effect.gen(
  function* () {
    const client = yield* PosClient
    const intents = yield* IntentStore
    const captured: Array<string> = []
    const cancelled: Array<string> = []
    const alreadyFinal: Array<string> = []
    const pending: Array<string> = []
    const failed: Array<readonly [string, PosClientError]> = []
    for (const [paymentId, intent] of yield* intents.all) {
      const outcome = yield* Effect.either(
        Effect.gen(function* () {
          const payment = yield* client.queryPayment(paymentId)
          if (finalStatuses.has(payment.status)) return alreadyFinal
          if (intent._tag === "Cancel") {
            yield* client.cancelPayment(paymentId)
            return cancelled
          }
          if (payment.status !== "Reserved") return pending
          yield* client.capturePayment(paymentId, { amount: intent.amount })
          return captured
        }),
      )
      if (outcome._tag === "Left") {
        failed.push([paymentId, outcome.left])
        continue
      }
      outcome.right.push(paymentId)
      if (outcome.right !== pending) yield* intents.remove(paymentId)
    }
    return new SettleReport({ captured, cancelled, alreadyFinal, pending, failed })
  },
).pipe(Effect.withSpan("IntentStore.settle"))
