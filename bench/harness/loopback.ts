/**
 * The loopback servers the benchmarks start in their own process: test-support's scripted
 * `TokenEndpoint`, started and stopped from the benchmarks' promise-based code. It keeps only
 * the latest request (a benchmark sends tens of thousands) and counts them all.
 */
import {
  make,
  type Options,
  type ReceivedRequest,
  type Reply,
} from "@effect-mobilepay/test-support/TokenEndpoint"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"

export interface Loopback {
  /** `http://127.0.0.1:{port}`. */
  readonly origin: string
  /** `{origin}/integrator-authentication`, the base URL to use as `authUrl`. */
  readonly authUrl: string
  /** Requests received so far. */
  readonly requests: () => number
  /** The latest request received. */
  readonly latest: () => ReceivedRequest | undefined
  readonly close: () => Promise<void>
}

/** Starts a server on loopback; `script(n, request)` says how to answer the n-th request. */
export const startLoopback = async (
  script: (index: number, request: ReceivedRequest) => Reply,
  options: Omit<Options, "keep"> = {},
): Promise<Loopback> => {
  const scope = Effect.runSync(Scope.make())
  const endpoint = await Effect.runPromise(
    Scope.extend(make(script, { ...options, keep: "latest" }), scope),
  )
  return {
    origin: endpoint.origin,
    authUrl: endpoint.authUrl,
    requests: () => Effect.runSync(endpoint.count),
    latest: () => Effect.runSync(endpoint.received).at(-1),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  }
}
