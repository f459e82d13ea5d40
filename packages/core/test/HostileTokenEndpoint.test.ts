/**
 * The token request against a token endpoint that misbehaves on purpose: it echoes the
 * request, answers without end or gigabytes, nests JSON thousands deep, or hands out tokens
 * that can never be sent. Each must end in a typed error that carries no credential.
 */
import { ClientCredentials, Environment, RetryPolicy, TokenClient } from "@effect-mobilepay/core"
import { NodeHttpClient } from "@effect/platform-node"
import { Observe, TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, Redacted } from "effect"
import * as Http from "node:http"
import { inspect } from "node:util"

const clientId = "0d3c2b1a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"
const secret = "TopSecret-Value-42"
const basic = Buffer.from(`${clientId}:${secret}`).toString("base64")

const clientFor = (authUrl: string, options: Partial<TokenClient.Options> = {}) =>
  Effect.gen(function* () {
    const credentials = yield* ClientCredentials.make({
      clientId,
      clientSecret: Redacted.make(secret),
    })
    return yield* TokenClient.make({
      credentials,
      environment: Environment.custom({ authUrl, posUrl: "http://127.0.0.1:9/pos/v10" }),
      ...options,
    })
  })

const echo = (request: TokenEndpoint.ReceivedRequest) =>
  `${request.headers["authorization"]} ${request.body} ${secret} ${basic}`

