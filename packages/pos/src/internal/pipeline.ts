// PoS V10 on core's RequestPath: what is V10's own. Its four headers, the bearer token from
// TokenService (one per merchant, or one unbound token and the VAT header), the idempotency
// header, its timeouts (2 s writes, 0.5 s reads) and its errors; the path does the rest
// (deadlines, retries, 401 recovery, bounded reading, spans) as for every other API.
import {
  type Domain as CoreDomain,
  InvalidInput,
  RequestPath,
  type RetryPolicy,
  type TokenError,
} from "@effect-mobilepay/core"
import type { TokenService } from "@effect-mobilepay/token-service"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as PosError from "../PosError.js"

export interface Settings {
  readonly tokens: TokenService.TokenService.Service
  readonly clientSystemVersion: CoreDomain.ClientSystemVersion
  /** `merchant`: one merchant-bound token per merchant; `unbound`: one token and a VAT header. */
  readonly tokenBinding: "merchant" | "unbound"
  readonly readTimeout: Duration.Duration
  readonly writeTimeout: Duration.Duration
  readonly retryPolicy: RetryPolicy.RetryPolicy
  /** The largest answer read, in bytes. */
  readonly maxResponseBytes: number
}

export type Failure = PosError.PosError | TokenError.TokenError | InvalidInput.InvalidInput

export interface Call {
  readonly operation: PosError.PosOperation
  readonly method: "GET" | "POST" | "DELETE"
  readonly url: string
  readonly urlParams?: Readonly<Record<string, string | undefined>> | undefined
  /** The JSON body, already in its wire form. */
  readonly body?: unknown
  readonly idempotencyKey?: string | undefined
  /** The merchant the call is for (unbound tokens need it in a header). */
  readonly merchantVat: CoreDomain.MerchantVat | undefined
  /** Overrides the timeout for reads (GET) or writes (everything else); already checked. */
  readonly timeout?: Duration.Duration | undefined
}

// What the path is handed: the call as V10 sends it, with what its span shows.
interface PosCall extends RequestPath.Call<PosError.PosOperation> {
  readonly merchantVat: CoreDomain.MerchantVat | undefined
  readonly idempotencyKey: string | undefined
}

/** How an operation's answer is decoded: compiled once, run synchronously on each answer. */
export type Answer<A> = RequestPath.Answer<A>

/** The decoder of answers of `schema` (tolerant, like the schema; excess fields ignored). */
export const answer = RequestPath.answer

export const make = (
  settings: Settings,
): Effect.Effect<
  {
    readonly execute: {
      <A>(call: Call, answer: Answer<A>): Effect.Effect<A, Failure>
      (call: Call): Effect.Effect<void, Failure>
    }
  },
  never,
  HttpClient.HttpClient
> =>
  Effect.gen(function* () {
    const path = yield* RequestPath.make<PosError.PosOperation, PosError.PosError, PosCall>({
      name: "PosClient",
      headers: {
        accept: "application/json",
        "x-ibm-client-id": settings.tokens.clientId,
        "x-mobilepay-client-system-version": settings.clientSystemVersion,
      },
      tokens: settings.tokens,
      // A create repeated with its key answers with what MobilePay already made (kept 24 h).
      idempotencyHeader: "x-mobilepay-idempotency-key",
      retryPolicy: settings.retryPolicy,
      maxResponseBytes: settings.maxResponseBytes,
      failed: (call, answer) =>
        PosError.fromResponse({
          operation: call.operation,
          status: answer.status,
          body: answer.body ?? "",
          correlationIdHeader: answer.correlationId,
          secrets: answer.secrets,
        }),
      unreachable: (call, reason, detail) =>
        new PosError.PosTransportError({ operation: call.operation, reason, detail }),
      malformed: (call, status, issue, secrets) =>
        typeof issue === "string"
          ? new PosError.PosDecodeError({
              operation: call.operation,
              status,
              path: "",
              reason: issue,
            })
          : PosError.PosDecodeError.fromParseError({
              operation: call.operation,
              status,
              error: issue,
              secrets,
            }),
      tooLarge: (call, status) =>
        new PosError.PosResponseTooLarge({
          operation: call.operation,
          status,
          maxBytes: settings.maxResponseBytes,
        }),
      spanAttributes: (call) => ({
        "mobilepay.operation": call.operation,
        "mobilepay.merchant_vat": call.merchantVat ?? "unbound",
        ...(call.idempotencyKey === undefined
          ? {}
          : { "mobilepay.idempotency_key": call.idempotencyKey }),
      }),
    })

    const noMerchant = Effect.fail(
      new InvalidInput.InvalidInput({
        field: "merchantVat",
        reason: "an unbound token needs a merchant: set merchantVat on the layer or the call",
      }),
    )

    const unbound = settings.tokenBinding === "unbound"
    const toPath = (call: Call): PosCall => {
      let headers: Record<string, string> | undefined
      if (unbound && call.merchantVat !== undefined) {
        headers = { "x-mobilepay-merchant-vat-number": call.merchantVat }
      }
      if (call.idempotencyKey !== undefined) {
        headers = { ...headers, "x-mobilepay-idempotency-key": call.idempotencyKey }
      }
      return {
        operation: call.operation,
        method: call.method,
        url: call.url,
        urlParams: call.urlParams,
        body: call.body,
        headers,
        timeout:
          call.timeout ?? (call.method === "GET" ? settings.readTimeout : settings.writeTimeout),
        tokenKey: unbound ? undefined : call.merchantVat,
        merchantVat: call.merchantVat,
        idempotencyKey: call.idempotencyKey,
      }
    }

    function execute<A>(call: Call, answer: Answer<A>): Effect.Effect<A, Failure>
    function execute(call: Call): Effect.Effect<void, Failure>
    function execute<A>(call: Call, answer?: Answer<A>): Effect.Effect<A | void, Failure> {
      if (unbound && call.merchantVat === undefined) return noMerchant
      return answer === undefined ? path.execute(toPath(call)) : path.execute(toPath(call), answer)
    }
    return { execute }
  })
