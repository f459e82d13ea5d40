/**
 * The one-layer setup: Node's undici HTTP client, the token client, `TokenService` and
 * `PosClient`, composed. The flows also need a `PaymentJournal`: provide a durable one
 * (`@effect-mobilepay/journal-sql`), or `PaymentJournal.layerMemory` in tests.
 *
 * @since 0.1.0
 */
import { type ClientCredentials, type InvalidInput, TokenClient } from "@effect-mobilepay/core"
import { TokenService } from "@effect-mobilepay/token-service"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { type ConfigError, Layer } from "effect"
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
 * What the one-layer setup provides.
 *
 * @since 0.1.0
 * @category layers
 */
export type Services = PosClient.PosClient | TokenService.TokenService

/**
 * Everything, from explicit options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Services, InvalidInput.InvalidInput> =>
  PosClient.layer(options).pipe(
    Layer.provideMerge(TokenService.layer(options.tokens)),
    Layer.provide(
      TokenClient.layer({
        ...options.tokenRequest,
        credentials: options.credentials,
        environment: options.environment,
      }),
    ),
    Layer.provide(NodeHttpClient.layerUndici),
  )

/**
 * Everything, configured from the environment: `MOBILEPAY_CLIENT_ID`,
 * `MOBILEPAY_CLIENT_SECRET`, `MOBILEPAY_ENVIRONMENT` (or `MOBILEPAY_AUTH_URL` and
 * `MOBILEPAY_POS_URL`), `MOBILEPAY_CLIENT_SYSTEM_VERSION`, `MOBILEPAY_MERCHANT_VAT`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<PosClient.Options, "environment" | "clientSystemVersion" | "merchantVat"> & {
    readonly tokens?: TokenService.Options | undefined
    readonly tokenRequest?: Omit<TokenClient.Options, "credentials" | "environment"> | undefined
  } = {},
): Layer.Layer<Services, ConfigError.ConfigError> =>
  PosClient.layerConfig(options).pipe(
    Layer.provideMerge(TokenService.layer(options.tokens)),
    Layer.provide(TokenClient.layerConfig(options.tokenRequest)),
    Layer.provide(NodeHttpClient.layerUndici),
  )
