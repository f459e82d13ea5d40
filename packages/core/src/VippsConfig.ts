/**
 * Reading the Vipps MobilePay platform's configuration from Effect's `Config` (by default:
 * environment variables). The prefix is `VIPPS_MOBILEPAY_`, kept apart from PoS V10's
 * `MOBILEPAY_`: the two platforms have different keys, hosts and merchants, and a till that
 * migrates runs both side by side. Secrets are `Redacted` from the moment they are read, and a
 * missing one is reported by name.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `VIPPS_MOBILEPAY_CLIENT_ID` | the sales unit's client id |
 * | `VIPPS_MOBILEPAY_CLIENT_SECRET` | its client secret (`Redacted`) |
 * | `VIPPS_MOBILEPAY_SUBSCRIPTION_KEY` | its subscription key (`Redacted`) |
 * | `VIPPS_MOBILEPAY_MSN` | the Merchant Serial Number, optional |
 * | `VIPPS_MOBILEPAY_ENVIRONMENT` | `test` (default) or `production` |
 * | `VIPPS_MOBILEPAY_BASE_URL` | a custom base URL (e.g. a local sandbox), instead of either |
 * | `VIPPS_MOBILEPAY_SYSTEM_NAME`, `_SYSTEM_VERSION`, `_PLUGIN_NAME`, `_PLUGIN_VERSION` | the `Vipps-System-*` headers, optional |
 *
 * Each piece is its own `Config`, so a layer can take any of them from elsewhere and the rest
 * from these variables.
 *
 * @since 0.2.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { ClientId, MerchantSerialNumber } from "./Domain.js"
import { secret } from "./internal/secret.js"
import { SalesUnitCredentials } from "./SalesUnitCredentials.js"
import * as VippsEnvironment from "./VippsEnvironment.js"
import { SystemValue, VippsSystem } from "./VippsSystem.js"

/**
 * `VIPPS_MOBILEPAY_CLIENT_ID`.
 *
 * @since 0.2.0
 * @category config
 */
export const clientId: Config.Config<ClientId> = Schema.Config(
  "VIPPS_MOBILEPAY_CLIENT_ID",
  ClientId,
)

/**
 * `VIPPS_MOBILEPAY_CLIENT_SECRET`, read as `Redacted`.
 *
 * @since 0.2.0
 * @category config
 */
export const clientSecret: Config.Config<Redacted.Redacted<string>> = secret(
  "VIPPS_MOBILEPAY_CLIENT_SECRET",
)

/**
 * `VIPPS_MOBILEPAY_SUBSCRIPTION_KEY`, read as `Redacted`.
 *
 * @since 0.2.0
 * @category config
 */
export const subscriptionKey: Config.Config<Redacted.Redacted<string>> = secret(
  "VIPPS_MOBILEPAY_SUBSCRIPTION_KEY",
)

/**
 * The three keys together.
 *
 * @since 0.2.0
 * @category config
 */
export const credentials: Config.Config<SalesUnitCredentials> = Config.all({
  clientId,
  clientSecret,
  subscriptionKey,
}).pipe(Config.map((fields) => new SalesUnitCredentials(fields)))

/**
 * `VIPPS_MOBILEPAY_MSN`, when set.
 *
 * @since 0.2.0
 * @category config
 */
export const merchantSerialNumber: Config.Config<Option.Option<MerchantSerialNumber>> =
  Config.option(Schema.Config("VIPPS_MOBILEPAY_MSN", MerchantSerialNumber))

/**
 * `VIPPS_MOBILEPAY_BASE_URL` when set (a custom host), otherwise
 * `VIPPS_MOBILEPAY_ENVIRONMENT` (`test` by default, or `production`). Both a base URL and
 * `production` is a `ConfigError`: one of the two is a mistake, and the URL would quietly win.
 *
 * @since 0.2.0
 * @category config
 */
export const environment: Config.Config<VippsEnvironment.VippsEnvironment> = Config.all({
  name: Config.literal(
    "test",
    "production",
  )("VIPPS_MOBILEPAY_ENVIRONMENT").pipe(Config.withDefault("test" as const)),
  baseUrl: Config.option(Config.nonEmptyString("VIPPS_MOBILEPAY_BASE_URL")),
}).pipe(
  Config.mapOrFail(({ name, baseUrl }) =>
    Option.match(baseUrl, {
      onSome: (url) =>
        name === "production"
          ? Either.left(
              ConfigError.InvalidData(
                ["VIPPS_MOBILEPAY_ENVIRONMENT"],
                "VIPPS_MOBILEPAY_ENVIRONMENT is production but VIPPS_MOBILEPAY_BASE_URL is set too: " +
                  "unset one of them (production with a custom URL would not go to Vipps MobilePay's production)",
              ),
            )
          : Either.right(VippsEnvironment.custom(url)),
      onNone: () =>
        Either.right(name === "production" ? VippsEnvironment.production : VippsEnvironment.test),
    }),
  ),
)

const systemValue = (name: string) => Config.option(Schema.Config(name, SystemValue))

/**
 * The `Vipps-System-*` values (`VIPPS_MOBILEPAY_SYSTEM_NAME`, `_SYSTEM_VERSION`,
 * `_PLUGIN_NAME`, `_PLUGIN_VERSION`), each optional.
 *
 * @since 0.2.0
 * @category config
 */
export const system: Config.Config<VippsSystem> = Config.all({
  name: systemValue("VIPPS_MOBILEPAY_SYSTEM_NAME"),
  version: systemValue("VIPPS_MOBILEPAY_SYSTEM_VERSION"),
  pluginName: systemValue("VIPPS_MOBILEPAY_PLUGIN_NAME"),
  pluginVersion: systemValue("VIPPS_MOBILEPAY_PLUGIN_VERSION"),
}).pipe(
  Config.map(
    (values) =>
      new VippsSystem({
        name: Option.getOrUndefined(values.name),
        version: Option.getOrUndefined(values.version),
        pluginName: Option.getOrUndefined(values.pluginName),
        pluginVersion: Option.getOrUndefined(values.pluginVersion),
      }),
  ),
)

/**
 * @since 0.2.0
 * @category models
 */
export interface VippsConfig {
  readonly credentials: SalesUnitCredentials
  readonly environment: VippsEnvironment.VippsEnvironment
  readonly merchantSerialNumber: Option.Option<MerchantSerialNumber>
  readonly system: VippsSystem
}

/**
 * The whole configuration, from the variables in the table above. A malformed client id, MSN
 * or system value fails as a `ConfigError` naming the variable.
 *
 * @since 0.2.0
 * @category config
 */
export const config: Config.Config<VippsConfig> = Config.all({
  credentials,
  environment,
  merchantSerialNumber,
  system,
})
