/**
 * Real HTTP to the sandbox's Vipps MobilePay platform routes over loopback: tokens for a sales
 * unit and calls with the headers of epayment.md §3.
 */
import { Effect, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { expect } from "@effect/vitest"
import type { Sandbox } from "../../src/index.js"
import type { SalesUnit } from "../../src/SeedData.js"
import { field, json, send, type Reply } from "./Http.js"

export const tokenHeaders = (unit: SalesUnit): Record<string, string> => ({
  client_id: unit.clientId,
  client_secret: Redacted.value(unit.clientSecret),
  "ocp-apim-subscription-key": Redacted.value(unit.subscriptionKey),
  "merchant-serial-number": unit.msn,
})

export const requestAccessToken = (
  sandbox: Sandbox.Sandbox.Service,
  headers: Readonly<Record<string, string>>,
) => send("POST", sandbox.accessTokenUrl, { headers })

export const platformToken = (sandbox: Sandbox.Sandbox.Service, unit: SalesUnit) =>
  Effect.map(requestAccessToken(sandbox, tokenHeaders(unit)), (reply) =>
    String(field(reply, "access_token")),
  )

export interface PlatformCallOptions {
  readonly json?: unknown
  readonly body?: string
  readonly headers?: Readonly<Record<string, string>>
  /** Sent as `Idempotency-Key`; `false` sends none. A fresh UUID by default on POSTs. */
  readonly idempotencyKey?: string | false
}

export interface PlatformCaller {
  readonly unit: SalesUnit
  readonly token: string
  readonly call: (
    method: string,
    path: string,
    options?: PlatformCallOptions,
  ) => Effect.Effect<Reply, unknown>
}

/** Calls `${baseUrl}${path}` as `unit`, with a token, the subscription key and the MSN. */
export const platformCaller = (sandbox: Sandbox.Sandbox.Service, unit: SalesUnit) =>
  Effect.map(platformToken(sandbox, unit), (token): PlatformCaller => ({
    unit,
    token,
    call: (method, path, options = {}) => {
      const key =
        options.idempotencyKey === false
          ? {}
          : method === "POST"
            ? { "idempotency-key": options.idempotencyKey ?? randomUUID() }
            : {}
      return send(method, `${sandbox.baseUrl}${path}`, {
        headers: {
          authorization: `Bearer ${token}`,
          "ocp-apim-subscription-key": Redacted.value(unit.subscriptionKey),
          "merchant-serial-number": unit.msn,
          "vipps-system-name": "sandbox-tests",
          ...key,
          ...options.headers,
        },
        ...(options.json === undefined ? {} : { json: options.json }),
        ...(options.body === undefined ? {} : { body: options.body }),
      })
    },
  }))

/** Asserts an RFC 7807 problem with the given status and (if given) ErrorCode. */
export const expectProblem = (reply: Reply, status: number, code?: string) => {
  expect({ status: reply.status, text: reply.text }).toMatchObject({ status })
  expect(reply.headers["content-type"]).toMatch(/application\/problem\+json/)
  const body = json(reply)
  expect(body).toMatchObject({
    status,
    title: expect.any(String),
    traceId: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    instance: expect.any(String),
  })
  const codes = (field(reply, "extraDetails") as ReadonlyArray<{ name: string; reason: string }>)
    .filter((d) => d.name === "ErrorCode")
    .map((d) => d.reason)
  expect(codes).toEqual(code === undefined ? [] : [code])
}
