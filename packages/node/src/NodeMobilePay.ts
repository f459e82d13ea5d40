/**
 * The one-layer setup on Node: `MobilePay.layer` / `layerConfig` from `@effect-mobilepay/pos`
 * over {@link UndiciHttpClient} (a lean undici transport that enforces each attempt's deadline
 * itself), so a Node program needs one layer and nothing else. To run over another
 * `HttpClient` (`@effect/platform-node`'s, fetch), provide it to `MobilePay.layer` instead.
 *
 * @since 0.2.0
 */
import type { InvalidInput } from "@effect-mobilepay/core"
import { MobilePay } from "@effect-mobilepay/pos"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as UndiciHttpClient from "./UndiciHttpClient.js"

/**
 * Everything (`PosClient`, `TokenService`) from explicit options, over
 * {@link UndiciHttpClient.layer}.
 *
 * @example
 * import { ClientCredentials, Environment } from "@effect-mobilepay/core"
 * import { NodeMobilePay } from "@effect-mobilepay/node"
 * import { PosClient } from "@effect-mobilepay/pos"
 * import { Effect, Layer, Redacted } from "effect"
 *
 * const MobilePayLive = Layer.unwrapEffect(
 *   Effect.map(
 *     ClientCredentials.make({
 *       clientId: "a1b2c3d4-0001-4a00-8000-000000000001",
 *       clientSecret: Redacted.make("the secret"),
 *     }),
 *     (credentials) =>
 *       NodeMobilePay.layer({
 *         credentials,
 *         environment: Environment.sandbox,
 *         clientSystemVersion: "1.0.0",
 *         merchantVat: "DK90000028",
 *       }),
 *   ),
 * )
 *
 * const stores = Effect.flatMap(PosClient.PosClient, (client) => client.getStores()).pipe(
 *   Effect.provide(MobilePayLive),
 * )
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: MobilePay.Options,
): Layer.Layer<MobilePay.Services, InvalidInput.InvalidInput> =>
  MobilePay.layer(options).pipe(Layer.provide(UndiciHttpClient.layer))

/**
 * Everything, configured from the `MOBILEPAY_*` variables (see `MobilePay.layerConfig`), over
 * {@link UndiciHttpClient.layer}.
 *
 * @example
 * import { NodeMobilePay } from "@effect-mobilepay/node"
 * import { PaymentFlow, PaymentJournal } from "@effect-mobilepay/pos"
 * import { Effect, Layer } from "effect"
 *
 * // The flows write ahead in a journal: use @effect-mobilepay/journal-sql in production.
 * const sale = PaymentFlow.payAndCapture({
 *   posId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
 *   orderId: "receipt-42",
 *   amount: 125.5,
 *   currencyCode: "DKK",
 *   plannedCaptureDelay: "None",
 * }).pipe(Effect.provide(Layer.merge(NodeMobilePay.layerConfig(), PaymentJournal.layerMemory)))
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: MobilePay.ConfigOptions = {},
): Layer.Layer<MobilePay.Services, ConfigError.ConfigError> =>
  MobilePay.layerConfig(options).pipe(Layer.provide(UndiciHttpClient.layer))
