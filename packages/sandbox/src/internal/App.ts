/**
 * The sandbox as one HTTP app: every request is read once (size-limited), logged, given a
 * correlation id, maybe hit by a fault, then routed. Nothing a client sends can make it
 * crash: unknown routes are 404, bad bodies 4xx, defects a 500 with a 2xxx code.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Cause, Clock, Effect, Either, Option, Ref } from "effect"
import type { Fault } from "../Fault.js"
import { authBasePath, discovery, jwksEndpoint, tokenEndpoint } from "./Auth.js"
import { pickFault, type FaultState } from "./Faults.js"
import { accessTokenEndpoint, accessTokenPath } from "./AccessToken.js"
import {
  Incoming,
  Problem,
  Unauthorized,
  renderPlatformRefusal,
  renderRefusal,
  respondJson,
  type IncomingRequest,
  type Refusal,
} from "./Http.js"
import { isPagePath } from "./Page.js"
import { platformOperations, type PlatformOperation } from "./PlatformApi.js"
import { posBasePath, posOperations, selfCertificationPosBasePath } from "./PosApi.js"
import { deterministicGuid } from "./State.js"
import { userSimulationBasePath, userSimulationOperations } from "./UserSimulation.js"
import type { RequestLog } from "./RequestLog.js"
import type { World } from "./World.js"

/** A request as the sandbox received it. */
export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** Header names lower-cased; a header sent twice shows as one value joined by ", " (Node's rule). */
  readonly headers: Readonly<Record<string, string>>
  /** The header lines exactly as sent: original case, order and repetitions. */
  readonly rawHeaders: ReadonlyArray<readonly [name: string, value: string]>
  /** The body as received, cut to the log's body limit (the cut is marked). */
  readonly body: string
  /** `Clock` time of arrival, in milliseconds. */
  readonly receivedAt: number
  /** The fault injected into the answer, if any. */
  readonly fault: Fault["_tag"] | undefined
}

export interface Controls {
  /** Bounded in entries and bytes, so a long-running CLI does not grow forever. */
  readonly log: RequestLog
  readonly faults: Ref.Ref<FaultState>
  readonly requestCounter: Ref.Ref<number>
}

type Handler = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  Refusal,
  Incoming | HttpRouter.RouteContext | HttpServerRequest.HttpServerRequest
>

// Turns refusals into responses, so the router only ever sees successes.
const answer = (handler: Handler, withOrigin: boolean) =>
  Effect.flatMap(Incoming, (request) =>
    Effect.catchAll(handler, (refusal) =>
      Effect.succeed(renderRefusal(refusal, request.correlationId, withOrigin)),
    ),
  )

// The platform's APIs answer refusals in their own shapes (RFC 7807, the QR API's, the gateway's).
const platformAnswer = (handler: Handler) =>
  Effect.flatMap(Incoming, (request) =>
    Effect.catchAll(handler, (refusal) => Effect.succeed(renderPlatformRefusal(refusal, request))),
  )

const serverError = (code: string, correlationId: string) =>
  respondJson({ code, message: "An internal error occurred", correlationId }, 500)

const headersOf = (headers: Readonly<Record<string, string | undefined>>) => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = value
  }
  return out
}

const rawHeaderLines = (
  request: HttpServerRequest.HttpServerRequest,
): ReadonlyArray<readonly [string, string]> => {
  const raw = NodeHttpServerRequest.toIncomingMessage(request).rawHeaders
  const lines: Array<readonly [string, string]> = []
  for (let i = 0; i + 1 < raw.length; i += 2) lines.push([raw[i] ?? "", raw[i + 1] ?? ""])
  return lines
}

