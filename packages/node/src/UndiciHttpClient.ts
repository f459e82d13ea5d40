/**
 * A lean `HttpClient` straight over undici's `Dispatcher.dispatch`, the transport
 * `NodeMobilePay` uses by default. It does what a MobilePay client needs and no more: no
 * `AbortSignal`, `URL` object or Readable stream per request, no trace headers sent and no span
 * of its own (`PosClient` keeps one span per call), and the per-attempt deadline of
 * `HttpDeadline` enforced with one timer that aborts through the dispatcher only when it fires.
 * An answer's body is kept as the chunks that arrived, read once by whoever asks. Any other
 * `HttpClient` layer can take its place.
 *
 * @since 0.2.0
 */
import { HttpDeadline } from "@effect-mobilepay/core"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { Agent, type Dispatcher } from "undici"
import { send } from "./internal/exchange.js"

/**
 * An `HttpClient` sending through `dispatcher` (an undici `Agent`, `Pool` or `Client`), which
 * stays the caller's to close. It enforces `HttpDeadline.current` itself; for `PosClient` to
 * rely on that, provide `HttpDeadline.Enforcer` naming this client beside it (as
 * {@link layerWith} does), or `PosClient` times each attempt as on any other client.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (dispatcher: Dispatcher): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (request) => Effect.flatMap(request, (ready) => send(dispatcher, ready)),
    Effect.succeed,
  )

/**
 * The client on a new undici `Agent` made with `options` (connection limits, keep-alive,
 * undici's own `headersTimeout`/`bodyTimeout` as the last bound on a request without a
 * deadline), destroyed when the scope closes.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeAgent = (
  options: Agent.Options = {},
): Effect.Effect<HttpClient.HttpClient, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => new Agent(options)),
      (agent) => Effect.promise(() => agent.destroy()),
    ),
    make,
  )

/**
 * The client on its own undici `Agent` (made with `options`), as the `HttpClient`, and as the
 * `HttpDeadline.Enforcer` that tells `PosClient` not to race each attempt against a timer.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerWith = (
  options: Agent.Options,
): Layer.Layer<HttpClient.HttpClient | HttpDeadline.Enforcer> =>
  Layer.scopedContext(
    Effect.map(makeAgent(options), (client) =>
      Context.make(HttpClient.HttpClient, client).pipe(
        Context.add(HttpDeadline.Enforcer, { client }),
      ),
    ),
  )

/**
 * The client on its own undici `Agent` with undici's defaults; see {@link layerWith}.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient | HttpDeadline.Enforcer> = layerWith({})
