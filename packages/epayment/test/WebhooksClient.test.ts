import { RetryPolicy, VippsEnvironment } from "@effect-mobilepay/core"
import { WebhooksClient } from "@effect-mobilepay/epayment"
import { Observe, TokenEndpoint, Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Redacted } from "effect"
import {
  clientContext,
  setupClient,
  subscriptionKey,
  tokenSource,
  tokenValue,
} from "./support/VippsApi.js"

const webhookId = "7b8f7a40-35a0-4b4a-9a3f-4b1d2f0c9e11"

const setup = (
  script: (index: number, request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply,
  options: Partial<WebhooksClient.Options> = {},
) => setupClient(script, (base) => WebhooksClient.make({ ...base, ...options }))

describe("WebhooksClient", () => {
  it.scoped(
    "register sends the URL and events with every header and returns the secret Redacted",
    () =>
      Effect.gen(function* () {
        const { client, server } = yield* setup(() =>
          TokenEndpoint.respond(201, { id: webhookId, secret: "the-one-time-secret-value" }),
        )
        const registration = yield* client.register({
          url: "https://shop.example/hooks/vipps",
          events: ["epayments.payment.authorized.v1", "user.checked-in.v1"],
        })
        expect(registration.id).toBe(webhookId)
        expect(Redacted.value(registration.secret)).toBe("the-one-time-secret-value")
        expect(`${String(registration)} ${JSON.stringify(registration)}`).not.toContain(
          "the-one-time-secret-value",
        )
        const [sent] = yield* server.received
        expect(sent?.method).toBe("POST")
        expect(sent?.path).toBe("/webhooks/v1/webhooks")
        expect(JSON.parse(sent?.body ?? "")).toEqual({
          url: "https://shop.example/hooks/vipps",
          events: ["epayments.payment.authorized.v1", "user.checked-in.v1"],
        })
        expect(sent?.headers).toMatchObject({
          authorization: `Bearer ${tokenValue(1)}`,
          "ocp-apim-subscription-key": subscriptionKey,
          "merchant-serial-number": "123456",
          "content-type": "application/json",
          "vipps-system-name": "acme-pos",
          "vipps-system-version": "3.2.1",
          "vipps-system-plugin-name": "acme-pos",
          "vipps-system-plugin-version": "3.2.1",
        })
        expect(sent?.headers["idempotency-key"]).toBeUndefined()
      }),
  )

  it.scoped("list decodes the registrations, tolerating fields it does not know", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup(() =>
        TokenEndpoint.respond(200, {
          webhooks: [
            {
              id: webhookId,
              url: "https://shop.example/hooks",
              events: ["user.checked-in.v1"],
              extra: 1,
            },
          ],
          nextPage: null,
        }),
      )
      const webhooks = yield* client.list({ merchantSerialNumber: "654321" })
      expect(webhooks.map((webhook) => [webhook.id, webhook.url, webhook.events])).toEqual([
        [webhookId, "https://shop.example/hooks", ["user.checked-in.v1"]],
      ])
      const [sent] = yield* server.received
      expect([sent?.method, sent?.path, sent?.headers["merchant-serial-number"]]).toEqual([
        "GET",
        "/webhooks/v1/webhooks",
        "654321",
      ])
    }),
  )

  it.scoped("delete sends DELETE by id; an unknown id is WebhookNotFound", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup((index) =>
        index === 0 ? TokenEndpoint.respond(204) : TokenEndpoint.respond(404),
      )
      yield* client.delete(webhookId)
      const error = yield* Effect.flip(client.delete(webhookId))
      expect(error._tag).toBe("WebhookNotFound")
      const received = yield* server.received
      expect(received.map((request) => [request.method, request.path])).toEqual([
        ["DELETE", `/webhooks/v1/webhooks/${webhookId}`],
        ["DELETE", `/webhooks/v1/webhooks/${webhookId}`],
      ])
    }),
  )

  it.scoped("refuses bad input before sending anything", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup(() => TokenEndpoint.respond(500))
      const refusals = [
        client.delete("../webhooks"),
        client.register({ url: "not a url", events: ["user.checked-in.v1"] }),
        client.register({ url: "https://shop.example/hooks", events: [] }),
        client.register({ url: "https://shop.example/hooks", events: ["no spaces allowed"] }),
        client.list({ merchantSerialNumber: "12" }),
      ]
      for (const refused of refusals) {
        expect((yield* Effect.flip(refused))._tag).toBe("InvalidInput")
      }
      expect(yield* server.received).toEqual([])
    }),
  )

  it.scoped("on the platform's hosts a webhook URL must be https", () =>
    Effect.gen(function* () {
      const source = yield* tokenSource
      const client = yield* WebhooksClient.make({
        environment: VippsEnvironment.test,
        subscriptionKey: Redacted.make(subscriptionKey),
      }).pipe(Effect.provide(yield* clientContext(source.tokens)))
      const error = yield* Effect.flip(
        client.register({ url: "http://shop.example/hooks", events: ["user.checked-in.v1"] }),
      )
      expect(error._tag === "InvalidInput" && error.field).toBe("url")
      expect(yield* source.issued).toBe(0)
    }),
  )

  it.scoped("a ProblemDetails with every field null is decoded; one with details keeps them", () =>
    Effect.gen(function* () {
      const { client } = yield* setup((index) =>
        index === 0
          ? TokenEndpoint.respond(400, {
              type: null,
              title: null,
              status: null,
              detail: null,
              instance: null,
              traceId: null,
              extraDetails: null,
            })
          : TokenEndpoint.respond(
              400,
              {
                title: "Bad Request",
                status: 400,
                detail: "One or more validation errors occurred.",
                traceId: "00-bb841c551513e233de8a01472013fa9f-542c71e40916a6ce-00",
                extraDetails: [{ name: "url", reason: "The URL must use HTTPS." }, { bogus: true }],
              },
              { "content-type": "application/problem+json" },
            ),
      )
      const request = { url: "https://shop.example/hooks", events: ["user.checked-in.v1"] }
      const bare = yield* Effect.flip(client.register(request))
      expect(bare._tag).toBe("WebhooksRequestRejected")
      if (bare._tag === "WebhooksRequestRejected") {
        expect([bare.status, bare.title, bare.traceId, bare.extraDetails]).toEqual([
          400,
          undefined,
          undefined,
          [],
        ])
      }
      const detailed = yield* Effect.flip(client.register(request))
      expect(detailed._tag === "WebhooksRequestRejected" && detailed).toMatchObject({
        status: 400,
        title: "Bad Request",
        traceId: "00-bb841c551513e233de8a01472013fa9f-542c71e40916a6ce-00",
        extraDetails: [{ name: "url", reason: "The URL must use HTTPS." }],
      })
    }),
  )

  it.scoped("a gateway's non-JSON 403 is a rejection with its status, not a decode failure", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup(() =>
        TokenEndpoint.respond(403, "<html>Forbidden</html>", { "content-type": "text/html" }),
      )
      const error = yield* Effect.flip(client.list())
      expect(error._tag === "WebhooksRequestRejected" && error.status).toBe(403)
      expect((yield* server.received).length).toBe(1)
    }),
  )

  it.scoped("a 401 costs one new token and one more try, then WebhooksUnauthorized", () =>
    Effect.gen(function* () {
      const { client, server, source } = yield* setup(() => TokenEndpoint.respond(401))
      const error = yield* Effect.flip(client.list())
      expect(error._tag).toBe("WebhooksUnauthorized")
      const received = yield* server.received
      expect(received.map((request) => request.headers.authorization)).toEqual([
        `Bearer ${tokenValue(1)}`,
        `Bearer ${tokenValue(2)}`,
      ])
      expect(yield* source.invalidated).toEqual([tokenValue(1)])
    }),
  )

  it.scoped("a 503 is retried after the backoff", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup((index) =>
        index === 0 ? TokenEndpoint.respond(503) : TokenEndpoint.respond(200, { webhooks: [] }),
      )
      const fiber = yield* Effect.fork(client.list())
      yield* Time.advanceToSleepAfter(yield* server.nextArrival, "1 second")
      expect(yield* Fiber.join(fiber)).toEqual([])
      expect((yield* server.received).length).toBe(2)
    }),
  )

  it.scoped("a registration is not retried after a 5xx or a lost answer (it may exist)", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup((index) =>
        index === 0 ? TokenEndpoint.respond(502) : { _tag: "Reset" },
      )
      const request = { url: "https://shop.example/hooks", events: ["user.checked-in.v1"] }
      const serverError = yield* Effect.flip(client.register(request))
      expect(serverError).toMatchObject({ _tag: "WebhooksUnavailable", reason: "ServerError" })
      const reset = yield* Effect.flip(client.register(request))
      expect(reset).toMatchObject({ _tag: "WebhooksUnavailable", reason: "Transport" })
      expect((yield* server.received).length).toBe(2)
    }),
  )

  it.scoped("a registration refused with 429 is not retried either: the caller decides", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup(() =>
        TokenEndpoint.respond(429, undefined, { "retry-after": "1" }),
      )
      const error = yield* Effect.flip(
        client.register({ url: "https://shop.example/hooks", events: ["user.checked-in.v1"] }),
      )
      expect(error).toMatchObject({
        _tag: "WebhooksUnavailable",
        reason: "RateLimited",
        status: 429,
      })
      expect((yield* server.received).length).toBe(1)
    }),
  )

  it.scoped("a 429 waits for Retry-After before the next try", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup((index) =>
        index === 0
          ? TokenEndpoint.respond(429, undefined, { "retry-after": "3" })
          : TokenEndpoint.respond(200, { webhooks: [] }),
      )
      const fiber = yield* Effect.fork(client.list())
      const waited = yield* Time.advanceToSleepAfter(yield* server.nextArrival, "10 seconds")
      // The backoff alone would be well under a second.
      expect(Duration.toMillis(waited)).toBeGreaterThanOrEqual(3000)
      expect(yield* Fiber.join(fiber)).toEqual([])
      expect((yield* server.received).length).toBe(2)
    }),
  )

  it.scoped("an attempt with no answer within the timeout is WebhooksUnavailable (Timeout)", () =>
    Effect.gen(function* () {
      const { client, server } = yield* setup(() => TokenEndpoint.hang, {
        retryPolicy: RetryPolicy.make({ retries: 0 }),
      })
      const fiber = yield* Effect.fork(Effect.either(client.list()))
      yield* server.nextArrival
      // The attempt's own deadline: the only sleep, since no answer comes.
      yield* Time.advanceToSleepWithin("10 seconds")
      const result = yield* Fiber.join(fiber)
      expect(Either.isLeft(result) && result.left).toMatchObject({
        _tag: "WebhooksUnavailable",
        reason: "Timeout",
      })
    }),
  )

  it.scoped("an echoing server gets neither the token nor the key into an error or a log", () =>
    Effect.gen(function* () {
      const echo = (request: TokenEndpoint.ReceivedRequest) =>
        `${request.headers.authorization} key=${request.headers["ocp-apim-subscription-key"]}`
      const { client } = yield* setup((_, request) =>
        TokenEndpoint.respond(400, {
          title: echo(request),
          detail: echo(request),
          traceId: echo(request),
          extraDetails: [{ name: echo(request), reason: echo(request) }],
        }),
      )
      const [error, observed] = yield* Observe.observe(
        Effect.flip(client.list()).pipe(Effect.tap((e) => Effect.logError("list failed", e))),
      )
      const shown = `${String(error)} ${JSON.stringify(error)} ${observed.logLines.join("\n")} ${observed.spans.map((span) => span.attributes).join(" ")}`
      expect(shown).toContain("[redacted]")
      expect(shown).not.toContain(subscriptionKey)
      expect(shown).not.toContain(tokenValue(1))
    }),
  )

  it.scoped("a register answer without an id names the field, never the secret", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(() =>
        TokenEndpoint.respond(201, { secret: "the-one-time-secret-value", id: 42 }),
      )
      const error = yield* Effect.flip(
        client.register({ url: "https://shop.example/hooks", events: ["user.checked-in.v1"] }),
      )
      expect(error._tag).toBe("MalformedWebhooksResponse")
      const shown = `${String(error)} ${JSON.stringify(error)}`
      expect(shown).toContain("id")
      expect(shown).not.toContain("the-one-time-secret-value")
    }),
  )

  it.scoped(
    "the registration's secret appears in no log or span, even when the call is logged",
    () =>
      Effect.gen(function* () {
        const { client } = yield* setup(() =>
          TokenEndpoint.respond(201, { id: webhookId, secret: "the-one-time-secret-value" }),
        )
        const [registration, observed] = yield* Observe.observe(
          client
            .register({ url: "https://shop.example/hooks", events: ["user.checked-in.v1"] })
            .pipe(Effect.tap((made) => Effect.logInfo("registered", made))),
        )
        expect(registration).toBeInstanceOf(WebhooksClient.Registration)
        const shown = `${observed.logLines.join("\n")} ${observed.spans.map((span) => `${span.name} ${span.attributes}`).join(" ")}`
        expect(observed.spans.map((span) => span.name)).toContain("WebhooksClient.register")
        expect(shown).not.toContain("the-one-time-secret-value")
        expect(shown).not.toContain(subscriptionKey)
      }),
  )
})
