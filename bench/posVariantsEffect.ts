/**
 * The Effect variants: `@effect/platform-node`'s undici client as it comes with Schema on the
 * answer (what an Effect user gets by default), and the project's full `PosClient` call (token
 * from `TokenService`, headers, timeout, retry policy, decode) on each transport it ships:
 * `@effect/platform-node`'s client and the lean `UndiciHttpClient` (`NodeMobilePay`'s default).
 * Every call is its own `runPromise`, as a request handler would make it.
 */
import { ClientCredentials, Environment } from "@effect-mobilepay/core"
import { UndiciHttpClient } from "@effect-mobilepay/node"
import { MobilePay, Payment, PosClient } from "@effect-mobilepay/pos"
import { HttpClient, HttpClientResponse } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime } from "effect"
import { clientId, merchantVat, paymentId, type Variant, variantNames } from "./posVariants.js"

const headers = {
  accept: "application/json",
  authorization: "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb3MtYmVuY2gifQ.c2lnbmF0dXJl",
  "x-ibm-client-id": clientId,
  "x-mobilepay-client-system-version": "1.0.0",
}

const platform = (origin: string): Variant => {
  const runtime = ManagedRuntime.make(NodeHttpClient.layerUndici)
  const url = `${origin}/pos/v10/payments/${paymentId}`
  const call = Effect.flatMap(HttpClient.HttpClient, (client) =>
    HttpClient.filterStatusOk(client)
      .get(url, { headers })
      .pipe(Effect.flatMap(HttpClientResponse.schemaBodyJson(Payment.QueryPaymentResponse))),
  )
  return {
    name: variantNames.platform,
    call: () => runtime.runPromise(call),
    close: () => runtime.dispose(),
  }
}

const posClient = (
  name: string,
  origin: string,
  http: Layer.Layer<HttpClient.HttpClient>,
): Variant => {
  const runtime = ManagedRuntime.make(
    Layer.unwrapEffect(
      Effect.map(
        ClientCredentials.make({ clientId, clientSecret: "bench-secret" }),
        (credentials) =>
          MobilePay.layer({
            credentials,
            environment: Environment.custom({
              authUrl: `${origin}/integrator-authentication`,
              posUrl: `${origin}/pos/v10`,
            }),
            clientSystemVersion: "1.0.0",
            merchantVat,
          }),
      ),
    ).pipe(Layer.provide(http)),
  )
  const query = Effect.flatMap(PosClient.PosClient, (client) => client.queryPayment(paymentId))
  return { name, call: () => runtime.runPromise(query), close: () => runtime.dispose() }
}

export const effectVariant = (
  key: "platform" | "posPlatform" | "posUndici",
  origin: string,
): Variant => {
  switch (key) {
    case "platform":
      return platform(origin)
    case "posPlatform":
      return posClient(variantNames.posPlatform, origin, NodeHttpClient.layerUndici)
    case "posUndici":
      return posClient(variantNames.posUndici, origin, UndiciHttpClient.layer)
  }
}
