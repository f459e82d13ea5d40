/**
 * Recovery: drives every unfinished journal entry to its decided end, after a crash, a lost
 * answer or a flow that gave up (`SaleUnresolved`). MobilePay's recovery duties, done from the
 * journal: a lost payment (refund) id is found by resending the create with its idempotency key
 * (or, past MobilePay's 24 hours, by order id); what was decided is carried out, and only that
 * (a reservation is captured only when the journal says so, with the amount it says); what was
 * never decided is cancelled (its flow is gone); the outcome is recorded.
 *
 * Run it at start-up and periodically ({@link layer} does both). Entries a live flow holds
 * (its lease) are left to it; with several processes on one journal each entry is worked on by
 * one of them at a time.
 *
 * @since 0.2.0
 */
import { DurationOption, type InvalidInput } from "@effect-mobilepay/core"
import * as Recovery from "@effect-mobilepay/sale/Recovery"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as V10 from "./internal/v10.js"
import type { PaymentJournal, PaymentJournalError } from "./PaymentJournal.js"
import { PosClient } from "./PosClient.js"

export {
  /** @since 0.2.0 */
  type RecoveryError,
  /** @since 0.2.0 */
  RecoveryReport,
} from "@effect-mobilepay/sale/Recovery"

/**
 * @since 0.2.0
 * @category options
 */
export interface RecoverOptions extends Recovery.RecoverOptions {
  /** The timeout of each call, instead of the client's defaults. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * PoS V10 as a platform recovery drives, over `PosClient` (each call with `timeout`): give it,
 * with ePayment's, to `@effect-mobilepay/sale`'s `Recovery.recover` for one run over a journal
 * both platforms write to.
 *
 * @since 0.2.0
 * @category constructors
 */
export const recoverable = (
  options: Pick<RecoverOptions, "timeout"> = {},
): Effect.Effect<Recovery.Recoverable, InvalidInput.InvalidInput, PosClient> =>
  Effect.gen(function* () {
    const client = yield* PosClient
    const timeout =
      options.timeout === undefined
        ? undefined
        : yield* DurationOption.decode("timeout", options.timeout)
    return Recovery.recoverable(V10.backend(client, timeout))
  })

/**
 * One run of recovery over every unfinished V10 entry of the journal (entries of other
 * platforms are left, as `skipped`). Fails only when the journal cannot be read; each entry's
 * own failure is in the report.
 *
 * @since 0.2.0
 * @category recovery
 */
export const recover = (
  options: RecoverOptions = {},
): Effect.Effect<
  Recovery.RecoveryReport,
  PaymentJournalError | InvalidInput.InvalidInput,
  PosClient | PaymentJournal
> => Effect.flatMap(recoverable(options), (platform) => Recovery.recover([platform], options))

/**
 * @since 0.2.0
 * @category options
 */
export interface LayerOptions extends Recovery.LayerOptions {
  /** The timeout of each call, instead of the client's defaults. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Recovery of V10 entries in the background for as long as the layer lives: one run at once
 * (start-up), then one every `interval`, each logged (recovered entries at Info; an entry that
 * keeps failing at Warning, with backoff) and told to `onReport`; counted in
 * `Recovery.metrics` of `@effect-mobilepay/sale`.
 *
 * @example
 * ```ts
 * import { MobilePay, PaymentJournal, Recovery } from "@effect-mobilepay/pos"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 *
 * // Finishes, in the background, the sales a crash or a lost answer left open. Give it the
 * // journal the flows write to (a durable one in production: `@effect-mobilepay/journal-sql`).
 * const RecoveryLive = Recovery.layer({ interval: "1 minute" }).pipe(
 *   Layer.provide(Layer.merge(MobilePay.layerConfig(), PaymentJournal.layerMemory)),
 *   Layer.provide(FetchHttpClient.layer),
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: LayerOptions = {},
): Layer.Layer<never, InvalidInput.InvalidInput, PosClient | PaymentJournal> =>
  Layer.unwrapEffect(
    Effect.map(recoverable(options), (platform) => Recovery.layer([platform], options)),
  )
