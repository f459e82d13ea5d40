/**
 * A real token endpoint on loopback for the tests: it records every request it receives and
 * answers as the test scripts it to.
 */
import { Effect, Exit, Queue, Runtime, TestClock } from "effect"
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

/** Destroys the connection without answering (an answer lost after the server acted). */
export const reset: Reply = { _tag: "Reset" }

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
  /** The server's origin (`http://127.0.0.1:{port}`), for a script that answers other paths. */
  readonly origin: string
  /** Every request received so far, in order (only the latest with `keep: "latest"`). */
  readonly received: Effect.Effect<ReadonlyArray<ReceivedRequest>>
  /** How many requests have been received so far, whatever `keep` says. */
  readonly count: Effect.Effect<number>
  /**
   * Waits for the next request to arrive (each arrival is delivered once; with
   * `keep: "latest"`, only the latest of those not yet taken).
   */
  readonly nextArrival: Effect.Effect<ReceivedRequest>
}

/** How the endpoint keeps what it receives and how it listens. */
export interface Options {
  /**
   * Which requests `received` and `nextArrival` keep: every one (what a test asserts on), or
   * only the latest (for a benchmark sending tens of thousands, whose memory would otherwise
   * grow with each).
   * @default "every"
   */
  readonly keep?: "every" | "latest"
  /**
   * Connections waiting to be accepted (a fleet's cold start opens thousands at once).
   * @default 511 (Node's)
   */
  readonly backlog?: number
}

/** Starts the endpoint; `script(n)` says how to answer the n-th request (0-based). */
export const make = (
  script: (index: number, request: ReceivedRequest) => Reply,
  options: Options = {},
) =>
  Effect.gen(function* () {
    const latestOnly = options.keep === "latest"
    // Written synchronously in the request handler (a push, not a copy per request: a
    // benchmark sends tens of thousands); read as a snapshot.
    const received: Array<ReceivedRequest> = []
    let count = 0
    const arrivals = latestOnly
      ? yield* Queue.sliding<ReceivedRequest>(1)
      : yield* Queue.unbounded<ReceivedRequest>()
    const runtime = yield* Effect.runtime<never>()
    // Whether the runtime has a TestClock is fixed when it is captured: asked once here, so
    // that a request on the live clock pays for no fiber.
    const onTestClock = Exit.isSuccess(Runtime.runSyncExit(runtime)(TestClock.sleeps()))
    // Read synchronously when the request has arrived, before any answer is written: what the
    // client's fibers were sleeping on at that moment. Empty on the live clock.
    const sleepsNow = (): ReadonlyArray<number> => {
      if (!onTestClock) return []
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
        const index = count++
        if (latestOnly) received.length = 0
        received.push(request)
        arrivals.unsafeOffer(request)
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
        server.listen(
          {
            port: 0,
            host: "127.0.0.1",
            ...(options.backlog === undefined ? {} : { backlog: options.backlog }),
          },
          () => resume(Effect.void),
        )
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
    const origin = `http://127.0.0.1:${address.port}`
    return {
      authUrl: `${origin}/integrator-authentication`,
      origin,
      received: Effect.sync((): ReadonlyArray<ReceivedRequest> => [...received]),
      count: Effect.sync(() => count),
      nextArrival: Queue.take(arrivals),
    } satisfies TokenEndpoint
  })
