/**
 * Where the examples run. Without `MOBILEPAY_CLIENT_ID` they start the sandbox in-process and
 * use its demo integrator and the self-certification merchant; with it they talk to MobilePay
 * as the `MOBILEPAY_*` variables say (see `@effect-mobilepay/core`; the examples also need
 * `MOBILEPAY_CLIENT_SYSTEM_VERSION` and `MOBILEPAY_MERCHANT_VAT`), or to `pnpm sandbox` running
 * in another terminal with the `MOBILEPAY_*_URL` variables it prints.
 */
import { ClientCredentials, Environment, MobilePayConfig } from "@effect-mobilepay/core"
import { MobilePay, PosClient } from "@effect-mobilepay/pos"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { Config, ConfigError, Context, Effect, Layer, Option } from "effect"
import * as Journal from "./Journal.js"
import * as Main from "./Main.js"

export class Target extends Context.Tag("examples/Target")<
  Target,
  {
    /** Where the examples talk to, for the account they print. */
    readonly description: string
    readonly credentials: ClientCredentials.ClientCredentials
    readonly environment: Environment.Environment
    readonly clientSystemVersion: string
    readonly merchantVat: string
    /** A store to create the example's point of sale in. */
    readonly storeId: Effect.Effect<string, PosClient.PosClientError, PosClient.PosClient>
  }
>() {}

const embedded = Layer.scoped(
  Target,
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.make()
    const merchant = SeedData.selfCertificationMerchant
    const store = merchant.stores[0]
    if (store === undefined) return yield* Effect.dieMessage("the seed merchant has no store")
    return {
      description: `the embedded sandbox at ${sandbox.baseUrl} (merchant ${merchant.vat})`,
      credentials: yield* ClientCredentials.make(SeedData.integratorA),
      environment: Environment.custom({
        authUrl: sandbox.authUrl,
        posUrl: sandbox.posUrl,
        userSimulationUrl: sandbox.userSimulationUrl,
      }),
      clientSystemVersion: "1.0.0",
      merchantVat: merchant.vat,
      storeId: Effect.succeed(store.storeId),
    }
  }),
)

const configured = Layer.effect(
  Target,
  Effect.gen(function* () {
    const config = yield* MobilePayConfig.config
    const required = <A>(value: Option.Option<A>, name: string) =>
      Option.match(value, {
        onNone: () =>
          Effect.fail(
            ConfigError.MissingData(
              [name],
              `the examples need ${name} when MOBILEPAY_CLIENT_ID is set`,
            ),
          ),
        onSome: Effect.succeed,
      })
    return {
      description: `MobilePay (${config.environment.name}: ${config.environment.posUrl})`,
      credentials: config.credentials,
      environment: config.environment,
      clientSystemVersion: yield* required(
        config.clientSystemVersion,
        "MOBILEPAY_CLIENT_SYSTEM_VERSION",
      ),
      merchantVat: yield* required(config.merchantVat, "MOBILEPAY_MERCHANT_VAT"),
      storeId: Effect.flatMap(PosClient.PosClient, (client) =>
        Effect.flatMap(client.getStores(), ({ storeIds }) =>
          storeIds[0] === undefined
            ? Effect.dieMessage("the merchant has no store")
            : Effect.succeed(storeIds[0]),
        ),
      ),
    }
  }),
)

/** The {@link Target}: the embedded sandbox, or MobilePay when credentials are configured. */
export const layer = Layer.unwrapEffect(
  Effect.map(
    Config.option(Config.string("MOBILEPAY_CLIENT_ID")),
    (clientId): Layer.Layer<Target, unknown> => (Option.isSome(clientId) ? configured : embedded),
  ),
)

/**
 * MobilePay's services for the {@link Target}, the target itself, the counted HTTP client they
 * use (`NodeMobilePay.layer(target)` is the same without the count), and the SQLite payment
 * journal with recovery at start-up.
 */
export const layerMobilePay = Journal.recovery.pipe(
  Layer.provideMerge(
    Layer.unwrapEffect(Effect.map(Target, (target) => MobilePay.layer(target))).pipe(
      Layer.provideMerge(Layer.merge(layer, Main.layerHttpClient)),
      Layer.merge(Journal.layer),
    ),
  ),
)
