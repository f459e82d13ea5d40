/**
 * Real processes for the ePayment crash tests: a till (`fixtures/epayment-till.ts`) run as a
 * child process against the embedded sandbox's ePayment side, served by this process, on a
 * SQLite journal file; and what the test itself uses to play the customer and read the
 * platform (an `EPaymentClient` of the same sales unit).
 */
import { SalesUnitCredentials, VippsEnvironment } from "@effect-mobilepay/core"
import { EPayment, EPaymentClient } from "@effect-mobilepay/epayment"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import type { HttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Context, Effect, Layer } from "effect"
import { fileURLToPath } from "node:url"
import { tillsOf } from "./TillProcesses.js"

export type { TillExit } from "./TillProcesses.js"

const tillProgram = fileURLToPath(new URL("../fixtures/epayment-till.ts", import.meta.url))

/** The sales unit every till and the test act for. */
export const salesUnit = SeedData.demoShopDk
const dk = SeedData.platformUsers.filter((user) => user.market === "DK")
/** The platform's DK test users (their phone numbers). */
export const customers: ReadonlyArray<string> = dk.map((user) => user.phoneNumber)

/** The ePayment clients of `salesUnit` on the sandbox at `baseUrl`, over `http`. */
export const ePaymentOn = (
  baseUrl: string,
  http: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerUndici,
) =>
  Layer.unwrapEffect(
    Effect.map(SalesUnitCredentials.make(salesUnit), (credentials) =>
      EPayment.layer({
        credentials,
        environment: VippsEnvironment.custom(baseUrl),
        merchantSerialNumber: salesUnit.msn,
      }),
    ),
  ).pipe(Layer.provide(http))

/** What a till is told to do (see `fixtures/epayment-till.ts`). */
export type Task =
  | {
      readonly _tag: "Pay"
      readonly orderId: string
      readonly amount: number
      readonly captureAmount?: number
      readonly phoneNumber: string
      /** Millis; the till cancels when the customer has not approved by then. */
      readonly customerTimeout: number
      /** Millis from the create to the first read. */
      readonly firstPoll?: number
    }
  | {
      readonly _tag: "Refund"
      readonly orderId: string
      readonly reference: string
      readonly amount: number
    }
  | { readonly _tag: "Recover"; readonly undecidedGrace?: number }

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }

/** A sandbox on the real clock, the test's own client of it, and its simulated customer. */
export const startSandbox = (options: Sandbox.SandboxOptions = {}) =>
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.make(options)
    const context = yield* Layer.build(ePaymentOn(sandbox.baseUrl))
    const client = Context.get(context, EPaymentClient.EPaymentClient)
    const customerCall = (path: string, body?: unknown) =>
      Effect.promise(async () => {
        const response = await fetch(
          `${sandbox.customerUrl}${path}`,
          body === undefined
            ? {}
            : {
                method: "POST",
                body: JSON.stringify(body),
                headers: { "content-type": "application/json" },
              },
        )
        const text = await response.text()
        return { status: response.status, body: text === "" ? null : (JSON.parse(text) as Json) }
      })
    /** What a customer does in the MobilePay app. */
    const customer = {
      /** The references of the payment requests waiting in the customer's app. */
      requests: (phoneNumber: string) =>
        Effect.map(
          customerCall(`/requests?phoneNumber=${encodeURIComponent(phoneNumber)}`),
          (answer) =>
            [...JSON.stringify(answer.body).matchAll(/"reference":"([^"]+)"/g)].map(
              (match) => match[1] ?? "",
            ),
        ),
      approve: (reference: string, phoneNumber: string) =>
        customerCall("/approve", { phoneNumber, msn: salesUnit.msn, reference }),
      reject: (reference: string, phoneNumber: string) =>
        customerCall("/reject", { phoneNumber, msn: salesUnit.msn, reference }),
    }
    return { sandbox, client, customer }
  })

/** The tills of `fixtures/epayment-till.ts`, against `sandbox` (see `tillsOf`). */
export const { runTill, forkTill } = tillsOf<Task>(tillProgram, (sandbox) => ({
  baseUrl: sandbox.baseUrl,
}))
