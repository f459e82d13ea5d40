import { ClientCredentials, Environment, RetryPolicy, TokenClient } from "@effect-mobilepay/core"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Exit, Fiber, Option, Redacted } from "effect"
import { TokenEndpoint } from "@effect-mobilepay/test-support"
import { Time } from "@effect-mobilepay/test-support"

const clientId = "5f2a8e7c-1b3d-4c6e-9f0a-2b4d6e8f0a1c"
const secret = "p@ss word/+:=~*"
const formEncodedSecret = "p%40ss+word%2F%2B%3A%3D%7E*"

const setup = (
  script: (index: number, request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply,
  options: Omit<TokenClient.Options, "credentials" | "environment"> = {},
) =>
  Effect.gen(function* () {
    const endpoint = yield* TokenEndpoint.make(script)
    const credentials = yield* ClientCredentials.make({
      clientId,
      clientSecret: Redacted.make(secret),
    })
    const client = yield* TokenClient.make({
      ...options,
      credentials,
      environment: Environment.custom({
        authUrl: endpoint.authUrl,
        posUrl: "http://127.0.0.1:9/pos/v10",
      }),
    })
    return { endpoint, client }
  })

const always = (reply: TokenEndpoint.Reply) => (): TokenEndpoint.Reply => reply

describe("requestToken", () => {
  it.scoped("sends the client-credentials request exactly as MobilePay specifies", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(
        always(TokenEndpoint.respond(200, TokenEndpoint.tokenBody())),
      )
      const token = yield* client.requestToken()

      const [request] = yield* endpoint.received
      expect(request?.method).toBe("POST")
      expect(request?.path).toBe("/integrator-authentication/connect/token")
      expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded")
      expect(request?.headers["accept"]).toBe("application/json")
      expect(request?.headers["x-ibm-client-id"]).toBe(clientId)
      expect(request?.headers["authorization"]).toBe(
        `Basic ${Buffer.from(`${clientId}:${formEncodedSecret}`).toString("base64")}`,
      )
      expect(request?.body).toBe("grant_type=client_credentials")
      // No trace context leaves for MobilePay.
      expect(request?.headers["traceparent"]).toBeUndefined()
      expect(request?.headers["b3"]).toBeUndefined()

      expect(Redacted.value(token.value)).toBe(TokenEndpoint.tokenBody().access_token)
      expect(token.tokenType).toBe("Bearer")
      expect(token.scope).toBe("integrator_scope")
      expect(Option.isNone(token.merchantVat)).toBe(true)
      expect(DateTime.toEpochMillis(token.expiresAt) - DateTime.toEpochMillis(token.issuedAt)).toBe(
        3_700_000,
      )
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("binds the token to a merchant with merchant_vat", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(
        always(TokenEndpoint.respond(200, TokenEndpoint.tokenBody())),
      )
      const token = yield* client.requestToken({ merchantVat: "FI90000040" })

      const [request] = yield* endpoint.received
      expect(request?.body).toBe("grant_type=client_credentials&merchant_vat=FI90000040")
      expect(token.merchantVat).toEqual(Option.some("FI90000040"))
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("the Basic credentials are plain id:secret for ordinary values", () =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make(
        always(TokenEndpoint.respond(200, TokenEndpoint.tokenBody())),
      )
      const client = yield* TokenClient.make({
        credentials: yield* ClientCredentials.make({ clientId, clientSecret: "Abc123-_.xyz" }),
        environment: Environment.custom({ authUrl: endpoint.authUrl, posUrl: "http://x" }),
      })
      yield* client.requestToken()
      const [request] = yield* endpoint.received
      expect(request?.headers["authorization"]).toBe(
        `Basic ${Buffer.from(`${clientId}:Abc123-_.xyz`).toString("base64")}`,
      )
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("accepts token_type in any case and computes expiry from the Clock", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(
        always(
          TokenEndpoint.respond(
            200,
            TokenEndpoint.tokenBody({ token_type: "bearer", expires_in: 60 }),
          ),
        ),
      )
      const token = yield* client.requestToken()
      expect(token.tokenType).toBe("Bearer")
      // it.scoped runs on the TestClock, which starts at 0.
      expect(DateTime.toEpochMillis(token.expiresAt)).toBe(60_000)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )
})

describe("requestToken failures", () => {
  it.scoped("401 is InvalidClientCredentials after exactly one request", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(always(TokenEndpoint.respond(401)))
      const error = yield* Effect.flip(client.requestToken())
      expect(error._tag).toBe("InvalidClientCredentials")
      expect(error).toMatchObject({ status: 401, clientId })
      expect(yield* endpoint.received).toHaveLength(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("400 invalid_client is InvalidClientCredentials, not retried", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(
        always(TokenEndpoint.respond(400, { error: "invalid_client" })),
      )
      const error = yield* Effect.flip(client.requestToken())
      expect(error._tag).toBe("InvalidClientCredentials")
      expect(yield* endpoint.received).toHaveLength(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("other OAuth errors are TokenRequestRejected with error and description", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(
        always(
          TokenEndpoint.respond(400, {
            error: "invalid_request",
            error_description: "unknown merchant",
          }),
        ),
      )
      const error = yield* Effect.flip(client.requestToken({ merchantVat: "DK12345678" }))
      expect(error).toMatchObject({
        _tag: "TokenRequestRejected",
        status: 400,
        error: "invalid_request",
        errorDescription: "unknown merchant",
      })
      expect(yield* endpoint.received).toHaveLength(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("503, 503, 200 gives a token after three requests, backing off in between", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup((index) =>
        index < 2
          ? TokenEndpoint.respond(503, "try later")
          : TokenEndpoint.respond(200, TokenEndpoint.tokenBody()),
      )
      const fiber = yield* Effect.fork(client.requestToken())
      const arrival1 = yield* endpoint.nextArrival
      const first = yield* Time.advanceToSleepAfter(arrival1, "1 second")
      const arrival2 = yield* endpoint.nextArrival
      const second = yield* Time.advanceToSleepAfter(arrival2, "1 second")
      const token = yield* Fiber.join(fiber)

      expect(Redacted.value(token.value)).toBe(TokenEndpoint.tokenBody().access_token)
      expect(yield* endpoint.received).toHaveLength(3)
      // 200 ms, then 400 ms, each jittered by ±20 %.
      expect(Duration.toMillis(first)).toBeGreaterThanOrEqual(160)
      expect(Duration.toMillis(first)).toBeLessThanOrEqual(240)
      expect(Duration.toMillis(second)).toBeGreaterThanOrEqual(320)
      expect(Duration.toMillis(second)).toBeLessThanOrEqual(480)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("503 forever is TokenEndpointError after exactly 3 requests by default", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(
        always(
          TokenEndpoint.respond(503, "service unavailable", { "x-correlation-id": "corr-503" }),
        ),
      )
      const fiber = yield* Effect.fork(Effect.flip(client.requestToken()))
      const arrival3 = yield* endpoint.nextArrival
      yield* Time.advanceToSleepAfter(arrival3, "1 second")
      const arrival4 = yield* endpoint.nextArrival
      yield* Time.advanceToSleepAfter(arrival4, "1 second")
      const error = yield* Fiber.join(fiber)

      expect(error).toMatchObject({
        _tag: "TokenEndpointError",
        status: 503,
        body: "service unavailable",
        correlationId: "corr-503",
      })
      expect(yield* endpoint.received).toHaveLength(3)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("configuration cannot raise the retries above MobilePay's cap of 5", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(always(TokenEndpoint.respond(500)), {
        retryPolicy: RetryPolicy.make({ retries: 50 }),
        // Far beyond the backoffs, so that the clock only ever moves to a backoff.
        timeout: "1 hour",
      })
      const fiber = yield* Effect.fork(Effect.flip(client.requestToken()))
      for (let retry = 0; retry < 5; retry++) {
        const arrival5 = yield* endpoint.nextArrival
        yield* Time.advanceToSleepAfter(arrival5, "10 seconds")
      }
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("TokenEndpointError")
      expect(yield* endpoint.received).toHaveLength(6)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("429 waits at least as long as Retry-After says", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(
        (index) =>
          index === 0
            ? TokenEndpoint.respond(429, "", { "retry-after": "3" })
            : TokenEndpoint.respond(200, TokenEndpoint.tokenBody()),
        { timeout: "1 hour" },
      )
      const fiber = yield* Effect.fork(client.requestToken())
      const arrival6 = yield* endpoint.nextArrival
      const waited = yield* Time.advanceToSleepAfter(arrival6, "5 seconds")
      yield* Fiber.join(fiber)
      expect(Duration.toMillis(waited)).toBeGreaterThanOrEqual(3_000)
      expect(yield* endpoint.received).toHaveLength(2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a status that is neither transient nor OAuth is not retried", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(always(TokenEndpoint.respond(404, "no route")))
      const error = yield* Effect.flip(client.requestToken())
      expect(error).toMatchObject({ _tag: "TokenEndpointError", status: 404 })
      expect(yield* endpoint.received).toHaveLength(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a hanging endpoint times out, is retried, then is TokenEndpointUnreachable", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(always(TokenEndpoint.hang))
      const fiber = yield* Effect.fork(Effect.flip(client.requestToken()))
      for (let attempt = 0; attempt < 3; attempt++) {
        yield* endpoint.nextArrival
        // The 2 s timeout of this attempt, then (but after the last) the backoff.
        expect(Duration.toMillis(yield* Time.advanceToSleepWithin("2 seconds"))).toBe(2_000)
        if (attempt < 2) yield* Time.advanceToSleepWithin("1 second")
      }
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "TokenEndpointUnreachable", reason: "Timeout" })
      expect(yield* endpoint.received).toHaveLength(3)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a reset connection is retried, then is TokenEndpointUnreachable", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(always({ _tag: "Reset" }))
      const fiber = yield* Effect.fork(Effect.flip(client.requestToken()))
      const arrival7 = yield* endpoint.nextArrival
      yield* Time.advanceToSleepAfter(arrival7, "1 second")
      const arrival8 = yield* endpoint.nextArrival
      yield* Time.advanceToSleepAfter(arrival8, "1 second")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "TokenEndpointUnreachable", reason: "Transport" })
      expect(yield* endpoint.received).toHaveLength(3)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  const malformed: ReadonlyArray<readonly [string, TokenEndpoint.Reply]> = [
    ["a body that is not JSON", TokenEndpoint.respond(200, "<html>oops</html>")],
    ["a JSON array", TokenEndpoint.respond(200, [1, 2])],
    ["no access_token", TokenEndpoint.respond(200, { expires_in: 3700, token_type: "Bearer" })],
    [
      "an empty access_token",
      TokenEndpoint.respond(200, TokenEndpoint.tokenBody({ access_token: "" })),
    ],
    ["expires_in of 0", TokenEndpoint.respond(200, TokenEndpoint.tokenBody({ expires_in: 0 }))],
    [
      "a negative expires_in",
      TokenEndpoint.respond(200, TokenEndpoint.tokenBody({ expires_in: -5 })),
    ],
    [
      "expires_in as a string",
      TokenEndpoint.respond(200, TokenEndpoint.tokenBody({ expires_in: "3700" })),
    ],
    [
      "a fractional expires_in",
      TokenEndpoint.respond(200, TokenEndpoint.tokenBody({ expires_in: 1.5 })),
    ],
    [
      "a token_type other than Bearer",
      TokenEndpoint.respond(200, TokenEndpoint.tokenBody({ token_type: "MAC" })),
    ],
  ]
  for (const [name, reply] of malformed) {
    it.scoped(`${name} is MalformedTokenResponse, not retried`, () =>
      Effect.gen(function* () {
        const { endpoint, client } = yield* setup(always(reply))
        const error = yield* Effect.flip(client.requestToken())
        expect(error._tag).toBe("MalformedTokenResponse")
        expect(yield* endpoint.received).toHaveLength(1)
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }

  it.scoped("MalformedTokenResponse says what is wrong without quoting the token", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(
        always(TokenEndpoint.respond(200, TokenEndpoint.tokenBody({ expires_in: "soon" }))),
      )
      const error = yield* Effect.flip(client.requestToken())
      expect(error.message).toContain("expires_in")
      expect(JSON.stringify(error)).not.toContain(TokenEndpoint.tokenBody().access_token)
      expect(error.message).not.toContain(TokenEndpoint.tokenBody().access_token)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )
})

describe("invalid input", () => {
  for (const vat of ["DK123", "SE12345678", "dk12345678", "DK123456789", "DK1234567a", ""]) {
    it.scoped(`merchant VAT ${JSON.stringify(vat)} fails with InvalidInput and sends nothing`, () =>
      Effect.gen(function* () {
        const { endpoint, client } = yield* setup(
          always(TokenEndpoint.respond(200, TokenEndpoint.tokenBody())),
        )
        const error = yield* Effect.flip(client.requestToken({ merchantVat: vat }))
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "merchantVat" })
        expect(yield* endpoint.received).toHaveLength(0)
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }

  for (const id of ["", "abc:def", "abc\ndef", "tab\there"]) {
    it.effect(`client id ${JSON.stringify(id)} fails with InvalidInput`, () =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(
          ClientCredentials.make({ clientId: id, clientSecret: secret }),
        )
        expect(Exit.isFailure(exit)).toBe(true)
        const error = yield* Effect.flip(
          ClientCredentials.make({ clientId: id, clientSecret: secret }),
        )
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "clientId" })
      }),
    )
  }
})
