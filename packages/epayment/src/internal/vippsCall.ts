// What the Webhooks and QR clients share on top of core's RequestPath: their options checked
// into settings (the base URL, the subscription key and Vipps-System-* headers, the deadline,
// the retry policy, the size limit, the token source), the sales unit of a call, the request
// path and the calls on it, the configuration from VIPPS_MOBILEPAY_*, and the defensive
// reading of their error bodies (which are not the ePayment problem shape).
import { isHeaderSafe, MerchantSerialNumber } from "@effect-mobilepay/core/Domain"
import * as DurationOption from "@effect-mobilepay/core/DurationOption"
import { decodeInput, InvalidInput } from "@effect-mobilepay/core/InvalidInput"
import * as RequestPath from "@effect-mobilepay/core/RequestPath"
import * as RetryPolicy from "@effect-mobilepay/core/RetryPolicy"
import * as Untrusted from "@effect-mobilepay/core/Untrusted"
import * as VippsConfig from "@effect-mobilepay/core/VippsConfig"
import type * as VippsEnvironment from "@effect-mobilepay/core/VippsEnvironment"
import * as VippsSystem from "@effect-mobilepay/core/VippsSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"

import { AccessTokenService } from "./tokens.js"

export { AccessTokenService }

/** The options both clients take. */
export interface ClientOptions {
  readonly environment: VippsEnvironment.VippsEnvironment
  readonly subscriptionKey: Redacted.Redacted<string>
  readonly system?: VippsSystem.VippsSystem | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly retryPolicy?: RetryPolicy.RetryPolicy | undefined
  readonly maxResponseBytes?: number | undefined
}

export interface Settings {
  readonly baseUrl: string
  readonly tokens: RequestPath.TokenSource
  /** The headers of every call: the subscription key and the Vipps-System-* ones. */
  readonly headers: Readonly<Record<string, string>>
  /** Cut out of any server text. */
  readonly secrets: ReadonlyArray<string>
  readonly timeout: Duration.Duration
  readonly retryPolicy: RetryPolicy.RetryPolicy
  readonly maxResponseBytes: number
}

/** Header names whose values Effect's HTTP logging and tracing must show redacted. */
export const redactedHeaders: ReadonlyArray<string> = ["ocp-apim-subscription-key"]

/** The environment's base URL without a trailing slash, if it is an absolute http(s) URL. */
export const checkBaseUrl = (
  environment: VippsEnvironment.VippsEnvironment,
): Effect.Effect<string, InvalidInput> => {
  const baseUrl = environment.baseUrl.replace(/\/+$/, "")
  return URL.canParse(baseUrl) && /^https?:$/.test(new URL(baseUrl).protocol)
    ? Effect.succeed(baseUrl)
    : Effect.fail(new InvalidInput({ field: "environment", reason: "needs an http(s) base URL" }))
}

/** The subscription key's value, if it can go into its header. */
export const checkSubscriptionKey = (
  subscriptionKey: Redacted.Redacted<string>,
): Effect.Effect<string, InvalidInput> => {
  const key = Redacted.value(subscriptionKey)
  return key.length > 0 && isHeaderSafe(key)
    ? Effect.succeed(key)
    : // The reason must not quote the key.
      Effect.fail(
        new InvalidInput({
          field: "subscriptionKey",
          reason: "must be a non-empty header value (Latin-1, no control characters)",
        }),
      )
}

export const settingsFrom = (
  options: ClientOptions,
): Effect.Effect<Settings, InvalidInput, AccessTokenService> =>
  Effect.gen(function* () {
    const baseUrl = yield* checkBaseUrl(options.environment)
    const key = yield* checkSubscriptionKey(options.subscriptionKey)
    return {
      baseUrl,
      tokens: yield* AccessTokenService,
      // The one place the key leaves Redacted: into a header that is on the redacted list.
      headers: {
        accept: "application/json",
        "ocp-apim-subscription-key": key,
        ...VippsSystem.headers(options.system ?? VippsSystem.none),
      },
      secrets: [key],
      timeout: yield* DurationOption.decode("timeout", options.timeout ?? "10 seconds"),
      retryPolicy: options.retryPolicy ?? RetryPolicy.defaultPolicy,
      maxResponseBytes: yield* Untrusted.byteLimit(
        "maxResponseBytes",
        options.maxResponseBytes,
        1_048_576,
      ),
    }
  })

const checkMsn = decodeInput(MerchantSerialNumber, "merchantSerialNumber")

/**
 * The sales unit of each call: the call's own, checked, or else the client's `configured` one
 * (checked here, once), or undefined when neither names one.
 */
export const merchantSerialNumbers = (
  configured: string | undefined,
): Effect.Effect<
  (given: string | undefined) => Effect.Effect<string | undefined, InvalidInput>,
  InvalidInput
> =>
  Effect.map(
    configured === undefined ? Effect.succeed(undefined) : checkMsn(configured),
    (fallback) => (given) => (given === undefined ? Effect.succeed(fallback) : checkMsn(given)),
  )

/** What a client plugs into the path: its name, its errors, and its retries if not the settings'. */
export interface ClientApi<Operation extends string, E, C extends RequestPath.Call<Operation>> {
  readonly name: string
  readonly retryPolicy?: RetryPolicy.RetryPolicy | undefined
  readonly failed: (call: C, answer: RequestPath.Failed) => E
  readonly unreachable: (call: C, reason: "Timeout" | "Transport", detail: string) => E
  /** A 2xx answer that did not decode, `reason` naming the fields, never their values. */
  readonly malformed: (call: C, status: number, reason: string) => E
}

