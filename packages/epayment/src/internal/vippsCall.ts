// What the Webhooks and QR clients share on top of core's RequestPath: their options checked
// into settings (the base URL, the subscription key and Vipps-System-* headers, the deadline,
// the retry policy, the size limit, the token source), and the defensive reading of their
// error bodies (which are not the ePayment problem shape).
import { isHeaderSafe } from "@effect-mobilepay/core/Domain"
import * as DurationOption from "@effect-mobilepay/core/DurationOption"
import { InvalidInput } from "@effect-mobilepay/core/InvalidInput"
import type * as RequestPath from "@effect-mobilepay/core/RequestPath"
import * as RetryPolicy from "@effect-mobilepay/core/RetryPolicy"
import * as Untrusted from "@effect-mobilepay/core/Untrusted"
import type * as VippsEnvironment from "@effect-mobilepay/core/VippsEnvironment"
import * as VippsSystem from "@effect-mobilepay/core/VippsSystem"
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

export const settingsFrom = (
  options: ClientOptions,
): Effect.Effect<Settings, InvalidInput, AccessTokenService> =>
  Effect.gen(function* () {
    const baseUrl = options.environment.baseUrl.replace(/\/+$/, "")
    if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
      return yield* new InvalidInput({ field: "environment", reason: "needs an http(s) base URL" })
    }
    const key = Redacted.value(options.subscriptionKey)
    if (key.length === 0 || !isHeaderSafe(key)) {
      // The reason must not quote the key.
      return yield* new InvalidInput({
        field: "subscriptionKey",
        reason: "must be a non-empty header value (Latin-1, no control characters)",
      })
    }
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
