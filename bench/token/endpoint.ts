/**
 * What the benchmarks talk to: a token endpoint on loopback (node:http, in this process) that
 * answers every POST with the same token and counts the requests, and the client credentials
 * and environment that point at it.
 */
import { ClientCredentials, Environment, TokenClient } from "@effect-mobilepay/core"
import { TokenService } from "@effect-mobilepay/token-service"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer } from "effect"
import * as Http from "node:http"

export const clientId = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
export const clientSecret = "bench-secret"
/** The merchant the token benchmarks ask for when one merchant will do. */
export const merchantVat = "DK12345678"

const tokenBody = JSON.stringify({
  access_token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl",
  expires_in: 3700,
  token_type: "Bearer",
  scope: "integrator_scope",
})

export interface TokenEndpoint {
  /** The base URL to use as `authUrl`. */
  readonly authUrl: string
  /** The full token URL (`{authUrl}/connect/token`). */
  readonly tokenUrl: string
  /** Requests answered so far. */
  readonly requests: () => number
  /** The header names and body of the last request, to check two clients send the same. */
  readonly lastRequest: () => { readonly headerNames: ReadonlyArray<string>; readonly body: string }
  readonly close: () => Promise<void>
}

export const startTokenEndpoint = async (): Promise<TokenEndpoint> => {
  let requests = 0
  let last = { headerNames: new Array<string>(), body: "" }
  const server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      requests++
      last = { headerNames: Object.keys(req.headers), body: Buffer.concat(chunks).toString() }
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(tokenBody),
      })
      res.end(tokenBody)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") {
    throw new Error("the token endpoint has no TCP address")
  }
  const authUrl = `http://127.0.0.1:${address.port}/integrator-authentication`
  return {
    authUrl,
    tokenUrl: `${authUrl}/connect/token`,
    requests: () => requests,
    lastRequest: () => last,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The `TokenClient` options for the endpoint. */
export const tokenClientOptions = (endpoint: TokenEndpoint) => ({
  credentials: Effect.runSync(ClientCredentials.make({ clientId, clientSecret })),
  environment: Environment.custom({
    authUrl: endpoint.authUrl,
    posUrl: "http://127.0.0.1:1/pos/v10",
  }),
})

/** A `TokenService` on its defaults over `TokenClient` on `NodeHttpClient.layerUndici`. */
export const tokenServiceLayer = (endpoint: TokenEndpoint) =>
  TokenService.layer().pipe(
    Layer.provide(TokenClient.layer(tokenClientOptions(endpoint))),
    Layer.provide(NodeHttpClient.layerUndici),
  )
