/**
 * Benchmark 2: the token request end to end over loopback, `TokenClient.requestToken` on
 * `NodeHttpClient.layerUndici` against `undici.request` sending the same POST (same headers,
 * same form body, reading and parsing the JSON answer) to the same node:http server, each on
 * its own undici `Agent` with default settings: one request at a time, then 16 at a time.
 */
import { TokenClient } from "@effect-mobilepay/core"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Agent, request } from "undici"
import { clientId, clientSecret, type TokenEndpoint, tokenClientOptions } from "./loopback.js"
import { compare } from "./measure.js"
import type { Section } from "./report.js"

const merchantVat = "DK12345678"
const concurrency = 16
const requestsPerBatch = 256

export const tokenRequest = async (endpoint: TokenEndpoint): Promise<ReadonlyArray<Section>> => {
  const runtime = ManagedRuntime.make(
    TokenClient.layer(tokenClientOptions(endpoint)).pipe(Layer.provide(NodeHttpClient.layerUndici)),
  )
  const agent = new Agent()
  try {
    const client = await runtime.runPromise(TokenClient.TokenClient)
    const effectRequest = () => Effect.runPromise(client.requestToken({ merchantVat }))

    const headers = {
      accept: "application/json",
      "x-ibm-client-id": clientId,
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    }
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      merchant_vat: merchantVat,
    }).toString()
    const rawRequest = async () => {
      const response = await request(endpoint.tokenUrl, {
        dispatcher: agent,
        method: "POST",
        headers,
        body,
      })
      const text = await response.body.text()
      if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`)
      JSON.parse(text)
    }

    const sequential = await compare(
      [
        { name: "undici.request", run: rawRequest },
        { name: "TokenClient.requestToken", run: effectRequest },
      ],
      { warmupRuns: 200, rounds: 10, runsPerRound: 150 },
    )

    const rawBatch = async () => {
      let next = 0
      const worker = async () => {
        while (next++ < requestsPerBatch) await rawRequest()
      }
      await Promise.all(Array.from({ length: concurrency }, worker))
    }
    const effectBatch = () =>
      Effect.runPromise(
        Effect.forEach(
          Array.from({ length: requestsPerBatch }),
          () => client.requestToken({ merchantVat }),
          { concurrency, discard: true },
        ),
      )
    const concurrent = await compare(
      [
        { name: "undici.request", run: rawBatch, opsPerRun: requestsPerBatch },
        { name: "TokenClient.requestToken", run: effectBatch, opsPerRun: requestsPerBatch },
      ],
      { warmupRuns: 3, rounds: 10, runsPerRound: 3 },
    )

    return [
      {
        title: "Token request over loopback, sequential",
        unit: "one POST /connect/token and its decoded answer, latency",
        rows: sequential,
        baseline: "undici.request",
      },
      {
        title: `Token request over loopback, ${concurrency} concurrent`,
        unit: `a batch of ${requestsPerBatch} requests, ${concurrency} in flight, divided by ${requestsPerBatch} (ops/s = throughput)`,
        rows: concurrent,
        baseline: "undici.request",
      },
    ]
  } finally {
    await agent.close()
    await runtime.dispose()
  }
}
