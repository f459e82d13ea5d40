/**
 * The page's data as a test reads it: the view (`GET /sandbox/v1/view`), and the live view's
 * server-sent events read off the stream one at a time.
 */
import { Data, Effect, Schema } from "effect"
import type { Sandbox } from "../../src/index.js"

export class StreamEnded extends Data.TaggedError("StreamEnded")<{ readonly cause?: unknown }> {}

const Payment = Schema.Struct({
  reference: Schema.String,
  state: Schema.String,
  aggregate: Schema.Struct({
    capturedAmount: Schema.Struct({ value: Schema.Number, currency: Schema.String }),
  }),
})

/** The parts of the view the tests look at; the rest is kept as it came. */
export const View = Schema.Struct({
  now: Schema.String,
  clockOffsetMillis: Schema.Number,
  v10: Schema.Struct({
    payments: Schema.Array(Schema.Struct({ paymentId: Schema.String, status: Schema.String })),
  }),
  platform: Schema.Struct({ payments: Schema.Array(Payment) }),
  requests: Schema.Array(
    Schema.Struct({
      method: Schema.String,
      path: Schema.String,
      fault: Schema.NullOr(Schema.String),
    }),
  ),
  deliveries: Schema.Struct({
    attempts: Schema.Array(
      Schema.Struct({
        eventType: Schema.String,
        outcome: Schema.String,
        signature: Schema.NullOr(Schema.String),
      }),
    ),
  }),
  faults: Schema.Array(
    Schema.Struct({ rule: Schema.String, fired: Schema.Number, exhausted: Schema.Boolean }),
  ),
})
export type View = typeof View.Type

export const text = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, headers: response.headers, text: await response.text() }
  })

/** The view as JSON text and decoded. */
export const view = (sandbox: Sandbox.Sandbox.Service) =>
  Effect.gen(function* () {
    const reply = yield* text(`${sandbox.baseUrl}/sandbox/v1/view`)
    return {
      text: reply.text,
      view: yield* Schema.decodeUnknown(Schema.parseJson(View))(reply.text),
    }
  })

export const sendJson = (
  sandbox: Sandbox.Sandbox.Service,
  method: string,
  path: string,
  body?: unknown,
) =>
  text(`${sandbox.baseUrl}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  })

/**
 * Opens the live view in the current scope; `next` gives the data of the next event (the
 * first is the view at connection), `raw` everything received so far.
 */
export const liveView = (sandbox: Sandbox.Sandbox.Service) =>
  Effect.gen(function* () {
    const controller = new AbortController()
    yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
    const response = yield* Effect.promise(() =>
      fetch(`${sandbox.baseUrl}/sandbox/v1/view/events`, { signal: controller.signal }),
    )
    const reader = response.body?.getReader()
    const decoder = new TextDecoder()
    let buffer = ""
    let raw = ""
    const next: Effect.Effect<string, StreamEnded> = Effect.tryPromise({
      try: async () => {
        for (;;) {
          const end = buffer.indexOf("\n\n")
          if (end >= 0) {
            const event = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            return event.replace(/^data: /, "")
          }
          const chunk = await reader?.read()
          if (chunk === undefined || chunk.done) throw new Error("the stream ended")
          const piece = decoder.decode(chunk.value, { stream: true })
          buffer += piece
          raw += piece
        }
      },
      catch: (cause) => new StreamEnded({ cause }),
    })
    return {
      contentType: response.headers.get("content-type"),
      next,
      nextView: Effect.flatMap(next, Schema.decodeUnknown(Schema.parseJson(View))),
      raw: Effect.sync(() => raw),
    }
  })
