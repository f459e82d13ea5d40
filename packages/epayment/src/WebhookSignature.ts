/**
 * Verifying the HMAC-SHA256 signature Vipps MobilePay puts on every webhook delivery, exactly as
 * the Webhooks API documents it: the raw body's SHA-256 against `x-ms-content-sha256`, then
 * `POST\n{pathAndQuery}\n{x-ms-date};{host};{x-ms-content-sha256}` signed with the secret as
 * UTF-8 text, where host and path are those of the URL that was registered (not the ones a proxy
 * rewrote), compared in constant time with the whole `Authorization` value.
 *
 * Pure: no HTTP. {@link WebhookReceiver} runs it on each delivery before reading any JSON.
 *
 * @since 0.2.0
 */
import { InvalidInput } from "@effect-mobilepay/core/InvalidInput"
import * as DurationOption from "@effect-mobilepay/core/DurationOption"
import * as Arr from "effect/Array"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/**
 * What a delivery's signature is checked over: the body's bytes exactly as received and its
 * headers, with lower-case names (as `@effect/platform` gives them).
 *
 * @since 0.2.0
 * @category models
 */
export interface SignedDelivery {
  readonly body: Uint8Array
  readonly headers: Readonly<Record<string, string | undefined>>
}

/**
 * Why a delivery was refused.
 *
 * - `MissingHeader`: `x-ms-date`, `x-ms-content-sha256` or `Authorization` is absent.
 * - `ContentHashMismatch`: the body is not the one the hash header describes.
 * - `SignatureMismatch`: the signature was not made by any configured secret over this
 *   date, host, path and content hash.
 * - `DateOutsideTolerance`: a date tolerance is set and `x-ms-date` is unreadable or too far
 *   from now.
 *
 * @since 0.2.0
 * @category errors
 */
export const RejectionReason = Schema.Literal(
  "MissingHeader",
  "ContentHashMismatch",
  "SignatureMismatch",
  "DateOutsideTolerance",
)
/** @since 0.2.0 */
export type RejectionReason = typeof RejectionReason.Type

/**
 * A webhook delivery whose signature does not verify. It carries no header value: a secret, a
 * signature or a forged body has no place in a log.
 *
 * @since 0.2.0
 * @category errors
 */
export class WebhookSignatureRejected extends Schema.TaggedError<WebhookSignatureRejected>()(
  "WebhookSignatureRejected",
  {
    reason: RejectionReason,
    /** For `MissingHeader`, which header. */
    header: Schema.optional(Schema.String),
  },
) {
  override get message(): string {
    return this.header === undefined
      ? `Webhook delivery rejected: ${this.reason}`
      : `Webhook delivery rejected: ${this.reason} (${this.header})`
  }
}

/**
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /**
   * The URL exactly as it was registered with the Webhooks API. Its host (with the port when
   * not the scheme's default) and its path with query are what was signed.
   */
  readonly url: string | URL
  /**
   * The registration's secret; during a switch from one registration to another, both
   * secrets (a delivery verifies when any of them signed it).
   */
  readonly secrets: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
  /**
   * How far `x-ms-date` may be from the receiver's clock. The docs say nothing of how old a
   * retried delivery's date may be (open question: webhook replay window), so by default the
   * date is not checked and duplicates are dropped by their keys instead.
   * @default undefined (not checked)
   */
  readonly dateTolerance?: Duration.DurationInput | undefined
}

/**
 * A delivery verifier, built once per receiver (its keys imported once).
 *
 * @since 0.2.0
 * @category models
 */
export interface Verifier {
  readonly verify: (delivery: SignedDelivery) => Effect.Effect<void, WebhookSignatureRejected>
}

const utf8 = new TextEncoder()

const signedHeadersPrefix =
  "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="

// RFC 1123, as the platform writes it: "Thu, 30 Mar 2023 08:38:32 GMT".
const rfc1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/

