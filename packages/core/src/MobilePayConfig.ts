/**
 * Reading a client's configuration from Effect's `Config` (by default: environment variables),
 * with the secret kept `Redacted` from the moment it is read.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `MOBILEPAY_CLIENT_ID` | the integrator client id |
 * | `MOBILEPAY_CLIENT_SECRET` | its secret (read as `Redacted`) |
 * | `MOBILEPAY_ENVIRONMENT` | `sandbox` (default) or `production` |
 * | `MOBILEPAY_AUTH_URL`, `MOBILEPAY_POS_URL` | both base URLs of a custom MobilePay (e.g. a local sandbox), instead of the environment |
 * | `MOBILEPAY_USER_SIMULATION_URL` | the user simulation's base URL (e.g. a local sandbox's) |
 * | `MOBILEPAY_CLIENT_SYSTEM_VERSION` | the certified `Major.Minor.Build`, optional |
 * | `MOBILEPAY_MERCHANT_VAT` | a default merchant, optional |
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { ClientCredentials } from "./ClientCredentials.js"
import { ClientId, ClientSystemVersion, MerchantVat } from "./Domain.js"
import * as Environment from "./Environment.js"
import { secret } from "./internal/secret.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface MobilePayConfig {
  readonly credentials: ClientCredentials
  readonly environment: Environment.Environment
  readonly clientSystemVersion: Option.Option<ClientSystemVersion>
  readonly merchantVat: Option.Option<MerchantVat>
}

/**
 * `MOBILEPAY_CLIENT_ID`.
 *
 * @since 0.2.0
 * @category config
 */
export const clientId: Config.Config<ClientId> = Schema.Config("MOBILEPAY_CLIENT_ID", ClientId)

/**
 * `MOBILEPAY_CLIENT_SECRET`, read as `Redacted`.
 *
 * @since 0.2.0
 * @category config
 */
export const clientSecret: Config.Config<Redacted.Redacted<string>> =
  secret("MOBILEPAY_CLIENT_SECRET")

/**
 * The client id and secret together.
 *
 * @since 0.2.0
 * @category config
 */
export const credentials: Config.Config<ClientCredentials> = Config.all({
  clientId,
  clientSecret,
}).pipe(Config.map((fields) => new ClientCredentials(fields)))

const urlVariables = {
  authUrl: "MOBILEPAY_AUTH_URL",
  posUrl: "MOBILEPAY_POS_URL",
  userSimulationUrl: "MOBILEPAY_USER_SIMULATION_URL",
} as const

/**
 * `MOBILEPAY_ENVIRONMENT` (`sandbox` by default, or `production`), or a custom environment when
 * the base URLs are set: then `MOBILEPAY_AUTH_URL` and `MOBILEPAY_POS_URL` are both required
 * (`MOBILEPAY_USER_SIMULATION_URL` is optional). One of them alone is a `ConfigError` naming
 * the other: falling back to MobilePay's host for it would send the token request and the
 * payments to different places (a misspelt variable would otherwise go unnoticed).
 * `MOBILEPAY_ENVIRONMENT=production` together with any of the URLs is a `ConfigError` too: one
 * of the two is a mistake, and the URLs would quietly win.
 *
 * @since 0.2.0
 * @category config
 */
export const environment: Config.Config<Environment.Environment> = Config.all({
  name: Config.literal(
    "sandbox",
    "production",
  )("MOBILEPAY_ENVIRONMENT").pipe(Config.withDefault("sandbox" as const)),
  authUrl: Config.option(Config.nonEmptyString(urlVariables.authUrl)),
  posUrl: Config.option(Config.nonEmptyString(urlVariables.posUrl)),
  userSimulationUrl: Config.option(Config.nonEmptyString(urlVariables.userSimulationUrl)),
}).pipe(
  Config.mapOrFail(({ name, authUrl, posUrl, userSimulationUrl }) => {
    if (Option.isNone(authUrl) && Option.isNone(posUrl) && Option.isNone(userSimulationUrl)) {
      return Either.right(name === "production" ? Environment.production : Environment.sandbox)
    }
    if (name === "production") {
      const set = (["authUrl", "posUrl", "userSimulationUrl"] as const)
        .filter((key) => Option.isSome({ authUrl, posUrl, userSimulationUrl }[key]))
        .map((key) => urlVariables[key])
      return Either.left(
        ConfigError.InvalidData(
          ["MOBILEPAY_ENVIRONMENT"],
          `MOBILEPAY_ENVIRONMENT is production but ${set.join(" and ")} ${set.length === 1 ? "is" : "are"} ` +
            `set too: unset one of them (production with custom URLs would not go to MobilePay's production)`,
        ),
      )
    }
    if (Option.isSome(authUrl) && Option.isSome(posUrl)) {
      return Either.right(
        Environment.custom({
          authUrl: authUrl.value,
          posUrl: posUrl.value,
          userSimulationUrl: Option.getOrUndefined(userSimulationUrl),
        }),
      )
    }
    const set = (["authUrl", "posUrl", "userSimulationUrl"] as const)
      .filter((key) => Option.isSome({ authUrl, posUrl, userSimulationUrl }[key]))
      .map((key) => urlVariables[key])
    const missing = Option.isNone(authUrl) ? urlVariables.authUrl : urlVariables.posUrl
    return Either.left(
      ConfigError.MissingData(
        [missing],
        `${set.join(" and ")} ${set.length === 1 ? "is" : "are"} set, so ${missing} must be too: ` +
          `otherwise it would fall back to MobilePay's ${name} while the rest goes elsewhere`,
      ),
    )
  }),
)

/**
 * `MOBILEPAY_CLIENT_SYSTEM_VERSION`, the certified `Major.Minor.Build`, when set.
 *
 * @since 0.2.0
 * @category config
 */
export const clientSystemVersion: Config.Config<Option.Option<ClientSystemVersion>> = Config.option(
  Schema.Config("MOBILEPAY_CLIENT_SYSTEM_VERSION", ClientSystemVersion),
)

/**
 * `MOBILEPAY_MERCHANT_VAT`, the default merchant, when set.
 *
 * @since 0.2.0
 * @category config
 */
export const merchantVat: Config.Config<Option.Option<MerchantVat>> = Config.option(
  Schema.Config("MOBILEPAY_MERCHANT_VAT", MerchantVat),
)

/**
 * The whole configuration, read from the variables in the table above. A malformed client id,
 * VAT number or version fails as a `ConfigError` naming the variable. Each piece is also its
 * own `Config` (above), so a layer can take any of them from elsewhere.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<MobilePayConfig> = Config.all({
  credentials,
  environment,
  clientSystemVersion,
  merchantVat,
})