describe("an echoing token endpoint", () => {
  const replies: ReadonlyArray<
    readonly [string, (request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply]
  > = [
    [
      "an OAuth error whose description echoes the request",
      (request) =>
        TokenEndpoint.respond(400, { error: "invalid_request", error_description: echo(request) }),
    ],
    [
      "an OAuth error code that echoes the request",
      (request) => TokenEndpoint.respond(400, { error: echo(request) }),
    ],
    ["a 404 whose body echoes the request", (request) => TokenEndpoint.respond(404, echo(request))],
    [
      "a 200 whose headers echo the request and whose body does not decode",
      (request) =>
        TokenEndpoint.respond(200, "{", {
          "x-echo": String(request.headers["authorization"]),
          "x-correlation-id": echo(request),
        }),
    ],
  ]
  for (const [name, reply] of replies) {
    it.scoped(`${name} gets no credential into the error, the logs or the spans`, () =>
      Effect.gen(function* () {
        const endpoint = yield* TokenEndpoint.make((_, request) => reply(request))
        const client = yield* clientFor(endpoint.authUrl)
        const [error, observed] = yield* Observe.observe(Effect.flip(client.requestToken()))
        const [request] = yield* endpoint.received
        expect(request?.headers["authorization"]).toBe(`Basic ${basic}`)
        expect(observed.spans.map((span) => span.name)).toContain("MobilePay.requestToken")
        const surfaces = [
          String(error),
          JSON.stringify(error),
          inspect(error, { depth: 10 }),
          error instanceof Error ? error.message : "",
          ...observed.logLines,
          ...observed.spans.map((span) => span.attributes),
        ]
        for (const text of surfaces) {
          expect(text).not.toContain(secret)
          expect(text).not.toContain(basic)
        }
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }
})

// A server that streams `chunk` without end (or up to `limit` bytes) and counts what it wrote.
const streamingServer = (chunk: string, limit = Number.POSITIVE_INFINITY) =>
  Effect.gen(function* () {
    let written = 0
    const server = Http.createServer((_, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      const pump = () => {
        while (written < limit) {
          written += chunk.length
          if (!res.write(chunk)) return void res.once("drain", pump)
        }
        res.end()
      }
      res.on("error", () => {})
      pump()
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        }),
    )
    const address = server.address()
    const port = address !== null && typeof address === "object" ? address.port : 0
    return {
      authUrl: `http://127.0.0.1:${port}/integrator-authentication`,
      written: Effect.sync(() => written),
    }
  })

describe("answer size", () => {
  it.scoped("an endless answer fails as MalformedTokenResponse once past the limit", () =>
    Effect.gen(function* () {
      const server = yield* streamingServer("x".repeat(16_384))
      const client = yield* clientFor(server.authUrl, { timeout: "1 hour" })
      const error = yield* Effect.flip(client.requestToken())
      expect(error).toMatchObject({ _tag: "MalformedTokenResponse", status: 200 })
      expect(error.message).toContain("larger than 65536 bytes")
      // Reading stopped near the limit: the server could not push much more into the socket.
      expect(yield* server.written).toBeLessThan(64 * 1024 * 1024)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a declared length over the limit fails at once, and the limit is configurable", () =>
    Effect.gen(function* () {
      const big = TokenEndpoint.tokenBody({ scope: "s".repeat(200_000) })
      const endpoint = yield* TokenEndpoint.make(() => TokenEndpoint.respond(200, big))
      const error = yield* Effect.flip((yield* clientFor(endpoint.authUrl)).requestToken())
      expect(error).toMatchObject({ _tag: "MalformedTokenResponse" })
      const roomy = yield* clientFor(endpoint.authUrl, { maxResponseBytes: 1_000_000 })
      const token = yield* roomy.requestToken()
      expect(token.scope).toHaveLength(200_000)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a chunked answer under the limit is read whole", () =>
    Effect.gen(function* () {
      const body = JSON.stringify(TokenEndpoint.tokenBody())
      const server = yield* streamingServer(body, body.length)
      const token = yield* (yield* clientFor(server.authUrl)).requestToken()
      expect(token.tokenType).toBe("Bearer")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )
})

describe("hostile bodies", () => {
  it.scoped("a deeply nested answer is MalformedTokenResponse, not a stack overflow", () =>
    Effect.gen(function* () {
      const deep = `{"access_token":${"[".repeat(3000)}${"]".repeat(3000)},"expires_in":1,"token_type":"Bearer"}`
      const endpoint = yield* TokenEndpoint.make(() => TokenEndpoint.respond(200, deep))
      const error = yield* Effect.flip((yield* clientFor(endpoint.authUrl)).requestToken())
      expect(error._tag).toBe("MalformedTokenResponse")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  for (const [name, token] of [
    ["CR/LF", "abc\r\nx-injected: 1"],
    ["non-Latin-1 characters", "tøken-Ž"],
    ["a space", "two words"],
  ] as const) {
    it.scoped(`an access token with ${name} is refused as MalformedTokenResponse`, () =>
      Effect.gen(function* () {
        const endpoint = yield* TokenEndpoint.make(() =>
          TokenEndpoint.respond(200, TokenEndpoint.tokenBody({ access_token: token })),
        )
        const error = yield* Effect.flip((yield* clientFor(endpoint.authUrl)).requestToken())
        expect(error._tag).toBe("MalformedTokenResponse")
        expect(error.message).toContain("access_token")
        expect(error.message).not.toContain(token)
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }
})

describe("options", () => {
  const timeouts: ReadonlyArray<readonly [string, Duration.DurationInput]> = [
    ["NaN", NaN],
    ["negative", -1],
    ["0", 0],
    // As it would come from configuration: a string the type system never saw.
    ["garbage", JSON.parse('"soon"')],
  ]
  for (const [name, timeout] of timeouts) {
    it.scoped(`a timeout of ${name} is InvalidInput before any request`, () =>
      Effect.gen(function* () {
        const endpoint = yield* TokenEndpoint.make(() =>
          TokenEndpoint.respond(200, TokenEndpoint.tokenBody()),
        )
        const error = yield* Effect.flip(clientFor(endpoint.authUrl, { timeout }))
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "timeout" })
        expect(yield* endpoint.received).toHaveLength(0)
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }

  it.scoped("a merchant VAT nested thousands deep is InvalidInput, not a stack overflow", () =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make(() =>
        TokenEndpoint.respond(200, TokenEndpoint.tokenBody()),
      )
      let deep: unknown = "DK12345678"
      for (let level = 0; level < 100_000; level++) deep = [deep]
      // What a JavaScript caller can pass where the types say string.
      const merchantVat = deep as string
      const error = yield* Effect.flip(
        (yield* clientFor(endpoint.authUrl)).requestToken({ merchantVat }),
      )
      expect(error).toMatchObject({ _tag: "InvalidInput", field: "merchantVat" })
      expect(yield* endpoint.received).toHaveLength(0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a size limit that is not a positive integer is InvalidInput", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(clientFor("http://127.0.0.1:9", { maxResponseBytes: 0 }))
      expect(error).toMatchObject({ _tag: "InvalidInput", field: "maxResponseBytes" })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )
})

describe("TokenEndpointUnreachable", () => {
  it.scoped("a connection lost in the middle of the body is Unreachable, not Malformed", () =>
    Effect.gen(function* () {
      const server = Http.createServer((_, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" })
        res.write('{"access_token":"abc')
        setTimeout(() => res.socket?.destroy(), 10)
      })
      yield* Effect.acquireRelease(
        Effect.async<void>(
          (resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void)),
        ),
        () =>
          Effect.async<void>((resume) => {
            server.closeAllConnections()
            server.close(() => resume(Effect.void))
          }),
      )
      const address = server.address()
      const port = address !== null && typeof address === "object" ? address.port : 0
      const client = yield* clientFor(`http://127.0.0.1:${port}/integrator-authentication`, {
        retryPolicy: RetryPolicy.make({ retries: 0 }),
        timeout: "1 hour",
      })
      const error = yield* Effect.flip(client.requestToken())
      expect(error).toMatchObject({ _tag: "TokenEndpointUnreachable", reason: "Transport" })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("says what the transport reported, not just Transport", () =>
    Effect.gen(function* () {
      // Port 9 (discard) on loopback: nothing listens, the connection is refused.
      const client = yield* clientFor("http://127.0.0.1:9/integrator-authentication", {
        retryPolicy: RetryPolicy.make({ retries: 0 }),
      })
      const error = yield* Effect.flip(
        client.requestToken().pipe(Effect.provide(NodeHttpClient.layerUndici)),
      )
      expect(error._tag).toBe("TokenEndpointUnreachable")
      expect(error.message).toContain("ECONNREFUSED")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )
})
