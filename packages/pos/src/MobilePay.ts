/**
 * The one-layer setup: the token client, `TokenService` and `PosClient`, composed over any
 * `HttpClient` in context. On Node, `NodeMobilePay` from `@effect-mobilepay/node` provides one;
 * elsewhere provide your platform's (`FetchHttpClient` works anywhere `fetch` does). The flows
 * also need a `PaymentJournal`: a durable one from `@effect-mobilepay/journal-sql`, or
 * `PaymentJournal.layerMemory` in tests.
 *
 * @since 0.1.0
 */
import { type ClientCredentials, type InvalidInput, TokenClient } from "@effect-mobilepay/core"
import { TokenService } from "@effect-mobilepay/token-service"
import type { HttpClient } from "@effect/platform"
import type * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as PosClient from "./PosClient.js"

/**
 * @since 0.1.0
 * @category options
 */
export interface Options extends PosClient.Options {
  readonly credentials: ClientCredentials.ClientCredentials
  /** Options of the token cache (renewal lead, margins, bounds). */
  readonly tokens?: TokenService.Options | undefined
  /** Options of the token request (retries, timeout). */
  readonly tokenRequest?: Omit<TokenClient.Options, "credentials" | "environment"> | undefined
}

/**
 * The options of {@link layerConfig}: the credentials, the environment, the client system
 * version and the default merchant as `Config`s (by default the `MOBILEPAY_*` variables, as
 * `MobilePayConfig` reads them), so any can come from anywhere; the rest as in {@link Options}.
 *
 * @since 0.2.0
 * @category options
 */
export interface ConfigOptions extends PosClient.ConfigOptions {
  readonly credentials?: Config.Config<ClientCredentials.ClientCredentials> | undefined
  /** Options of the token cache (renewal lead, margins, bounds). */
  readonly tokens?: TokenService.Options | undefined
  /** Options of the token request (retries, timeout). */
  readonly tokenRequest?: Omit<TokenClient.Options, "credentials" | "environment"> | undefined
}

/**
 * What the one-layer setup provides.
 *
 * @since 0.1.0
 * @category layers
 */
export type Services = PosClient.PosClient | TokenService.TokenService

/**
 * Everything, from explicit options, over the `HttpClient` in context.
 *
 * @example
 * ```ts
 * import { ClientCredentials, Environment } from "@effect-mobilepay/core"
 * import { MobilePay } from "@effect-mobilepay/pos"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Config, Effect, Layer } from "effect"
 *
 * // Options in code; only the credentials from variables, the secret read as `Redacted`.
 * const MobilePayLive = Layer.unwrapEffect(
 *   Effect.gen(function* () {
 *     const credentials = yield* ClientCredentials.make({
 *       clientId: yield* Config.string("MOBILEPAY_CLIENT_ID"),
 *       clientSecret: yield* Config.redacted("MOBILEPAY_CLIENT_SECRET"),
 *     })
 *     return MobilePay.layer({
 *       credentials,
 *       environment: Environment.sandbox,
 *       clientSystemVersion: "1.0.0",
 *       merchantVat: "DK12345678",
 *     })
 *   }),
 * ).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options,
): Layer.Layer<Services, InvalidInput.InvalidInput, HttpClient.HttpClient> =>
  PosClient.layer(options).pipe(
    Layer.provideMerge(TokenService.layer(options.tokens)),
    Layer.provide(
      TokenClient.layer({
        ...options.tokenRequest,
        credentials: options.credentials,
        environment: options.environment,
      }),
    ),
  )

/**
 * Everything, configured from `Config` over the `HttpClient` in context: by default
 * `MOBILEPAY_CLIENT_ID`, `MOBILEPAY_CLIENT_SECRET`, `MOBILEPAY_ENVIRONMENT` (or
 * `MOBILEPAY_AUTH_URL` with `MOBILEPAY_POS_URL`, and `MOBILEPAY_USER_SIMULATION_URL`),
 * `MOBILEPAY_CLIENT_SYSTEM_VERSION`, `MOBILEPAY_MERCHANT_VAT`; any of them can be given as a
 * `Config` of your own instead (see {@link ConfigOptions}).
 *
 * @example
 * import { MobilePay, PosClient } from "@effect-mobilepay/pos"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 *
 * // Wherever `fetch` is: a worker, Deno, Bun. On Node, `NodeMobilePay` does this with undici.
 * const MobilePayLive = MobilePay.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
 *
 * const stores = Effect.flatMap(PosClient.PosClient, (client) => client.getStores()).pipe(
 *   Effect.provide(MobilePayLive),
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {},
): Layer.Layer<Services, ConfigError.ConfigError, HttpClient.HttpClient> =>
  PosClient.layerConfig(options).pipe(
    Layer.provideMerge(
      TokenService.layer(options.tokens).pipe(
        // Beside the configuration, a bad option is reported like a bad variable.
        Layer.mapError((invalid) =>
          ConfigError.InvalidData(["tokens", invalid.field], invalid.reason),
        ),
      ),
    ),
    Layer.provide(
      TokenClient.layerConfig({
        ...options.tokenRequest,
        credentials: options.credentials,
        environment: options.environment,
      }),
    ),
  )
