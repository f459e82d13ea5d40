/**
 * Benchmark 2: the token request end to end over loopback. `TokenClient.requestToken` (on
 * `NodeHttpClient.layerUndici`) against `undici.request` sending the same POST (same headers,
 * same form body, reading and parsing the JSON answer) to the same node:http server, each on
 * its own undici `Agent` with default settings; in between, the bare `@effect/platform`
 * `HttpClient` sending that POST, which splits the overhead into the HTTP client's part and
 * `TokenClient`'s own (retry, timeout, span, decoding). One request at a time, then 16 at a time.
 */
import { TokenClient } from "@effect-mobilepay/core"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Agent, request } from "undici"
import {
  clientId,
  clientSecret,
  merchantVat,
  type TokenEndpoint,
  tokenClientOptions,
  tokenUrl,
} from "./endpoint.js"
import { type Case, compare } from "../harness/measure.js"
import type { Section } from "../harness/report.js"

const concurrency = 16
const requestsPerBatch = 256

const names = {
  raw: "undici.request",
  platform: "HttpClient.execute (@effect/platform)",
  tokenClient: "TokenClient.requestToken",
}

export const tokenRequest = async (endpoint: TokenEndpoint): Promise<ReadonlyArray<Section>> => {
  const runtime = ManagedRuntime.make(
    TokenClient.layer(tokenClientOptions(endpoint)).pipe(
      Layer.provideMerge(NodeHttpClient.layerUndici),
    ),
  )
  const agent = new Agent()
  try {
    const client = await runtime.runPromise(TokenClient.TokenClient)
    const httpClient = await runtime.runPromise(HttpClient.HttpClient)

    const headers = {
      accept: "application/json",
      "x-ibm-client-id": clientId,
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    }
    const form = { grant_type: "client_credentials", merchant_vat: merchantVat }
    const body = new URLSearchParams(form).toString()

    const raw = async () => {
      const response = await request(tokenUrl(endpoint), {
        dispatcher: agent,
        method: "POST",
        headers,
        body,
      })
      const text = await response.body.text()
      if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`)
      return JSON.parse(text)
    }
    const platformRequest = HttpClientRequest.post(tokenUrl(endpoint)).pipe(
      HttpClientRequest.setHeaders(headers),
      HttpClientRequest.bodyUrlParams(form),
    )
    const platform = httpClient.execute(platformRequest).pipe(
      Effect.filterOrDieMessage((response) => response.status === 200, "not 200"),
      Effect.flatMap((response) => response.json),
    )
    const tokenClient = client.requestToken({ merchantVat })

    // The same request on the wire, apart from what the Effect client adds on its own.
    const sent = async (send: () => Promise<unknown>) => {
      await send()
      const request = endpoint.latest()
      return { headerNames: Object.keys(request?.headers ?? {}), body: request?.body ?? "" }
    }
    const rawSent = await sent(raw)
    const tokenClientSent = await sent(() => Effect.runPromise(tokenClient))
    const extraHeaders = tokenClientSent.headerNames.filter(
      (name) => !rawSent.headerNames.includes(name),
    )
    const missingHeaders = rawSent.headerNames.filter(
      (name) => !tokenClientSent.headerNames.includes(name),
    )
    const sameRequest = [
      `same body: ${rawSent.body === tokenClientSent.body ? "yes" : "NO"} (${rawSent.body})`,
      `headers TokenClient adds: ${extraHeaders.join(", ") || "none"}; lacks: ${missingHeaders.join(", ") || "none"}`,
    ]

    const sequential = await compare(
      [
        { name: names.raw, run: raw },
        { name: names.platform, run: () => Effect.runPromise(platform) },
        { name: names.tokenClient, run: () => Effect.runPromise(tokenClient) },
      ],
      // Undici and the Effect runtime reach steady speed only after a thousand requests or so.
      { warmupRuns: 1_500, rounds: 10, runsPerRound: 150 },
    )

    const rawBatch = async () => {
      let next = 0
      const worker = async () => {
        while (next++ < requestsPerBatch) await raw()
      }
      await Promise.all(Array.from({ length: concurrency }, worker))
    }
    const effectBatch = (effect: Effect.Effect<unknown, unknown>) => () =>
      Effect.runPromise(
        Effect.forEach(Array.from({ length: requestsPerBatch }), () => effect, {
          concurrency,
          discard: true,
        }),
      )
    const batches: ReadonlyArray<Case> = [
      { name: names.raw, run: rawBatch, opsPerRun: requestsPerBatch },
      { name: names.platform, run: effectBatch(platform), opsPerRun: requestsPerBatch },
      { name: names.tokenClient, run: effectBatch(tokenClient), opsPerRun: requestsPerBatch },
    ]
    const concurrent = await compare(batches, { warmupRuns: 4, rounds: 10, runsPerRound: 3 })

    return [
      {
        title: "Token request over loopback, sequential",
        unit: "one POST /connect/token and its parsed answer (latency)",
        rows: sequential,
        baseline: names.raw,
        notes: sameRequest,
      },
      {
        title: `Token request over loopback, ${concurrency} concurrent`,
        unit: `a batch of ${requestsPerBatch} requests, ${concurrency} in flight, divided by ${requestsPerBatch} (ops/s = throughput)`,
        rows: concurrent,
        baseline: names.raw,
      },
    ]
  } finally {
    await agent.close()
    await runtime.dispose()
  }
}
