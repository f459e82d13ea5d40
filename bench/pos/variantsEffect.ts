/**
 * The variants on `@effect/platform-node`'s undici client: as it comes with Schema on the
 * answer (what an Effect user gets by default), and under the project's full `PosClient` call.
 * Every call is its own `runPromise`, as a request handler would make it.
 */
import { Payment } from "@effect-mobilepay/pos"
import { HttpClient, HttpClientResponse } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, ManagedRuntime } from "effect"
import { clientId, paymentId, type Variant, variantNames } from "./variants.js"
import { posClient } from "./variantsPos.js"

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

export const effectVariant = (key: "platform" | "posPlatform", origin: string): Variant => {
  switch (key) {
    case "platform":
      return platform(origin)
    case "posPlatform":
      return posClient(variantNames.posPlatform, origin, NodeHttpClient.layerUndici)
  }
}