/** The request path of a client: the settings' headers, tokens, secrets and limits. */
export const requestPath = <
  Operation extends string,
  E,
  C extends RequestPath.Call<Operation> = RequestPath.Call<Operation>,
>(
  settings: Settings,
  api: ClientApi<Operation, E, C>,
): Effect.Effect<RequestPath.RequestPath<Operation, E, C>, never, HttpClient.HttpClient> =>
  RequestPath.make<Operation, E, C>({
    name: api.name,
    headers: settings.headers,
    tokens: settings.tokens,
    secrets: settings.secrets,
    redactedHeaders,
    retryPolicy: api.retryPolicy ?? settings.retryPolicy,
    maxResponseBytes: settings.maxResponseBytes,
    failed: api.failed,
    unreachable: api.unreachable,
    malformed: (call, status, issue) => api.malformed(call, status, malformedReason(issue)),
  })

/**
 * One call to `path` (below the base URL), for the sales unit `merchantSerialNumber` (its
 * token and its `Merchant-Serial-Number` header) or, without one, partner-wide.
 */
export const call = <Operation extends string>(
  settings: Settings,
  operation: Operation,
  method: RequestPath.Call["method"],
  path: string,
  merchantSerialNumber: string | undefined,
  extra: {
    readonly body?: unknown
    readonly urlParams?: Readonly<Record<string, string>> | undefined
  } = {},
): RequestPath.Call<Operation> => ({
  operation,
  method,
  url: `${settings.baseUrl}${path}`,
  timeout: settings.timeout,
  tokenKey: merchantSerialNumber,
  ...(merchantSerialNumber === undefined
    ? {}
    : { headers: { "merchant-serial-number": merchantSerialNumber } }),
  ...(extra.body === undefined ? {} : { body: extra.body }),
  ...(extra.urlParams === undefined ? {} : { urlParams: extra.urlParams }),
})

/** What {@link configured} reads from `VIPPS_MOBILEPAY_*`. */
export interface Configured {
  readonly environment: VippsEnvironment.VippsEnvironment
  readonly subscriptionKey: Redacted.Redacted<string>
  readonly merchantSerialNumber: string | undefined
  readonly system: VippsSystem.VippsSystem
}

/**
 * A client made by `make` from `options` and core's `VippsConfig` (environment or base URL,
 * subscription key read `Redacted`, MSN, system headers).
 */
export const configured = <O extends object, A, R>(
  options: O,
  make: (options: O & Configured) => Effect.Effect<A, InvalidInput, R>,
): Effect.Effect<A, InvalidInput | ConfigError.ConfigError, R> =>
  Effect.flatMap(
    Config.all({
      environment: VippsConfig.environment,
      subscriptionKey: VippsConfig.subscriptionKey,
      merchantSerialNumber: VippsConfig.merchantSerialNumber,
      system: VippsConfig.system,
    }),
    (config) =>
      make({
        ...options,
        environment: config.environment,
        subscriptionKey: config.subscriptionKey,
        merchantSerialNumber: Option.getOrUndefined(config.merchantSerialNumber),
        system: config.system,
      }),
  )

/**
 * Why a 2xx body did not decode: which fields, never their values (a registration's answer
 * carries the secret).
 */
export const malformedReason = (issue: ParseResult.ParseError | string): string => {
  if (typeof issue === "string") return issue
  const paths = ParseResult.ArrayFormatter.formatErrorSync(issue).map((entry) =>
    entry.path.length === 0 ? "(the body)" : entry.path.join("."),
  )
  return `does not match the contract at ${[...new Set(paths)].join(", ")}`
}

/** The failed answer's body as JSON, when it is JSON (gateways answer text or HTML). */
export const jsonOf = (answer: RequestPath.Failed): Option.Option<unknown> =>
  answer.body === undefined ? Option.none() : Untrusted.parseJson(answer.body)

/** A text field of an error body, sanitised, or undefined when absent or not text. */
export const textField = (
  json: Option.Option<unknown>,
  field: string,
  answer: RequestPath.Failed,
): string | undefined => {
  if (Option.isNone(json) || !Predicate.isRecord(json.value)) return undefined
  const value = json.value[field]
  return typeof value === "string" ? answer.scrub(value) : undefined
}

/** `[{name, reason}]` entries of an error body's `field`, sanitised; others skipped. */
export const nameReasons = (
  json: Option.Option<unknown>,
  field: string,
  answer: RequestPath.Failed,
): ReadonlyArray<{ readonly name: string; readonly reason: string }> => {
  if (Option.isNone(json) || !Predicate.isRecord(json.value)) return []
  const entries = json.value[field]
  if (!Array.isArray(entries)) return []
  return entries
    .slice(0, 50)
    .flatMap((entry: unknown) =>
      Predicate.isRecord(entry) &&
      typeof entry.name === "string" &&
      typeof entry.reason === "string"
        ? [{ name: answer.scrub(entry.name, 100), reason: answer.scrub(entry.reason) }]
        : [],
    )
}

/** Why a failed answer is transient, for the client's "unavailable" error. */
export const unavailableReason = (
  status: number,
): "ServerError" | "Locked" | "RateLimited" | undefined =>
  status >= 500 || status === 408
    ? "ServerError"
    : status === 423
      ? "Locked"
      : status === 429
        ? "RateLimited"
        : undefined
