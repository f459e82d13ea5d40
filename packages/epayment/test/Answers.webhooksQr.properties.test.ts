/**
 * Property: every body the Webhooks and QR contracts allow is read by the clients, over
 * loopback: 2xx answers decode, and error bodies give their status's error with their fields.
 * The bodies come from the OpenAPI files (test/support/WebhooksQrContracts.ts), not from the
 * client's schemas; 60 per case, from a fixed seed so a failure repeats.
 */
import { Untrusted } from "@effect-mobilepay/core"
import { QrClient, WebhooksClient } from "@effect-mobilepay/epayment"
import { TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Redacted } from "effect"
import { type Json, qrContract, webhooksContract } from "./support/WebhooksQrContracts.js"
import {
  apiServer,
  clientContext,
  environmentOf,
  subscriptionKey,
  tokenSource,
  tokenValue,
} from "./vippsApi.js"

const runs = 60

const sample = (arbitrary: fc.Arbitrary<Json>) => fc.sample(arbitrary, { numRuns: runs, seed: 17 })

const isRecord = (value: Json): value is { readonly [k: string]: Json } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const secrets = [subscriptionKey, tokenValue(1)]

const expectedText = (body: Json, field: string) =>
  isRecord(body) && typeof body[field] === "string"
    ? Untrusted.sanitize(body[field], { secrets })
    : undefined

const expectedPairs = (body: Json, field: string) => {
  const entries = isRecord(body) ? body[field] : undefined
  return Array.isArray(entries)
    ? entries.flatMap((entry: Json) =>
        isRecord(entry) && typeof entry["name"] === "string" && typeof entry["reason"] === "string"
          ? [
              {
                name: Untrusted.sanitize(entry["name"], { secrets, maxLength: 100 }),
                reason: Untrusted.sanitize(entry["reason"], { secrets }),
              },
            ]
          : [],
      )
    : []
}

// A server answering the bodies in order, with `status`, and the two clients on it.
const serving = (status: number, bodies: ReadonlyArray<Json>) =>
  Effect.gen(function* () {
    const server = yield* apiServer((index) =>
      TokenEndpoint.respond(status, JSON.stringify(bodies[index] ?? null), {
        "content-type": "application/json",
      }),
    )
    const source = yield* tokenSource
    const context = yield* clientContext(source.tokens)
    const options = {
      environment: environmentOf(server.baseUrl),
      subscriptionKey: Redacted.make(subscriptionKey),
      merchantSerialNumber: "123456",
    }
    return {
      webhooks: yield* WebhooksClient.make(options).pipe(Effect.provide(context)),
      qr: yield* QrClient.make(options).pipe(Effect.provide(context)),
    }
  })

const webhookRequest = { url: "https://shop.example/hooks", events: ["user.checked-in.v1"] }
const webhookId = "7b8f7a40-35a0-4b4a-9a3f-4b1d2f0c9e11"

describe("bodies the contracts allow", () => {
  it.scoped("Webhooks register: every 201 decodes, the secret Redacted", () =>
    Effect.gen(function* () {
      const bodies = sample(webhooksContract.body("/v1/webhooks", "post", "201"))
      const { webhooks } = yield* serving(201, bodies)
      for (const body of bodies) {
        const registration = yield* webhooks.register(webhookRequest)
        expect(isRecord(body) && [registration.id, Redacted.value(registration.secret)]).toEqual([
          isRecord(body) && body["id"],
          isRecord(body) && body["secret"],
        ])
      }
    }),
  )

  it.scoped("Webhooks list: every 200 decodes", () =>
    Effect.gen(function* () {
      const bodies = sample(webhooksContract.body("/v1/webhooks", "get", "200"))
      const { webhooks } = yield* serving(200, bodies)
      for (const body of bodies) {
        const listed = yield* webhooks.list()
        expect(listed.length).toBe(
          isRecord(body) && Array.isArray(body["webhooks"]) ? body["webhooks"].length : -1,
        )
      }
    }),
  )

  it.scoped("Webhooks: every 400 ProblemDetails is WebhooksRequestRejected with its fields", () =>
    Effect.gen(function* () {
      const bodies = sample(webhooksContract.body("/v1/webhooks/{id}", "delete", "400"))
      const { webhooks } = yield* serving(400, bodies)
      for (const body of bodies) {
        const error = yield* Effect.flip(webhooks.delete(webhookId))
        expect(error).toMatchObject({
          _tag: "WebhooksRequestRejected",
          status: 400,
          title: expectedText(body, "title"),
          detail: expectedText(body, "detail"),
          traceId: expectedText(body, "traceId"),
          extraDetails: expectedPairs(body, "extraDetails"),
        })
      }
    }),
  )

  it.scoped("QR list and get: every 200 decodes", () =>
    Effect.gen(function* () {
      const lists = sample(qrContract.body("/v1/merchant-callback", "get", "200"))
      const ones = sample(qrContract.body("/v1/merchant-callback/{merchantQrId}", "get", "200"))
      const listed = yield* serving(200, lists)
      for (const body of lists) {
        const codes = yield* listed.qr.listCallbackQrs()
        expect(codes.length).toBe(Array.isArray(body) ? body.length : -1)
      }
      const got = yield* serving(200, ones)
      for (const body of ones) {
        const code = yield* got.qr.getCallbackQr("till-7")
        expect(code.merchantQrId).toBe(isRecord(body) ? body["merchantQrId"] : null)
      }
    }),
  )

  it.scoped("QR: every QrErrorResponse is QrRequestRejected with its fields", () =>
    Effect.gen(function* () {
      for (const status of ["400", "403"] as const) {
        const bodies = sample(
          qrContract.body("/v1/merchant-callback/{merchantQrId}", "put", status),
        )
        const { qr } = yield* serving(Number(status), bodies)
        for (const body of bodies) {
          const error = yield* Effect.flip(
            qr.putCallbackQr("till-7", { locationDescription: "Kasse 1" }),
          )
          expect(error).toMatchObject({
            _tag: "QrRequestRejected",
            status: Number(status),
            title: expectedText(body, "title"),
            detail: expectedText(body, "detail"),
            instance: expectedText(body, "instance"),
            invalidParams: expectedPairs(body, "invalidParams"),
          })
        }
      }
    }),
  )

  it.scoped("QR: every 404 of a callback QR is CallbackQrNotFound", () =>
    Effect.gen(function* () {
      const bodies = sample(
        qrContract.body("/v1/merchant-callback/{merchantQrId}", "delete", "404"),
      )
      const { qr } = yield* serving(404, bodies)
      for (const _ of bodies) {
        const error = yield* Effect.flip(qr.deleteCallbackQr("till-7"))
        expect(error).toMatchObject({ _tag: "CallbackQrNotFound", merchantQrId: "till-7" })
      }
    }),
  )

  it.scoped("QR migration: every 409 is BeaconConflict with the body's id", () =>
    Effect.gen(function* () {
      const bodies = sample(
        qrContract.body("/v1/merchant-callback/mobilepay/{beaconId}", "put", "409"),
      )
      const { qr } = yield* serving(409, bodies)
      for (const body of bodies) {
        const error = yield* Effect.flip(
          qr.migrateBeacon("123456789012345", { locationDescription: "Kasse 1" }),
        )
        expect(error).toMatchObject({
          _tag: "BeaconConflict",
          beaconId: "123456789012345",
          id: expectedText(body, "id"),
        })
      }
    }),
  )
})
