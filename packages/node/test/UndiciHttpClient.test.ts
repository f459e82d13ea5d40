/**
 * The lean transport against a real server on loopback: what it sends and reads, and the
 * deadline it enforces from `HttpDeadline.current`, on the live clock and on TestClock, until
 * the answer's body has arrived.
 */
import { Untrusted } from "@effect-mobilepay/core"
import { UndiciHttpClient } from "@effect-mobilepay/node"
import { HttpDeadline } from "@effect-mobilepay/core"
import { Time, TokenEndpoint } from "@effect-mobilepay/test-support"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Option, Stream, TestClock } from "effect"
import * as Http from "node:http"

const serve = (
  script: (index: number, request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply,
) =>
  Effect.gen(function* () {
    const server = yield* TokenEndpoint.make(script)
    const client = yield* UndiciHttpClient.makeAgent()
    return { ...server, client, base: server.authUrl.replace("/integrator-authentication", "") }
  })

// A server whose handler the test writes itself, for what the scripted endpoint cannot do.
const handWritten = (handler: Http.RequestListener) =>
  Effect.gen(function* () {
    const server = Http.createServer(handler)
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () => Effect.sync(() => (server.closeAllConnections(), server.close())),
    )
    const address = server.address()
    const port = address !== null && typeof address !== "string" ? address.port : 0
    const client = yield* UndiciHttpClient.makeAgent()
    return { client, base: `http://127.0.0.1:${port}` }
  })

const within = <A, E, R>(millis: number, effect: Effect.Effect<A, E, R>) =>
  Effect.locally(effect, HttpDeadline.current, Option.some(Duration.millis(millis)))

