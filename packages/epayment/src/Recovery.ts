/**
 * Recovery for ePayment: finishes every unfinished ePayment entry of the `PaymentJournal` as
 * it was decided (an undecided payment is cancelled, a decided capture or refund carried out),
 * through the sale engine's `Recovery` of `@effect-mobilepay/sale`. A program that also runs
 * PoS V10 passes both platforms to that `Recovery` instead, so one run covers both.
 *
 * @example
 * import { Recovery } from "@effect-mobilepay/epayment"
 * import * as Layer from "effect/Layer"
 *
 * // At start-up and then every minute, beside the flows (the journal and client provided).
 * const RecoveryLive = Recovery.layer({ interval: "1 minute" })
 *
 * @since 0.2.0
 */
import type { InvalidInput } from "@effect-mobilepay/core/InvalidInput"
import type { PaymentJournal, PaymentJournalError } from "@effect-mobilepay/sale/PaymentJournal"
import * as SaleRecovery from "@effect-mobilepay/sale/Recovery"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { EPaymentClient } from "./EPaymentClient.js"
import * as EPaymentSale from "./EPaymentSale.js"

/**
 * ePayment as a platform recovery drives entries of, on the `EPaymentClient` in context.
 *
 * @since 0.2.0
 * @category constructors
 */
export const recoverable: Effect.Effect<SaleRecovery.Recoverable, InvalidInput, EPaymentClient> =
  Effect.map(EPaymentSale.make(), SaleRecovery.recoverable)

/**
 * One run of recovery over the journal's unfinished ePayment entries (other platforms'
 * entries are reported `skipped`).
 *
 * @since 0.2.0
 * @category recovery
 */
export const recover = (
  options: SaleRecovery.RecoverOptions = {},
): Effect.Effect<
  SaleRecovery.RecoveryReport,
  PaymentJournalError | InvalidInput,
  PaymentJournal | EPaymentClient
> => Effect.flatMap(recoverable, (platform) => SaleRecovery.recover([platform], options))

/**
 * Recovery of ePayment entries in the background for as long as the layer lives: one run at
 * once, then one every `interval` (default one minute), each logged (an entry that keeps failing
 * with backoff) and told to `onReport`; counted in `@effect-mobilepay/sale`'s `Recovery.metrics`.
 *
 * @example
 * ```ts
 * import { EPayment, Recovery } from "@effect-mobilepay/epayment"
 * import { PaymentJournal } from "@effect-mobilepay/sale"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 *
 * // Finishes, in the background, the sales a crash or a lost answer left open. Give it the
 * // journal the flows write to (a durable one in production: `@effect-mobilepay/journal-sql`).
 * const RecoveryLive = Recovery.layer({ interval: "1 minute" }).pipe(
 *   Layer.provide(Layer.merge(EPayment.layerConfig(), PaymentJournal.layerMemory)),
 *   Layer.provide(FetchHttpClient.layer),
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: SaleRecovery.LayerOptions = {},
): Layer.Layer<never, InvalidInput, PaymentJournal | EPaymentClient> =>
  Layer.unwrapEffect(Effect.map(recoverable, (platform) => SaleRecovery.layer([platform], options)))
