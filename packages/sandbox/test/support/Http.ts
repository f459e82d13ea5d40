/**
 * Real HTTP to the sandbox over loopback, with the contract check applied to every answer.
 */
import { Data, Effect, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import type { Sandbox } from "../../src/index.js"
import type { IntegratorClient } from "../../src/SeedData.js"
import { violations } from "./Contract.js"

export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  readonly operationId: string | undefined
}

export class TransportError extends Data.TaggedError("TransportError")<{
  readonly cause: unknown
}> {}
export class ContractViolation extends Data.TaggedError("ContractViolation")<{
  readonly problems: ReadonlyArray<string>
}> {}

export interface RequestOptions {
  readonly headers?: Readonly<Record<string, string>>
  /** Sent as `application/json`. */
  readonly json?: unknown
  /** Sent as is. */
  readonly body?: string
  /** Skip the contract check (for injected faults, which break the contract on purpose). */
  readonly contract?: boolean
}

export const send = (method: string, url: string, options: RequestOptions = {}) =>
  Effect.gen(function* () {
    const headers: Record<string, string> = { ...options.headers }
    let body = options.body
    if (options.json !== undefined) {
      body = JSON.stringify(options.json)
      headers["content-type"] ??= "application/json"
    }
    const response = yield* Effect.tryPromise({
      try: (signal) =>
        fetch(url, { method, headers, signal, ...(body === undefined ? {} : { body }) }),
      catch: (cause) => new TransportError({ cause }),
    })
    const text = yield* Effect.tryPromise({
      try: () => response.text(),
      catch: (cause) => new TransportError({ cause }),
    })
    const replyHeaders: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      replyHeaders[name] = value
    })
    const path = new URL(url).pathname
    const check = violations(
      method,
      path,
      response.status,
      replyHeaders["content-type"] ?? "",
      text,
    )
    if (options.contract !== false && check.problems.length > 0) {
      return yield* new ContractViolation({ problems: check.problems })
    }
    const reply: Reply = {
      status: response.status,
      headers: replyHeaders,
      text,
      operationId: check.operationId,
    }
    return reply
  })

export const json = (reply: Reply): unknown => JSON.parse(reply.text)

/** The fields of a JSON object reply, for assertions. */
export const field = (reply: Reply, name: string): unknown => {
  const value = json(reply)
  return typeof value === "object" && value !== null && name in value
    ? Object.getOwnPropertyDescriptor(value, name)?.value
    : undefined
}

export const basic = (clientId: string, clientSecret: string) =>
  `Basic ${Buffer.from(
    `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
  ).toString("base64")}`

export const requestToken = (
  sandbox: { readonly authUrl: string },
  client: IntegratorClient,
  form: Readonly<Record<string, string>> = { grant_type: "client_credentials" },
  headers: Readonly<Record<string, string>> = {},
) =>
  send("POST", `${sandbox.authUrl}/connect/token`, {
    headers: {
      authorization: basic(client.clientId, Redacted.value(client.clientSecret)),
      "x-ibm-client-id": client.clientId,
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    },
    body: new URLSearchParams(form).toString(),
  })

export const accessToken = (
  sandbox: Sandbox.Sandbox.Service,
  client: IntegratorClient,
  merchantVat?: string,
) =>
  Effect.map(
    requestToken(sandbox, client, {
      grant_type: "client_credentials",
      ...(merchantVat === undefined ? {} : { merchant_vat: merchantVat }),
    }),
    (reply) => String(field(reply, "access_token")),
  )

const createOperations = new Set(["/pointofsales", "/payments", "/payments/prepare", "/refunds"])

export interface PosCallOptions extends RequestOptions {
  /** Defaults to a fresh GUID on the four create calls. */
  readonly idempotencyKey?: string
}

/** A caller of PoS V10 as a well-behaved client: token, client id, version, VAT, idempotency key. */
export const posClient = (
  sandbox: Sandbox.Sandbox.Service,
  client: IntegratorClient,
  merchantVat: string,
  options: { readonly vatInToken?: boolean } = {},
) =>
  Effect.map(
    accessToken(sandbox, client, options.vatInToken === true ? merchantVat : undefined),
    (token) => ({
      token,
      call: (method: string, path: string, callOptions: PosCallOptions = {}) => {
        const key =
          callOptions.idempotencyKey ??
          (method === "POST" && createOperations.has(path) ? randomUUID() : undefined)
        return send(method, `${sandbox.posUrl}${path}`, {
          ...callOptions,
          headers: {
            authorization: `Bearer ${token}`,
            "x-ibm-client-id": client.clientId,
            "x-mobilepay-client-system-version": "1.0.0",
            ...(options.vatInToken === true
              ? {}
              : { "x-mobilepay-merchant-vat-number": merchantVat }),
            ...(key === undefined ? {} : { "x-mobilepay-idempotency-key": key }),
            ...callOptions.headers,
          },
        })
      },
    }),
  )

export const userSimulation = (
  sandbox: Sandbox.Sandbox.Service,
  action: "checkin" | "acceptpayment" | "cancelpaymentbyuser",
  body: Readonly<Record<string, string>>,
) => send("POST", `${sandbox.userSimulationUrl}/${action}`, { json: body })
