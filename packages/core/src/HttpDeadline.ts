/**
 * The per-attempt deadline of a call, and who enforces it. `HttpClient` carries no timeout, so
 * by default the request path every client shares ({@link RequestPath}) races every attempt
 * against the `Clock` itself. A transport that can do it cheaper (one timer per request that
 * aborts through its dispatcher only when it fires, like `UndiciHttpClient` in
 * `@effect-mobilepay/node`) says so by providing {@link Enforcer} naming its client: the path
 * then sets {@link current} around each request instead of racing, and the transport fails a
 * late request with an `HttpClientError` whose `cause` is {@link HttpDeadlineExceeded}, which
 * the path reports as a timeout. Any other `HttpClient` (fetch, `@effect/platform-node`'s) gets
 * the race.
 *
 * (Moved here from `@effect-mobilepay/pos`, which re-exports it: the seam is between the
 * transport and every client, not PoS alone.)
 *
 * @since 0.2.0
 */
import type { HttpClient, HttpClientError } from "@effect/platform"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"

/**
 * The deadline of the request being sent, from when it is dispatched until its body has
 * arrived; none outside a call. Set by the request path only when the transport in context is
 * an {@link Enforcer}; read by that transport as it sends.
 *
 * @since 0.2.0
 * @category fiber refs
 */
export const current: FiberRef.FiberRef<Option.Option<Duration.Duration>> = FiberRef.unsafeMake(
  Option.none<Duration.Duration>(),
)

/**
 * A transport that enforces {@link current} itself. `client` is the `HttpClient` that does:
 * the request path relies on it only when that very client is the `HttpClient` in context, so
 * replacing the client with another layer brings the race back by itself.
 *
 * @since 0.2.0
 * @category tags
 */
export class Enforcer extends Context.Tag("@effect-mobilepay/core/HttpDeadline/Enforcer")<
  Enforcer,
  { readonly client: HttpClient.HttpClient }
>() {}

/**
 * What an {@link Enforcer} puts in the `cause` of the `HttpClientError` of a request still
 * unanswered (or whose body is still arriving) when its deadline passes.
 *
 * @since 0.2.0
 * @category errors
 */
export class HttpDeadlineExceeded extends Data.TaggedError("HttpDeadlineExceeded")<{
  /** The deadline that passed, counted from when the request was dispatched. */
  readonly timeout: Duration.Duration
}> {}

/**
 * Whether `error` is a transport's report of a passed deadline.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isExceeded = (error: HttpClientError.HttpClientError): boolean =>
  error.cause instanceof HttpDeadlineExceeded
