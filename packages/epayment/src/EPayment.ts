/**
 * The one-layer setup for the Vipps MobilePay platform: the Access Token API's client,
 * `AccessTokenService` (from `@effect-mobilepay/token-service`) and the ePayment, Webhooks and
 * QR clients of one sales unit, composed over any `HttpClient` in context. On Node,
 * `NodeEPayment` from `@effect-mobilepay/node` provides one; elsewhere provide your platform's
 * (`FetchHttpClient` works anywhere `fetch` does).
 *
 * @since 0.2.0
 */
import {
  AccessTokenClient,
  type InvalidInput,
  type SalesUnitCredentials,
  type VippsEnvironment,
  type VippsSystem,
} from "@effect-mobilepay/core"
import * as AccessTokenService from "@effect-mobilepay/token-service/AccessTokenService"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as EPaymentClient from "./EPaymentClient.js"
import * as QrClient from "./QrClient.js"
import * as WebhooksClient from "./WebhooksClient.js"

// What the setup gives every client itself: where, whose keys, which sales unit, which system.
type Shared = "environment" | "subscriptionKey" | "merchantSerialNumber" | "system"

/**
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /** The sales unit's keys: its client id and secret for tokens, its subscription key. */
  readonly credentials: SalesUnitCredentials.SalesUnitCredentials
  /** Where the platform is (test, production, or a custom host such as the sandbox). */
  readonly environment: VippsEnvironment.VippsEnvironment
  /** The sales unit every call is for unless it names another (4 to 10 digits). */
  readonly merchantSerialNumber: string
  /**
   * The `Vipps-System-*` headers, sent on every call and token request.
   * @default VippsSystem.none
   */
  readonly system?: VippsSystem.VippsSystem | undefined
  /** The ePayment client's own options (deadlines, retries, size limit). */
  readonly ePayment?: Omit<EPaymentClient.Options, Shared> | undefined
  /** The Webhooks client's own options. */
  readonly webhooks?: Omit<WebhooksClient.Options, Shared> | undefined
  /** The QR client's own options. */
  readonly qr?: Omit<QrClient.Options, Shared> | undefined
  /** Options of the token cache (renewal lead, margins, bounds). */
  readonly tokens?: AccessTokenService.Options | undefined
  /** Options of the token request (retries, timeout, size limit). */
  readonly tokenRequest?:
    Omit<AccessTokenClient.Options, "credentials" | "environment" | "system"> | undefined
}

/**
 * What the one-layer setup provides.
 *
 * @since 0.2.0
 * @category layers
 */
export type Services =
  | EPaymentClient.EPaymentClient
  | WebhooksClient.WebhooksClient
  | QrClient.QrClient
  | AccessTokenService.AccessTokenService

/**
 * Everything, from explicit options, over the `HttpClient` in context. An invalid option
 * (an MSN, a timeout) fails the layer with `InvalidInput` naming it, before any request.
 *
 * @example
 * import { SalesUnitCredentials, VippsEnvironment } from "@effect-mobilepay/core"
 * import { EPayment, EPaymentClient } from "@effect-mobilepay/epayment"
 * import { FetchHttpClient } from "@effect/platform"
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
 *       EPayment.layer({
 *         credentials,
 *         environment: VippsEnvironment.test,
 *         merchantSerialNumber: "123456",
 *       }),
 *   ),
 * ).pipe(Layer.provide(FetchHttpClient.layer))
 *
 * const payment = Effect.flatMap(EPaymentClient.EPaymentClient, (client) =>
 *   client.get("till-1-order-42-1"),
 * ).pipe(Effect.provide(EPaymentLive))
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<Services, InvalidInput.InvalidInput, HttpClient.HttpClient> => {
  const shared = {
    environment: options.environment,
    subscriptionKey: options.credentials.subscriptionKey,
    merchantSerialNumber: options.merchantSerialNumber,
    system: options.system,
  }
  return Layer.mergeAll(
    EPaymentClient.layer({ ...options.ePayment, ...shared }),
    WebhooksClient.layer({ ...options.webhooks, ...shared }),
    QrClient.layer({ ...options.qr, ...shared }),
  ).pipe(
    Layer.provideMerge(AccessTokenService.layer(options.tokens)),
    Layer.provide(
      AccessTokenClient.layer({
        ...options.tokenRequest,
        credentials: options.credentials,
        environment: options.environment,
        system: options.system,
      }),
    ),
  )
}

/**
 * The options of {@link layerConfig}: each part's own (the `VIPPS_MOBILEPAY_*` variables say
 * the rest), as `EPaymentClient.layerConfig`, `WebhooksClient.layerConfig`,
 * `QrClient.layerConfig` and `AccessTokenService.layerConfig` take them.
 *
 * @since 0.2.0
 * @category options
 */
export interface ConfigOptions {
  readonly ePayment?: EPaymentClient.ConfigOptions | undefined
  readonly webhooks?: Omit<WebhooksClient.Options, Shared> | undefined
  readonly qr?: Omit<QrClient.Options, Shared> | undefined
  readonly tokens?: AccessTokenService.ConfigOptions | undefined
}

// Configured from Config, so a bad option is reported like a bad variable.
const asConfigError = (error: InvalidInput.InvalidInput | ConfigError.ConfigError) =>
  ConfigError.isConfigError(error) ? error : ConfigError.InvalidData([error.field], error.reason)

/**
 * Everything, configured from the environment, over the `HttpClient` in context:
 * `VIPPS_MOBILEPAY_CLIENT_ID`, `_CLIENT_SECRET`, `_SUBSCRIPTION_KEY`, `_MSN` (required),
 * `_ENVIRONMENT` (`test` or `production`) or `_BASE_URL`, the optional `_SYSTEM_NAME`,
 * `_SYSTEM_VERSION`, `_PLUGIN_NAME`, `_PLUGIN_VERSION`, and the token cache's
 * `VIPPS_MOBILEPAY_TOKEN_*` (see `AccessTokenService.optionsConfig`). Options given here win.
 * A missing or bad value fails the layer with a `ConfigError` naming it.
 *
 * @example
 * import { EPayment, EPaymentClient } from "@effect-mobilepay/epayment"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 *
 * // Wherever `fetch` is: a worker, Deno, Bun. On Node, `NodeEPayment` does this with undici.
 * const EPaymentLive = EPayment.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
 *
 * const payment = Effect.flatMap(EPaymentClient.EPaymentClient, (client) =>
 *   client.get("till-1-order-42-1"),
 * ).pipe(Effect.provide(EPaymentLive))
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {},
): Layer.Layer<Services, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.mergeAll(
    EPaymentClient.layerConfig(options.ePayment),
    WebhooksClient.layerConfig(options.webhooks),
    QrClient.layerConfig(options.qr),
  ).pipe(
    Layer.mapError(asConfigError),
    Layer.provideMerge(AccessTokenService.layerConfig(options.tokens)),
  )