export const makeApp = (
  world: World,
  controls: Controls,
  options: {
    readonly fallbackHost: string
    readonly maxBodyBytes: number
    /** The page's routes, when the sandbox serves its page. */
    readonly page: ReadonlyArray<PlatformOperation> | undefined
  },
) =>
  Effect.gen(function* () {
    const page =
      options.page === undefined
        ? undefined
        : yield* HttpRouter.toHttpApp(
            options.page.reduce<HttpRouter.HttpRouter<never, Incoming>>(
              (router, [method, path, handler]) =>
                HttpRouter.route(method)(path, platformAnswer(handler))(router),
              HttpRouter.empty,
            ),
          )
    let router = HttpRouter.empty.pipe(
      HttpRouter.post(
        `${authBasePath}/connect/token`,
        answer(tokenEndpoint(world, options.fallbackHost), false),
      ),
      HttpRouter.get(
        `${authBasePath}/.well-known/openid-configuration`,
        answer(discovery(options.fallbackHost), false),
      ),
      HttpRouter.get(
        `${authBasePath}/.well-known/openid-configuration/jwks`,
        answer(jwksEndpoint(world), false),
      ),
    )
    for (const base of [posBasePath, selfCertificationPosBasePath] as const) {
      for (const [method, path, handler, withOrigin] of posOperations(world)) {
        router = HttpRouter.route(method)(`${base}${path}`, answer(handler, withOrigin))(router)
      }
    }
    router = HttpRouter.post(
      accessTokenPath,
      answer(accessTokenEndpoint(world, options.fallbackHost), false),
    )(router)
    for (const [method, path, handler] of platformOperations(world)) {
      router = HttpRouter.route(method)(path, platformAnswer(handler))(router)
    }
    for (const [method, path, handler] of userSimulationOperations(world)) {
      router = HttpRouter.route(method)(`${userSimulationBasePath}${path}`, answer(handler, false))(
        router,
      )
    }
    const routed = yield* HttpRouter.toHttpApp(router)

    return Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      // A request target URL cannot parse (odd input can do that) is treated as unroutable.
      const url = Either.getOrElse(
        Either.try(() => new URL(request.url, "http://sandbox")),
        () => new URL("http://sandbox/unroutable"),
      )
      if (page !== undefined && isPagePath(url.pathname)) {
        return yield* servePage(page, request, url, options.maxBodyBytes)
      }
      const n = yield* Ref.getAndUpdate(controls.requestCounter, (k) => k + 1)
      const correlationId = deterministicGuid(`${world.seed}:correlation`, n)
      const declaredLength = Number(request.headers["content-length"] ?? "0")
      const body =
        declaredLength > options.maxBodyBytes
          ? Option.none<string>()
          : yield* request.text.pipe(
              HttpIncomingMessage.withMaxBodySize(Option.some(options.maxBodyBytes)),
              Effect.option,
            )
      const incoming: IncomingRequest = {
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: headersOf(request.headers),
        body: Option.getOrElse(body, () => ""),
        correlationId,
      }
      const fault = yield* pickFault(controls.faults, world.seed, incoming.method, incoming.path)
      const receivedAt = yield* Clock.currentTimeMillis
      yield* controls.log.append({
        method: incoming.method,
        path: incoming.path,
        query: incoming.query,
        headers: incoming.headers,
        rawHeaders: rawHeaderLines(request),
        body: incoming.body,
        receivedAt,
        fault: fault?._tag,
      })
      yield* world.changed

      const process = Effect.gen(function* () {
        if (Option.isNone(body)) {
          return respondJson(
            {
              code: "1099",
              message: `The request body could not be read or exceeds ${options.maxBodyBytes} bytes`,
              correlationId,
            },
            413,
          )
        }
        return yield* routed.pipe(
          Effect.provideService(Incoming, incoming),
          Effect.catchTag("RouteNotFound", () =>
            Effect.succeed(HttpServerResponse.empty({ status: 404 })),
          ),
          Effect.catchAllCause((cause) =>
            Cause.isInterruptedOnly(cause)
              ? Effect.failCause(cause)
              : Effect.as(
                  Effect.logError("sandbox handler failed", cause),
                  serverError("2000", correlationId),
                ),
          ),
        )
      })

      const response = yield* faulted(fault, process, request, incoming)
      return HttpServerResponse.setHeader(response, "x-correlation-id", correlationId)
    })
  })

