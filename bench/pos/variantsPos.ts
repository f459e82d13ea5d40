/**
 * The project's full `PosClient` call (token from `TokenService`, headers, timeout, retry
 * policy, decode), each call its own `runPromise` as a request handler would make it; on the
 * lean `UndiciHttpClient` (`NodeMobilePay`'s default) this file loads no more than a user of
 * `NodeMobilePay` does; and raw undici's call inside such a program.
 */
import { ClientCredentials, Environment } from "@effect-mobilepay/core"
import { UndiciHttpClient } from "@effect-mobilepay/node"
import { MobilePay, PosClient } from "@effect-mobilepay/pos"
import type { HttpClient } from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { plainVariant } from "./variantsPlain.js"
import {
  clientId,
  clientSecret,
  clientSystemVersion,
  merchantVat,
  paymentId,
  type Variant,
  variantNames,
} from "./variant.js"

export const posClient = (name: string, origin: string, http: Layer.Layer<HttpClient>): Variant => {
  const runtime = ManagedRuntime.make(
    Layer.unwrapEffect(
      Effect.map(ClientCredentials.make({ clientId, clientSecret }), (credentials) =>
        MobilePay.layer({
          credentials,
          environment: Environment.custom({
            authUrl: `${origin}/integrator-authentication`,
            posUrl: `${origin}/pos/v10`,
          }),
          clientSystemVersion,
          merchantVat,
        }),
      ),
    ).pipe(Layer.provide(http)),
  )
  const query = Effect.flatMap(PosClient.PosClient, (client) => client.queryPayment(paymentId))
  return { name, call: () => runtime.runPromise(query), close: () => runtime.dispose() }
}

export const leanVariant = (origin: string): Variant =>
  posClient(variantNames.posUndici, origin, UndiciHttpClient.layer)

/**
 * Raw undici's call, each run by `runPromise` in a program that has loaded what the
 * `UndiciHttpClient` variant loads: the floor of that program's memory and of Effect's cost.
 */
export const undiciInEffect = (origin: string): Variant => {
  const raw = plainVariant("undici", origin)
  const runtime = ManagedRuntime.make(UndiciHttpClient.layer)
  const call = Effect.promise(raw.call)
  return {
    name: variantNames.undiciInEffect,
    call: () => runtime.runPromise(call),
    close: () => Promise.all([raw.close(), runtime.dispose()]).then(() => undefined),
  }
}

/**
 * Raw undici's call, as it is, in a program that has loaded what the `UndiciHttpClient` variant
 * loads (this file's imports) and built its runtime: the memory of the loaded modules alone,
 * with no Effect run per call.
 */
export const undiciLoaded = async (origin: string): Promise<Variant> => {
  const raw = plainVariant("undici", origin)
  const runtime = ManagedRuntime.make(UndiciHttpClient.layer)
  await runtime.runtime()
  return {
    name: variantNames.undiciLoaded,
    call: raw.call,
    close: () => Promise.all([raw.close(), runtime.dispose()]).then(() => undefined),
  }
}
