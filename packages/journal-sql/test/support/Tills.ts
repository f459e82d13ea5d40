/**
 * Real processes for the crash tests: a till (`fixtures/till.ts`) run as a child process
 * against a sandbox this process serves, on a SQLite journal file; and the client the test
 * itself uses to play the customer and look at the sandbox.
 */
import { ClientCredentials, Environment } from "@effect-mobilepay/core"
import { MobilePay, PosClient } from "@effect-mobilepay/pos"
import type { HttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { Effect, Layer } from "effect"
import { fileURLToPath } from "node:url"
import { tillsOf } from "./TillProcesses.js"

export type { TillExit } from "./TillProcesses.js"

const tillProgram = fileURLToPath(new URL("../fixtures/till.ts", import.meta.url))

export const merchant = SeedData.selfCertificationMerchant
export const storeId = merchant.stores[0]?.storeId ?? ""
export const creditUser = "+4520031801"

/** What a till is told to do (see `fixtures/till.ts`). */
export type Task =
  | {
      readonly _tag: "Pay"
      readonly posId: string
      readonly orderId: string
      readonly amount: number
      readonly customerTimeout: number
    }
  | {
      readonly _tag: "Refund"
      readonly paymentId: string
      readonly refundOrderId: string
      readonly amount: number
    }
  | { readonly _tag: "Recover" }

/**
 * The client stack on `sandbox`, as integrator A for the self-certification merchant, over
 * `http` (undici by default).
 */
export const clientOn = (
  sandbox: Sandbox.Sandbox.Service,
  options: Partial<PosClient.Options> = {},
  http: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerUndici,
) =>
  Layer.unwrapEffect(
    Effect.map(ClientCredentials.make(SeedData.integratorA), (credentials) =>
      MobilePay.layer({
        credentials,
        environment: Environment.custom({
          authUrl: sandbox.authUrl,
          posUrl: sandbox.posUrl,
          userSimulationUrl: sandbox.userSimulationUrl,
        }),
        clientSystemVersion: "1.2.3",
        merchantVat: merchant.vat,
        ...options,
      }).pipe(Layer.provide(http)),
    ),
  )

/** A sandbox on the real clock, and a client of it for the test's own calls. */
export const startSandbox = (options: Sandbox.SandboxOptions = {}) =>
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.make({ pollDelay: "100 millis", ...options })
    const context = yield* Layer.build(clientOn(sandbox))
    const client = yield* Effect.provide(PosClient.PosClient, context)
    return { sandbox, client }
  })

/** The tills of `fixtures/till.ts`, against `sandbox` (see `tillsOf`). */
export const { runTill, forkTill } = tillsOf<Task>(tillProgram, (sandbox) => ({
  authUrl: sandbox.authUrl,
  posUrl: sandbox.posUrl,
  userSimulationUrl: sandbox.userSimulationUrl,
  merchantVat: merchant.vat,
}))