// The page's own routes: not logged, not faulted, no correlation id drawn.
const servePage = (
  page: Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    unknown,
    Incoming | HttpServerRequest.HttpServerRequest
  >,
  request: HttpServerRequest.HttpServerRequest,
  url: URL,
  maxBodyBytes: number,
) =>
  Effect.gen(function* () {
    const body = yield* request.text.pipe(
      HttpIncomingMessage.withMaxBodySize(Option.some(maxBodyBytes)),
      Effect.option,
    )
    if (Option.isNone(body)) return HttpServerResponse.empty({ status: 413 })
    return yield* page.pipe(
      Effect.provideService(Incoming, {
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: headersOf(request.headers),
        body: body.value,
        correlationId: "00000000-0000-4000-8000-000000000000",
      }),
      // The handlers answer their refusals: the only failure left is an unknown route.
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.failCause(cause)
          : Option.isSome(Cause.failureOption(cause))
            ? Effect.succeed(HttpServerResponse.empty({ status: 404 }))
            : Effect.as(
                Effect.logError("sandbox page handler failed", cause),
                HttpServerResponse.empty({ status: 500 }),
              ),
      ),
    )
  })

// The platform's routes answer injected faults in the platform's shapes.
const platformPrefixes = ["/accesstoken/", "/epayment/", "/webhooks/", "/qr/", "/order-management/"]

const faulted = <R>(
  fault: Fault | undefined,
  process: Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>,
  request: HttpServerRequest.HttpServerRequest,
  incoming: IncomingRequest,
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R> => {
  if (fault === undefined) return process
  const correlationId = incoming.correlationId
  const platform = platformPrefixes.some((prefix) => incoming.path.startsWith(prefix))
  switch (fault._tag) {
    case "Latency":
      return Effect.zipRight(Effect.sleep(fault.delay), process)
    case "ServerError":
      // On the platform's routes: RFC 7807 with the internal error code 3010.
      return Effect.succeed(
        platform
          ? renderPlatformRefusal(
              new Problem({
                status: 500,
                title: "Internal Server Error",
                detail: "An internal error occurred",
                code: "3010",
              }),
              incoming,
            )
          : serverError(fault.code, correlationId),
      )
    case "Unavailable":
      return Effect.succeed(HttpServerResponse.empty({ status: 503 }))
    case "Unauthorized":
      return Effect.succeed(
        platform
          ? renderPlatformRefusal(new Unauthorized({ reason: "injected fault" }), incoming)
          : HttpServerResponse.empty({ status: 401 }),
      )
    case "MalformedJson":
      // Only a success is cut: a refusal keeps its body, so a test of a client's handling of
      // a garbled answer is not confused with its handling of an error.
      return Effect.map(process, (response) =>
        response.status < 200 || response.status > 299
          ? response
          : HttpServerResponse.text(
              platform ? '{"reference": "acme-shop-1' : '{"paymentId": "3974eae6-e36f-41',
              { status: response.status, contentType: "application/json" },
            ),
      )
    case "Locked":
      // Answered before the handler runs, so nothing is done and no idempotency key is kept.
      return Effect.succeed(
        platform
          ? renderPlatformRefusal(
              /\/cancel\/?$/.test(incoming.path)
                ? new Problem({
                    status: 423,
                    title: "Cannot cancel a processing payment",
                    detail: "The payment is being processed; retry shortly with the same key",
                    code: "6250",
                  })
                : new Problem({
                    status: 423,
                    title: "Order locked",
                    detail: "The payment is being processed; retry shortly with the same key",
                    code: "6160",
                  }),
              incoming,
            )
          : HttpServerResponse.empty({ status: 423 }),
      )
    case "ConnectionReset":
      // The work is done, then the answer is lost: the client cannot know the create happened.
      return Effect.flatMap(process, (response) =>
        Effect.sync(() => {
          NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
          return response
        }),
      )
  }
}
