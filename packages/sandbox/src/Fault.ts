/**
 * Fault injection: rules that make the sandbox misbehave on chosen routes, the way a real
 * network and a real MobilePay sometimes do. Whether a rule with a probability fires is drawn
 * from the sandbox's seed, so a failing test replays the same faults.
 *
 * @since 0.1.0
 */
import { Data, Duration } from "effect"

/**
 * What happens to a request a rule fires on.
 *
 * - `Latency`: the answer is delayed (on Effect's `Clock`, so `TestClock` drives it), then the
 *   request is processed normally.
 * - `ServerError`: 500 with body `{ code, message, correlationId }`; the request is not processed.
 * - `Unavailable`: 503 without body; the request is not processed.
 * - `ConnectionReset`: the request IS processed (a create happens), then the socket is
 *   destroyed, so the client never sees the answer.
 * - `Unauthorized`: 401 without body, as for a token MobilePay no longer accepts.
 * - `MalformedJson`: the request is processed, and a 2xx answer's body is replaced by
 *   cut-off JSON (same status, `application/json`). Any other answer (a 4xx refusal, a 5xx)
 *   goes out unchanged; the rule still counts it towards its `times`.
 *
 * - `Locked`: the payment is locked by a concurrent operation (the customer in the middle of
 *   authorizing, another modification in flight): 423 with ErrorCode `6250` ("cannot cancel a
 *   processing payment") on a cancel, `6160` ("order locked") on anything else; the request
 *   is not processed, and its `Idempotency-Key` is not used up, so a retry with the same key
 *   and body goes through. Meant for ePayment's capture, cancel and refund; on a PoS V10 route
 *   it is 423 without a body.
 *
 * On the Vipps MobilePay platform's routes (`/accesstoken/`, `/epayment/`, `/webhooks/`,
 * `/qr/`) the answers take that platform's shapes: `ServerError` is an RFC 7807 problem with
 * ErrorCode `3010` (its `code` is not used), `Unauthorized` the API gateway's
 * `{ statusCode: 401, message }`.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault = Data.TaggedEnum<{
  Latency: { readonly delay: Duration.Duration }
  ServerError: { readonly code: string }
  Unavailable: Record<never, never>
  ConnectionReset: Record<never, never>
  Unauthorized: Record<never, never>
  MalformedJson: Record<never, never>
  /** @since 0.2.0 */
  Locked: Record<never, never>
}>

/**
 * Constructors for {@link Fault}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const Fault = Data.taggedEnum<Fault>()

/**
 * A fault on the requests matching `route`.
 *
 * `route` is `"METHOD /path"` or just `"/path"` (any method). In the path, `*` or `{name}`
 * matches one segment and a trailing `/**` matches the rest, e.g.
 * `"POST /pos/v10/payments"`, `"GET /pos/v10/payments/{paymentId}"`, `"/pos/v10/**"`.
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultRule {
  readonly route: string
  readonly fault: Fault
  /** Chance that the rule fires on a matching request, drawn from the seed. @default 1 */
  readonly probability?: number
  /** Fire at most this many times, then stop. @default unlimited */
  readonly times?: number
}

/**
 * Parses the CLI form of a rule: `ROUTE=KIND[:ARG][@PROBABILITY][xTIMES]`, where KIND is
 * `latency:MS`, `500[:CODE]`, `503`, `reset`, `401`, `malformed` or `423` (`Locked`), e.g.
 * `"POST /pos/v10/payments=reset@0.5"` or `"/pos/v10/**=latency:300"`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseFaultRule = (text: string): FaultRule | undefined => {
  const at = text.lastIndexOf("=")
  if (at <= 0) return undefined
  const route = text.slice(0, at).trim()
  // The kind is matched lazily, so that "503x2" reads as 503, twice (not as a kind "503x2").
  const match = /^([a-z0-9]+?)(?::(\d+))?(?:@([0-9.]+))?(?:x(\d+))?$/i.exec(
    text.slice(at + 1).trim(),
  )
  if (match === null) return undefined
  const [, kind, arg, probability, times] = match
  const fault = faultOf(kind?.toLowerCase() ?? "", arg)
  if (fault === undefined) return undefined
  const p = probability === undefined ? undefined : Number(probability)
  if (p !== undefined && !(p >= 0 && p <= 1)) return undefined
  return {
    route,
    fault,
    ...(p === undefined ? {} : { probability: p }),
    ...(times === undefined ? {} : { times: Number(times) }),
  }
}

const faultOf = (kind: string, arg: string | undefined): Fault | undefined => {
  switch (kind) {
    case "latency":
      return arg === undefined ? undefined : Fault.Latency({ delay: Duration.millis(Number(arg)) })
    case "500":
      return Fault.ServerError({ code: arg ?? "2000" })
    case "503":
      return Fault.Unavailable()
    case "reset":
      return Fault.ConnectionReset()
    case "401":
      return Fault.Unauthorized()
    case "malformed":
      return Fault.MalformedJson()
    case "423":
    case "locked":
      return Fault.Locked()
    default:
      return undefined
  }
}
