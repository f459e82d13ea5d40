/**
 * The reliability comparison of the ePayment benchmark: for a create whose answer is lost
 * after the platform committed it, how many payments each client leaves behind. A server on
 * loopback (node:http, in this process) keeps the payments it created, as the ePayment API
 * does (§3.1 of the reference): the same `Idempotency-Key` with the same body gets the first
 * answer again, with another body a 409; a new key for a `reference` it already holds a 409
 * ("reference exists"). It commits the first create of every sale (a sale is the create's
 * `paymentDescription`), then destroys the socket without answering. Each client makes
 * {@link saleCount} sales, and its caller retries a create that failed without an answer once,
 * as a careful caller would; the server then counts what it holds per sale.
 */
import { randomUUID } from "node:crypto"
import { UndiciHttpClient } from "@effect-mobilepay/node"
import { EPaymentClient } from "@effect-mobilepay/epayment"
import type { HttpClient } from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { Pool } from "undici"
import { reset, respond } from "@effect-mobilepay/test-support/TokenEndpoint"
import { startLoopback } from "../harness/loopback.js"
import { table } from "../harness/report.js"
import type { Route } from "./sdkRoute.js"
import {
  accessToken,
  apiHeaders,
  createHeaders,
  createRequest,
  paymentsPath,
  redirectUrl,
  salesUnit,
  tokenPath,
} from "./sale.js"
import { ePaymentLayer, sdkClient, sdkToken, type VariantKey, variantNames } from "./variants.js"

export const saleCount = 100
const inFlight = 25

interface CommitAndCut {
  readonly origin: string
  /** Payments held, by sale. */
  readonly held: () => ReadonlyMap<string, number>
  /** Creates received. */
  readonly creates: () => number
  readonly close: () => Promise<void>
}

const problem = (status: number, title: string, detail: string) =>
  JSON.stringify({
    type: "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/api-guide/errors",
    title,
    detail,
    status,
    traceId: randomUUID(),
  })

const fields = (body: string): { readonly reference: string; readonly sale: string } => {
  const json: unknown = JSON.parse(body)
  if (
    typeof json === "object" &&
    json !== null &&
    "reference" in json &&
    typeof json.reference === "string" &&
    "paymentDescription" in json &&
    typeof json.paymentDescription === "string"
  ) {
    return { reference: json.reference, sale: json.paymentDescription }
  }
  throw new Error("a create without a reference or a description")
}

const startCommitAndCut = async (): Promise<CommitAndCut> => {
  const byKey = new Map<string, { readonly body: string; readonly answer: string }>()
  const references = new Set<string>()
  const held = new Map<string, number>()
  let creates = 0
  const reply = (status: number, body: string) =>
    respond(status, body, {
      "content-type": status < 300 ? "application/json" : "application/problem+json",
      "content-length": String(Buffer.byteLength(body)),
    })
  const server = await startLoopback((_, request) => {
    if (request.method === "POST" && request.path === tokenPath) {
      return reply(
        200,
        JSON.stringify({ token_type: "Bearer", expires_in: 3600, access_token: accessToken }),
      )
    }
    const key = request.headers["idempotency-key"]
    if (request.method !== "POST" || request.path !== paymentsPath || typeof key !== "string") {
      return reply(404, problem(404, "Not Found", "not a create"))
    }
    creates++
    const seen = byKey.get(key)
    if (seen !== undefined) {
      return seen.body === request.body
        ? reply(201, seen.answer)
        : reply(409, problem(409, "Conflict", "Idempotency-Key already exists (4020)"))
    }
    const { reference, sale } = fields(request.body)
    if (references.has(reference)) {
      return reply(409, problem(409, "Conflict", "reference exists (4150)"))
    }
    const answer = JSON.stringify({ reference, redirectUrl })
    byKey.set(key, { body: request.body, answer })
    references.add(reference)
    const before = held.get(sale) ?? 0
    held.set(sale, before + 1)
    // Committed: the first create of a sale loses its answer.
    return before === 0 ? reset : reply(201, answer)
  })
  return {
    origin: server.origin,
    held: () => held,
    creates: () => creates,
    close: server.close,
  }
}

/** A caller making sales with one client: each resolves to whether the caller saw it created. */
interface Caller {
  readonly name: string
  /** How the caller retries. */
  readonly retry: string
  readonly variant: VariantKey
  readonly start: (
    origin: string,
    route: Route,
  ) => Promise<{
    readonly sale: (sale: string, reference: string) => Promise<boolean>
    readonly close: () => Promise<void>
  }>
}

/**
 * Create, and once more if that failed without an answer (an answer, a 409 say, is the
 * caller's to act on, not to retry blindly).
 */
const retryOnce = async (attempt: (index: number) => Promise<boolean>): Promise<boolean> => {
  try {
    return await attempt(0)
  } catch {
    return attempt(1).catch(() => false)
  }
}

const undiciCaller = (sameKey: boolean): Caller => ({
  name: variantNames.undici,
  retry: sameKey ? "once, the same key" : "once, a new key (as the SDK)",
  variant: "undici",
  start: async (origin) => {
    const pool = new Pool(origin)
    const headers = apiHeaders(accessToken)
    return {
      sale: (sale, reference) => {
        const body = JSON.stringify(createRequest(reference, sale))
        const keys = [randomUUID(), randomUUID()]
        return retryOnce(async (index) => {
          const response = await pool.request({
            method: "POST",
            path: paymentsPath,
            headers: createHeaders(headers, (sameKey ? keys[0] : keys[index]) ?? ""),
            body,
          })
          await response.body.text()
          return response.statusCode === 201
        })
      },
      close: () => pool.close(),
    }
  },
})

