/**
 * The ways to make one in-store ePayment sale's two calls, create then get, that the ePayment
 * benchmark compares: raw undici and `fetch` as a hand-written integration makes them (one
 * token fetched up front), the official `@vippsmobilepay/sdk` (which takes the token from its
 * caller on every call; one fetched up front with its own `auth.getToken`), and the project's
 * `EPaymentClient` (its token from token-service's `AccessTokenService`) on `UndiciHttpClient`
 * and on `@effect/platform-node`'s `NodeHttpClient`. Every variant sends the same headers
 * (checked by the server) and has its own connection pool.
 */
import { randomUUID } from "node:crypto"
import {
  AccessTokenClient,
  SalesUnitCredentials,
  VippsEnvironment,
  VippsSystem,
} from "@effect-mobilepay/core"
import { EPaymentClient } from "@effect-mobilepay/epayment"
import { UndiciHttpClient } from "@effect-mobilepay/node"
import { AccessTokenService } from "@effect-mobilepay/token-service"
import type { HttpClient } from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Client as SdkClient } from "@vippsmobilepay/sdk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { Pool } from "undici"
import {
  apiHeaders,
  createHeaders,
  createRequest,
  paymentsPath,
  salesUnit,
  system,
  tokenHeaders,
  tokenPath,
} from "./sale.js"

const accessTokenOf = (json: unknown): string => {
  if (
    typeof json === "object" &&
    json !== null &&
    "access_token" in json &&
    typeof json.access_token === "string"
  ) {
    return json.access_token
  }
  throw new Error("the token answer has no access_token")
}

export interface Variant {
  readonly name: string
  /** One sale: create, then get the payment created; resolves to the payment. */
  readonly sale: (reference: string) => Promise<unknown>
  readonly close: () => Promise<void>
}

export const variantNames = {
  undici: "raw undici Pool.request",
  fetch: "global fetch",
  sdk: "@vippsmobilepay/sdk 2.4.2 (fetch)",
  epaymentUndici: "EPaymentClient (UndiciHttpClient)",
  epaymentNode: "EPaymentClient (NodeHttpClient)",
} as const

export type VariantKey = keyof typeof variantNames

export const variantKeys = Object.keys(variantNames).filter(
  (key): key is VariantKey => key in variantNames,
)

const undici = async (origin: string): Promise<Variant> => {
  const pool = new Pool(origin)
  const token = await pool
    .request({ method: "POST", path: tokenPath, headers: tokenHeaders })
    .then((response) => response.body.json())
    .then(accessTokenOf)
  const headers = apiHeaders(token)
  const json = async (
    options: Parameters<Pool["request"]>[0],
    expected: number,
  ): Promise<unknown> => {
    const response = await pool.request(options)
    const body: unknown = await response.body.json()
    if (response.statusCode !== expected) throw new Error(`status ${response.statusCode}`)
    return body
  }
  return {
    name: variantNames.undici,
    sale: async (reference) => {
      await json(
        {
          method: "POST",
          path: paymentsPath,
          headers: createHeaders(headers, randomUUID()),
          body: JSON.stringify(createRequest(reference)),
        },
        201,
      )
      return json({ method: "GET", path: `${paymentsPath}/${reference}`, headers }, 200)
    },
    close: () => pool.close(),
  }
}

const fetchVariant = async (origin: string): Promise<Variant> => {
  const token = await fetch(`${origin}${tokenPath}`, { method: "POST", headers: tokenHeaders })
    .then((response) => response.json())
    .then(accessTokenOf)
  const headers = apiHeaders(token)
  const json = async (url: string, init: RequestInit, expected: number): Promise<unknown> => {
    const response = await fetch(url, init)
    const body: unknown = await response.json()
    if (response.status !== expected) throw new Error(`status ${response.status}`)
    return body
  }
  return {
    name: variantNames.fetch,
    sale: async (reference) => {
      await json(
        `${origin}${paymentsPath}`,
        {
          method: "POST",
          headers: createHeaders(headers, randomUUID()),
          body: JSON.stringify(createRequest(reference)),
        },
        201,
      )
      return json(`${origin}${paymentsPath}/${reference}`, { headers }, 200)
    },
    close: async () => {},
  }
}

