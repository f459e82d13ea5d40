/**
 * A webhook receiver a test starts on loopback: it keeps every delivery (raw body, headers)
 * in a queue and answers with the status the test chooses for the n-th delivery.
 */
import { Effect, Queue, Runtime } from "effect"
import { createServer } from "node:http"

export interface Received {
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly status: number
}

export const startReceiver = (statusFor: (n: number, body: string) => number = () => 200) =>
  Effect.gen(function* () {
    const received = yield* Queue.unbounded<Received>()
    const runtime = yield* Effect.runtime<never>()
    let count = 0
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8")
        const status = statusFor(count++, body)
        const headers: Record<string, string> = {}
        for (const [name, value] of Object.entries(request.headers)) {
          if (typeof value === "string") headers[name] = value
        }
        response.writeHead(status).end()
        Runtime.runSync(runtime)(
          Queue.offer(received, { path: request.url ?? "", headers, body, status }),
        )
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
    const port = typeof address === "object" && address !== null ? address.port : 0
    return { url: `http://127.0.0.1:${port}`, received }
  })

/** Waits (in real time, a few ms at a time) until `check` holds: for the sandbox's own fibers. */
export const eventually = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  check: (a: A) => boolean,
): Effect.Effect<A, E, R> =>
  Effect.flatMap(effect, (a) =>
    check(a)
      ? Effect.succeed(a)
      : Effect.zipRight(
          Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5))),
          eventually(effect, check),
        ),
  )
