/**
 * The one-layer setup on Node: `MobilePay.layer` / `layerConfig` from `@effect-mobilepay/pos`
 * with `@effect/platform-node`'s undici HTTP client underneath, so a Node program needs one
 * layer and nothing else.
 *
 * @since 0.2.0
 */
import type { InvalidInput } from "@effect-mobilepay/core"
import { MobilePay } from "@effect-mobilepay/pos"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { type ConfigError, Layer } from "effect"

/**
 * Everything (`PosClient`, `TokenService`, `IntentStore`) from explicit options, over Node's
 * undici HTTP client.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: MobilePay.Options,
): Layer.Layer<MobilePay.Services, InvalidInput.InvalidInput> =>
  MobilePay.layer(options).pipe(Layer.provide(NodeHttpClient.layerUndici))

/**
 * Everything, configured from the `MOBILEPAY_*` variables (see `MobilePay.layerConfig`), over
 * Node's undici HTTP client.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: MobilePay.ConfigOptions = {},
): Layer.Layer<MobilePay.Services, ConfigError.ConfigError> =>
  MobilePay.layerConfig(options).pipe(Layer.provide(NodeHttpClient.layerUndici))