/**
 * The official SDK as its README shows it, in test mode (its requests go to the loopback
 * server through `sdkRoute.ts`), with its own retries on (the default).
 */
export const sdkClient = () =>
  SdkClient({
    merchantSerialNumber: salesUnit.msn,
    subscriptionKey: salesUnit.subscriptionKey,
    systemName: system.name,
    systemVersion: system.version,
    pluginName: system.pluginName,
    pluginVersion: system.pluginVersion,
    useTestMode: true,
    retryRequests: true,
  })

/** The SDK's token: it has no cache and fetches none itself; every call takes one. */
export const sdkToken = async (client: ReturnType<typeof sdkClient>): Promise<string> => {
  const answer = await client.auth.getToken(salesUnit.clientId, salesUnit.clientSecret)
  if (!answer.ok) throw new Error(`the SDK got no token: ${String(answer.error)}`)
  return answer.data.access_token
}

const sdk = async (): Promise<Variant> => {
  const client = sdkClient()
  const token = await sdkToken(client)
  return {
    name: variantNames.sdk,
    sale: async (reference) => {
      const created = await client.payment.create(token, createRequest(reference))
      if (!created.ok) throw new Error(`create failed: ${JSON.stringify(created.error)}`)
      const payment = await client.payment.info(token, reference)
      if (!payment.ok) throw new Error(`get failed: ${JSON.stringify(payment.error)}`)
      return payment.data
    },
    close: async () => {},
  }
}

/**
 * The layers of an `EPaymentClient` against `origin` on `http`: its tokens from
 * token-service's `AccessTokenService` (cached per MSN) over core's `AccessTokenClient`.
 */
export const ePaymentLayer = (origin: string, http: Layer.Layer<HttpClient>) => {
  const environment = VippsEnvironment.custom(origin)
  const vippsSystem = new VippsSystem.VippsSystem({
    name: VippsSystem.SystemValue.make(system.name),
    version: VippsSystem.SystemValue.make(system.version),
    pluginName: VippsSystem.SystemValue.make(system.pluginName),
    pluginVersion: VippsSystem.SystemValue.make(system.pluginVersion),
  })
  return EPaymentClient.layer({
    environment,
    subscriptionKey: Redacted.make(salesUnit.subscriptionKey),
    merchantSerialNumber: salesUnit.msn,
    system: vippsSystem,
  }).pipe(
    Layer.provide(AccessTokenService.layer()),
    Layer.provide(
      Layer.unwrapEffect(
        Effect.map(SalesUnitCredentials.make(salesUnit), (credentials) =>
          AccessTokenClient.layer({ credentials, environment, system: vippsSystem }),
        ),
      ),
    ),
    Layer.provide(http),
  )
}

const ePayment = (name: string, origin: string, http: Layer.Layer<HttpClient>): Variant => {
  const runtime = ManagedRuntime.make(ePaymentLayer(origin, http))
  const sale = (reference: string) =>
    Effect.flatMap(EPaymentClient.EPaymentClient, (client) =>
      Effect.zipRight(client.create(createRequest(reference)), client.get(reference)),
    )
  return {
    name,
    sale: (reference) => runtime.runPromise(sale(reference)),
    close: () => runtime.dispose(),
  }
}

export const makeVariant = (key: VariantKey, origin: string): Promise<Variant> => {
  switch (key) {
    case "undici":
      return undici(origin)
    case "fetch":
      return fetchVariant(origin)
    case "sdk":
      return sdk()
    case "epaymentUndici":
      return Promise.resolve(ePayment(variantNames[key], origin, UndiciHttpClient.layer))
    case "epaymentNode":
      return Promise.resolve(ePayment(variantNames[key], origin, NodeHttpClient.layerUndici))
  }
}

/** Checks a variant's answer (decoded or plain JSON): the payment of the sale, authorized. */
export const checkAnswer = (answer: unknown, reference: string): void => {
  if (typeof answer !== "object" || answer === null || !("reference" in answer)) {
    throw new Error("the answer is not a payment")
  }
  if (answer.reference !== reference) throw new Error("the answer is not the payment asked for")
  if (!("state" in answer) || answer.state !== "AUTHORIZED") throw new Error("not authorized")
}