// The registered URL's `host` (with a port only when it is not the scheme's default, as `URL`
// keeps it) and path with query, or an `InvalidInput` for `url`.
const signedTarget = (
  url: string | URL,
): Effect.Effect<{ readonly host: string; readonly pathAndQuery: string }, InvalidInput> => {
  const parsed = URL.canParse(url.toString()) ? new URL(url.toString()) : undefined
  if (parsed === undefined || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
    return Effect.fail(
      new InvalidInput({ field: "url", reason: "must be an absolute http(s) URL" }),
    )
  }
  return Effect.succeed({ host: parsed.host, pathAndQuery: parsed.pathname + parsed.search })
}

// Every byte is looked at whatever the inputs, so the time taken says nothing about where a
// forged value first differs.
const constantTimeEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  const length = Math.max(a.length, b.length)
  let difference = a.length ^ b.length
  for (let i = 0; i < length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return difference === 0
}

const sha256Base64 = (bytes: Uint8Array) =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", bytes)).pipe(
    Effect.map((digest) => Encoding.encodeBase64(new Uint8Array(digest))),
  )

/**
 * Builds a verifier for one registered URL and its secret(s): an {@link InvalidInput} when the
 * URL is not an absolute http(s) URL, no secret is given, or the tolerance is not a duration.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Verifier, InvalidInput> =>
  Effect.gen(function* () {
    const { host, pathAndQuery } = yield* signedTarget(options.url)
    const secrets = Redacted.isRedacted(options.secrets) ? [options.secrets] : options.secrets
    if (!Arr.isNonEmptyReadonlyArray(secrets)) {
      return yield* new InvalidInput({ field: "secrets", reason: "at least one secret is needed" })
    }
    const tolerance =
      options.dateTolerance === undefined
        ? Option.none()
        : Option.some(yield* DurationOption.decode("dateTolerance", options.dateTolerance))
    // The secret is text, never base64-decoded, even when it looks like base64.
    const keys = yield* Effect.forEach(secrets, (secret) =>
      Effect.promise(() =>
        crypto.subtle.importKey(
          "raw",
          utf8.encode(Redacted.value(secret)),
          { name: "HMAC", hash: "SHA-256" },
          false,
          ["sign"],
        ),
      ),
    )
    const clock = yield* Effect.clock

    const header = (delivery: SignedDelivery, name: string) => {
      const value = delivery.headers[name]
      return value === undefined
        ? Effect.fail(new WebhookSignatureRejected({ reason: "MissingHeader", header: name }))
        : Effect.succeed(value)
    }

    const checkDate = (date: string) =>
      Effect.gen(function* () {
        if (Option.isNone(tolerance)) return
        const sent = rfc1123.test(date) ? Date.parse(date) : Number.NaN
        const now = yield* clock.currentTimeMillis
        if (Number.isNaN(sent) || Math.abs(now - sent) > Duration.toMillis(tolerance.value)) {
          return yield* new WebhookSignatureRejected({ reason: "DateOutsideTolerance" })
        }
      })

    const verify = (delivery: SignedDelivery) =>
      Effect.gen(function* () {
        const date = yield* header(delivery, "x-ms-date")
        const contentHash = yield* header(delivery, "x-ms-content-sha256")
        const authorization = yield* header(delivery, "authorization")
        const actualHash = yield* sha256Base64(delivery.body)
        if (!constantTimeEqual(utf8.encode(actualHash), utf8.encode(contentHash))) {
          return yield* new WebhookSignatureRejected({ reason: "ContentHashMismatch" })
        }
        const stringToSign = utf8.encode(`POST\n${pathAndQuery}\n${date};${host};${contentHash}`)
        const presented = utf8.encode(authorization)
        let matched = false
        for (const key of keys) {
          const signature = yield* Effect.promise(() =>
            crypto.subtle.sign("HMAC", key, stringToSign),
          )
          const expected = signedHeadersPrefix + Encoding.encodeBase64(new Uint8Array(signature))
          // Every secret is tried, so the time taken does not say which one signed.
          matched = constantTimeEqual(utf8.encode(expected), presented) || matched
        }
        if (!matched) return yield* new WebhookSignatureRejected({ reason: "SignatureMismatch" })
        // After the signature: a forged date is a forgery, not a stale delivery.
        yield* checkDate(date)
      })

    return { verify }
  })
