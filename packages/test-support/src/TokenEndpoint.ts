/**
 * A real token endpoint on loopback for the tests: it records every request it receives and
 * answers as the test scripts it to.
 */
import { Effect, Exit, Queue, Ref, Runtime, TestClock } from "effect"
import * as Http from "node:http"

export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
  /**
   * When the test runs on a `TestClock`: the instants its sleeping fibers were to wake at when
   * this request reached the server (a client's deadline for the attempt is among them; a
   * retry's backoff, which starts only once the answer is read, never is). See
   * `Time.advanceToSleepAfter`.
   */
  readonly sleepsAtArrival: ReadonlyArray<number>
}

export type Reply =
  | {
      readonly _tag: "Respond"
      readonly status: number
      readonly headers?: Record<string, string>
      readonly body?: string
    }
  | { readonly _tag: "Hang" }
  | { readonly _tag: "Reset" }
  /** A 200 whose chunked body repeats `chunk` until the client stops reading. */
  | { readonly _tag: "Endless"; readonly chunk: string }

export const respond = (
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): Reply => ({
  _tag: "Respond",
  status,
  headers:
    body === undefined || typeof body === "string"
      ? headers
      : { "content-type": "application/json", ...headers },
  ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
})

export const hang: Reply = { _tag: "Hang" }

export const endless = (chunk: string): Reply => ({ _tag: "Endless", chunk })

export const tokenBody = (overrides: Record<string, unknown> = {}) => ({
  access_token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl",
  expires_in: 3700,
  token_type: "Bearer",
  scope: "integrator_scope",
  ...overrides,
})

export interface TokenEndpoint {
  /** The base URL to use as `authUrl`. */
  readonly authUrl: string
  /** Every request received so far, in order. */
  readonly received: Effect.Effect<ReadonlyArray<ReceivedRequest>>
  /** Waits for the next request to arrive (each arrival is delivered once). */
  readonly nextArrival: Effect.Effect<ReceivedRequest>
}

/** Starts the endpoint; `script(n)` says how to answer the n-th request (0-based). */
export const make = (script: (index: number, request: ReceivedRequest) => Reply) =>
  Effect.gen(function* () {
    const received = yield* Ref.make<ReadonlyArray<ReceivedRequest>>([])
    const arrivals = yield* Queue.unbounded<ReceivedRequest>()
    const runtime = yield* Effect.runtime<never>()
    // Read synchronously when the request has arrived, before any answer is written: what the
    // client's fibers were sleeping on at that moment. Empty on the live clock.
    const sleepsNow = (): ReadonlyArray<number> => {
      const exit = Runtime.runSyncExit(runtime)(TestClock.sleeps())
      return Exit.isSuccess(exit) ? [...exit.value] : []
    }
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const request: ReceivedRequest = {
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          sleepsAtArrival: sleepsNow(),
        }
        const index = Effect.runSync(
          Ref.modify(received, (all) => [all.length, [...all, request]] as const),
        )
        Effect.runSync(Queue.offer(arrivals, request))
        const reply = script(index, request)
        switch (reply._tag) {
          case "Hang":
            return
          case "Reset":
            req.socket.destroy()
            return
          case "Respond":
            res.writeHead(reply.status, reply.headers)
            res.end(reply.body)
            return
          case "Endless": {
            res.writeHead(200, { "content-type": "application/json" })
            res.on("error", () => {})
            const pump = () => {
              while (!res.destroyed && res.write(reply.chunk));
              if (!res.destroyed) res.once("drain", pump)
            }
            pump()
          }
        }
      })
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        }),
    )
    const address = server.address()
    if (address === null || typeof address === "string") {
      return yield* Effect.dieMessage("the token endpoint has no TCP address")
    }
    return {
      authUrl: `http://127.0.0.1:${address.port}/integrator-authentication`,
      received: Ref.get(received),
      nextArrival: Queue.take(arrivals),
    } satisfies TokenEndpoint
  })