describe("UndiciHttpClient", () => {
  it.scoped("sends the method, path, query, headers and body; reads status, headers and JSON", () =>
    Effect.gen(function* () {
      const { client, base, received } = yield* serve(() =>
        TokenEndpoint.respond(201, { ok: true }, { "x-correlation-id": "corr-1" }),
      )
      const response = yield* client.execute(
        HttpClientRequest.post(`${base}/pos/v10/payments?a=1`).pipe(
          HttpClientRequest.setHeader("x-ibm-client-id", "client-1"),
          HttpClientRequest.setUrlParam("b", "two words"),
          HttpClientRequest.bodyUnsafeJson({ amount: 12.5 }),
        ),
      )
      expect(response.status).toBe(201)
      expect(response.headers["x-correlation-id"]).toBe("corr-1")
      expect(yield* response.json).toEqual({ ok: true })
      // A second read gets the same bytes.
      expect(yield* response.text).toBe('{"ok":true}')
      const [request] = yield* received
      expect(request?.method).toBe("POST")
      expect(request?.path).toBe("/pos/v10/payments?a=1&b=two+words")
      expect(request?.headers["x-ibm-client-id"]).toBe("client-1")
      expect(request?.headers["content-type"]).toBe("application/json")
      expect(request?.headers["traceparent"]).toBeUndefined()
      expect(JSON.parse(request?.body ?? "")).toEqual({ amount: 12.5 })
    }),
  )

  it.scoped("a reset connection is a RequestError of the transport", () =>
    Effect.gen(function* () {
      const { client, base } = yield* serve(() => ({ _tag: "Reset" }))
      const error = yield* Effect.flip(client.get(`${base}/pos/v10/stores`))
      expect(error).toMatchObject({ _tag: "RequestError", reason: "Transport" })
      expect(HttpDeadline.isExceeded(error)).toBe(false)
    }),
  )

  it.scoped("a URL that is not absolute http(s) is InvalidUrl, and nothing is sent", () =>
    Effect.gen(function* () {
      const { client, received } = yield* serve(() => TokenEndpoint.respond(200, {}))
      const error = yield* Effect.flip(client.get("ftp://127.0.0.1/x"))
      expect(error).toMatchObject({ _tag: "RequestError", reason: "InvalidUrl" })
      expect(yield* received).toHaveLength(0)
    }),
  )

  it.live("on the live clock, an unanswered request fails when its deadline passes", () =>
    Effect.gen(function* () {
      const { client, base } = yield* serve(() => TokenEndpoint.hang)
      const started = Date.now()
      const error = yield* Effect.flip(within(50, client.get(`${base}/pos/v10/stores`)))
      expect(Date.now() - started).toBeGreaterThanOrEqual(45)
      expect(error).toMatchObject({ _tag: "RequestError", reason: "Transport" })
      expect(HttpDeadline.isExceeded(error)).toBe(true)
      expect(error.cause).toMatchObject({ timeout: Duration.millis(50) })
    }).pipe(Effect.scoped),
  )

  it.scoped("on TestClock, the deadline passes when the clock does, not before", () =>
    Effect.gen(function* () {
      const { client, base, nextArrival } = yield* serve(() => TokenEndpoint.hang)
      const fiber = yield* Effect.fork(
        Effect.flip(within(500, client.get(`${base}/pos/v10/stores`))),
      )
      yield* nextArrival
      yield* TestClock.adjust("499 millis")
      for (let turn = 0; turn < 5; turn++) yield* Time.eventLoopTurn
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      expect(HttpDeadline.isExceeded(error)).toBe(true)
    }),
  )

  it.scoped("the deadline covers the body: an answer that never ends fails its reader", () =>
    Effect.gen(function* () {
      const { client, base, nextArrival } = yield* serve(() => TokenEndpoint.endless("[1,"))
      const fiber = yield* Effect.fork(
        Effect.flip(
          Effect.flatMap(within(500, client.get(`${base}/pos/v10/stores`)), (r) =>
            Stream.runDrain(r.stream),
          ),
        ),
      )
      yield* nextArrival
      yield* Time.advanceToSleepWithin("500 millis")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "ResponseError" })
      expect(HttpDeadline.isExceeded(error)).toBe(true)
    }),
  )

  it.scoped("a reader that stops at its size limit ends the exchange", () =>
    Effect.gen(function* () {
      const { client, base } = yield* serve(() => TokenEndpoint.endless("x".repeat(1000)))
      const response = yield* client.get(`${base}/pos/v10/stores`)
      const error = yield* Effect.flip(Untrusted.readText(response, 100_000))
      expect(error).toMatchObject({ _tag: "BodyTooLarge", maxBytes: 100_000 })
      // The exchange is ended, not left streaming: its body cannot be read any more.
      expect((yield* Effect.flip(response.text))._tag).toBe("ResponseError")
    }),
  )

  it.scoped("two readers waiting at once both get the body when it arrives", () =>
    Effect.gen(function* () {
      // A server that sends the head at once and the body when the test says.
      let release: () => void = () => {}
      const { client, base } = yield* handWritten((_, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "11" })
        res.flushHeaders()
        release = () => res.end('{"ok":true}')
      })
      const response = yield* client.get(`${base}/slow`)
      const both = yield* Effect.fork(
        Effect.all([response.text, response.json], { concurrency: 2 }),
      )
      for (let turn = 0; turn < 5; turn++) yield* Time.eventLoopTurn
      expect(Option.isNone(yield* Fiber.poll(both))).toBe(true)
      release()
      expect(yield* Fiber.join(both)).toEqual(['{"ok":true}', { ok: true }])
    }),
  )

  it.scoped("interrupting a caller that waits for the head drops the request's connection", () =>
    Effect.gen(function* () {
      const arrived = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<void>()
      const { client, base } = yield* handWritten((req) => {
        Deferred.unsafeDone(arrived, Exit.void)
        req.socket.on("close", () => Deferred.unsafeDone(closed, Exit.void))
      })
      const fiber = yield* Effect.fork(client.get(`${base}/hang`))
      yield* Deferred.await(arrived)
      yield* Fiber.interrupt(fiber)
      yield* Deferred.await(closed)
    }),
  )

  it.scoped("without a deadline, a request waits for its answer", () =>
    Effect.gen(function* () {
      const { client, base } = yield* serve(() => TokenEndpoint.respond(200, "plain"))
      const response = yield* client.get(`${base}/x`)
      expect(yield* response.text).toBe("plain")
      expect(yield* TestClock.sleeps()).toHaveLength(0)
    }),
  )

  it.scoped("layer: the client, and the Enforcer naming it", () =>
    Effect.gen(function* () {
      const { client, enforcer } = yield* Effect.all({
        client: HttpClient.HttpClient,
        enforcer: HttpDeadline.Enforcer,
      }).pipe(Effect.provide(UndiciHttpClient.layer))
      expect(enforcer.client).toBe(client)
    }),
  )
})
