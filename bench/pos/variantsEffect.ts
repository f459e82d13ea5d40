/**
 * The variants on `@effect/platform-node`'s undici client: as it comes with Schema on the
 * answer (what an Effect user gets by default), and under the project's full `PosClient` call.
 * Every call is its own `runPromise`, as a request handler would make it.
 */
import { Payment } from "@effect-mobilepay/pos"
import { HttpClient, HttpClientResponse } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, ManagedRuntime } from "effect"
import { headers, paymentPath, type Variant, variantNames } from "./variant.js"
import { posClient } from "./variantsPos.js"

const platform = (origin: string): Variant => {
  const runtime = ManagedRuntime.make(NodeHttpClient.layerUndici)
  const url = `${origin}${paymentPath}`
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