const fetchCaller: Caller = {
  name: variantNames.fetch,
  retry: "once, a new key (as the SDK)",
  variant: "fetch",
  start: async (origin) => {
    const headers = apiHeaders(accessToken)
    return {
      sale: (sale, reference) => {
        const body = JSON.stringify(createRequest(reference, sale))
        return retryOnce(async () => {
          const response = await fetch(`${origin}${paymentsPath}`, {
            method: "POST",
            headers: createHeaders(headers, randomUUID()),
            body,
          })
          await response.text()
          return response.status === 201
        })
      },
      close: async () => {},
    }
  },
}

// The SDK makes its own Idempotency-Key in every call (base_client_helper.js), and answers a
// lost answer by rejecting (its fetch is not caught; it retries only 5xx answers).
const sdkCaller = (ownReference: boolean): Caller => ({
  name: "@vippsmobilepay/sdk 2.4.2",
  retry: ownReference
    ? "once (the SDK makes a new key), the caller's reference"
    : "once (the SDK makes a new key), reference left to the SDK",
  variant: "sdk",
  start: async (origin, route) => {
    await route.to(origin)
    const client = sdkClient()
    const token = await sdkToken(client)
    return {
      sale: (sale, reference) =>
        retryOnce(async () => {
          // An empty reference is filled in by the SDK with a new UUID on each call.
          const created = await client.payment.create(
            token,
            createRequest(ownReference ? reference : "", sale),
          )
          return created.ok
        }),
      close: async () => {},
    }
  },
})

const ePaymentCaller = (
  variant: "epaymentUndici" | "epaymentNode",
  name: string,
  http: Layer.Layer<HttpClient>,
): Caller => ({
  name,
  retry: "once (the client retries itself, the same key)",
  variant,
  start: async (origin) => {
    const runtime = ManagedRuntime.make(ePaymentLayer(origin, http))
    return {
      sale: (sale, reference) =>
        retryOnce(() =>
          runtime.runPromise(
            Effect.flatMap(EPaymentClient.EPaymentClient, (client) =>
              client.create(createRequest(reference, sale)),
            ).pipe(Effect.as(true)),
          ),
        ),
      close: () => runtime.dispose(),
    }
  },
})

const callers: ReadonlyArray<Caller> = [
  undiciCaller(false),
  undiciCaller(true),
  fetchCaller,
  sdkCaller(true),
  sdkCaller(false),
  ePaymentCaller("epaymentUndici", "EPaymentClient (UndiciHttpClient)", UndiciHttpClient.layer),
  ePaymentCaller("epaymentNode", "EPaymentClient (NodeHttpClient)", NodeHttpClient.layerUndici),
]

export interface ReliabilityRow {
  readonly client: string
  readonly retry: string
  readonly sales: number
  /** Creates the server received. */
  readonly creates: number
  readonly seconds: number
  /** Payments the server holds for those sales. */
  readonly payments: number
  /** Sales whose create the caller saw succeed. */
  readonly created: number
  /** Payments the caller holds no answer for: requests in the customer's app the till lost. */
  readonly unknown: number
  /** Sales holding more than one payment. */
  readonly doubled: number
}

export const reliability = async (
  route: Route,
  keys: ReadonlyArray<VariantKey>,
): Promise<ReadonlyArray<ReliabilityRow>> => {
  const rows: Array<ReliabilityRow> = []
  for (const caller of callers.filter((c) => keys.includes(c.variant))) {
    const server = await startCommitAndCut()
    const client = await caller.start(server.origin, route)
    try {
      const started = process.hrtime.bigint()
      let next = 0
      let created = 0
      const worker = async () => {
        while (next < saleCount) {
          const n = next++
          const sale = `sale ${n}`
          if (await client.sale(sale, `rel-${salesUnit.msn}-${n.toString().padStart(6, "0")}`)) {
            created++
          }
        }
      }
      await Promise.all(Array.from({ length: inFlight }, worker))
      const held = [...server.held().values()]
      const payments = held.reduce((sum, n) => sum + n, 0)
      rows.push({
        client: caller.name,
        retry: caller.retry,
        sales: saleCount,
        creates: server.creates(),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        payments,
        created,
        unknown: payments - created,
        doubled: held.filter((n) => n > 1).length,
      })
    } finally {
      await client.close()
      await server.close()
    }
  }
  return rows
}

/** Whether every `EPaymentClient` row left one payment per sale, each known to its caller. */
export const ePaymentClientHeld = (rows: ReadonlyArray<ReliabilityRow>): boolean =>
  rows
    .filter((row) => row.client.startsWith("EPaymentClient"))
    .every((row) => row.payments === row.sales && row.created === row.sales)

export const renderReliability = (rows: ReadonlyArray<ReliabilityRow>, sales: number): string =>
  [
    table(
      `A create committed, then its answer cut (socket destroyed): ${sales} sales per client`,
      [
        "client",
        "caller retries",
        "creates sent",
        "payments",
        "per sale",
        "seen created",
        "unknown to caller",
        "sales doubled",
      ],
      rows.map((row) => [
        row.client,
        row.retry,
        String(row.creates),
        String(row.payments),
        (row.payments / row.sales).toFixed(2),
        String(row.created),
        String(row.unknown),
        String(row.doubled),
      ]),
    ),
    "   the server keeps payments as the API does: same key + same body = the first answer again; a new key for a held reference = 409 (reference exists)",
    "   unknown to caller = payments held that the caller got no 201 for: a request in the customer's app that the till has given up on",
    ePaymentClientHeld(rows)
      ? "   EPaymentClient: one payment per sale, every one known to its caller"
      : "   FAILED: EPaymentClient left a sale with other than one payment known to its caller",
  ].join("\n")
