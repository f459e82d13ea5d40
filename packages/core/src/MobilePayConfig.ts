/**
 * Reading a client's configuration from Effect's `Config` (by default: environment variables),
 * with the secret kept `Redacted` from the moment it is read.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `MOBILEPAY_CLIENT_ID` | the integrator client id |
 * | `MOBILEPAY_CLIENT_SECRET` | its secret (read as `Redacted`) |
 * | `MOBILEPAY_ENVIRONMENT` | `sandbox` (default) or `production` |
 * | `MOBILEPAY_AUTH_URL`, `MOBILEPAY_POS_URL` | override either base URL (e.g. a local sandbox) |
 * | `MOBILEPAY_USER_SIMULATION_URL` | the user simulation's base URL (e.g. a local sandbox's) |
 * | `MOBILEPAY_CLIENT_SYSTEM_VERSION` | the certified `Major.Minor.Build`, optional |
 * | `MOBILEPAY_MERCHANT_VAT` | a default merchant, optional |
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Option from "effect/Option"
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

const environment: Config.Config<Environment.Environment> = Config.all({
  name: Config.literal(
    "sandbox",
    "production",
  )("MOBILEPAY_ENVIRONMENT").pipe(Config.withDefault("sandbox" as const)),
  authUrl: Config.option(Config.nonEmptyString("MOBILEPAY_AUTH_URL")),
  posUrl: Config.option(Config.nonEmptyString("MOBILEPAY_POS_URL")),
  userSimulationUrl: Config.option(Config.nonEmptyString("MOBILEPAY_USER_SIMULATION_URL")),
}).pipe(
  Config.map(({ name, authUrl, posUrl, userSimulationUrl }) => {
    const base = name === "production" ? Environment.production : Environment.sandbox
    if (Option.isNone(authUrl) && Option.isNone(posUrl) && Option.isNone(userSimulationUrl)) {
      return base
    }
    return Environment.custom({
      authUrl: Option.getOrElse(authUrl, () => base.authUrl),
      posUrl: Option.getOrElse(posUrl, () => base.posUrl),
      // A PoS API elsewhere keeps its simulated customers there too: never the public sandbox's.
      userSimulationUrl: Option.getOrElse(userSimulationUrl, () =>
        Option.isNone(posUrl) ? base.userSimulationUrl : undefined,
      ),
    })
  }),
)

/**
 * The whole configuration, read from the variables in the table above. A malformed client id,
 * VAT number or version fails as a `ConfigError` naming the variable.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<MobilePayConfig> = Config.all({
  credentials: Config.all({
    clientId: Schema.Config("MOBILEPAY_CLIENT_ID", ClientId),
    clientSecret: secret("MOBILEPAY_CLIENT_SECRET"),
  }).pipe(Config.map((fields) => new ClientCredentials(fields))),
  environment,
  clientSystemVersion: Config.option(
    Schema.Config("MOBILEPAY_CLIENT_SYSTEM_VERSION", ClientSystemVersion),
  ),
  merchantVat: Config.option(Schema.Config("MOBILEPAY_MERCHANT_VAT", MerchantVat)),
})
