/**
 * The one-layer setup for the Vipps MobilePay platform on Node: `EPayment.layer` /
 * `layerConfig` from `@effect-mobilepay/epayment` (the ePayment, Webhooks and QR clients and
 * `AccessTokenService`) over {@link UndiciHttpClient}, so a Node program needs one layer and
 * nothing else. To run over another `HttpClient`, provide it to `EPayment.layer` instead.
 *
 * @since 0.2.0
 */
import type { InvalidInput } from "@effect-mobilepay/core"
import { EPayment } from "@effect-mobilepay/epayment"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as UndiciHttpClient from "./UndiciHttpClient.js"

/**
 * Everything (`EPaymentClient`, `WebhooksClient`, `QrClient`, `AccessTokenService`) from
 * explicit options, over {@link UndiciHttpClient.layer}.
 *
 * @example
 * import { SalesUnitCredentials, VippsEnvironment } from "@effect-mobilepay/core"
 * import { EPaymentClient } from "@effect-mobilepay/epayment"
 * import { NodeEPayment } from "@effect-mobilepay/node"
 * import { Effect, Layer, Redacted } from "effect"
 *
 * const EPaymentLive = Layer.unwrapEffect(
 *   Effect.map(
 *     SalesUnitCredentials.make({
 *       clientId: "fb492b5e-7907-4d83-ba20-c7fb60ca35de",
 *       clientSecret: Redacted.make("the client secret"),
 *       subscriptionKey: Redacted.make("the subscription key"),
 *     }),
 *     (credentials) =>
 *       NodeEPayment.layer({
 *         credentials,
 *         environment: VippsEnvironment.test,
 *         merchantSerialNumber: "123456",
 *       }),
 *   ),
 * )
 *
 * const payment = Effect.flatMap(EPaymentClient.EPaymentClient, (client) =>
 *   client.get("till-1-order-42-1"),
 * ).pipe(Effect.provide(EPaymentLive))
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: EPayment.Options,
): Layer.Layer<EPayment.Services, InvalidInput.InvalidInput> =>
  EPayment.layer(options).pipe(Layer.provide(UndiciHttpClient.layer))

/**
 * Everything, configured from the `VIPPS_MOBILEPAY_*` variables (see `EPayment.layerConfig`),
 * over {@link UndiciHttpClient.layer}.
 *
 * @example
 * import { EPaymentClient } from "@effect-mobilepay/epayment"
 * import { NodeEPayment } from "@effect-mobilepay/node"
 * import { Effect } from "effect"
 *
 * // VIPPS_MOBILEPAY_CLIENT_ID, _CLIENT_SECRET, _SUBSCRIPTION_KEY, _MSN, _ENVIRONMENT, ...
 * const payment = Effect.flatMap(EPaymentClient.EPaymentClient, (client) =>
 *   client.get("till-1-order-42-1"),
 * ).pipe(Effect.provide(NodeEPayment.layerConfig()))
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: EPayment.ConfigOptions = {},
): Layer.Layer<EPayment.Services, ConfigError.ConfigError> =>
  EPayment.layerConfig(options).pipe(Layer.provide(UndiciHttpClient.layer))
