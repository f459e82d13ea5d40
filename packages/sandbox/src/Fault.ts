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
 * `latency:MS`, `500[:CODE]`, `503`, `reset`, `401` or `malformed`, e.g.
 * `"POST /pos/v10/payments=reset@0.5"` or `"/pos/v10/**=latency:300"`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseFaultRule = (text: string): FaultRule | undefined => {
  const at = text.lastIndexOf("=")
  if (at <= 0) return undefined
  const route = text.slice(0, at).trim()
  const match = /^([a-z0-9]+)(?::(\d+))?(?:@([0-9.]+))?(?:x(\d+))?$/i.exec(
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
    default:
      return undefined
  }
}
