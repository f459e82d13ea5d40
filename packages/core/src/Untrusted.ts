/**
 * Reading what a server sends without trusting it: a body read up to a size limit (never
 * buffered whole when it is larger), JSON parsed with a bound on its nesting, and server or
 * transport text made safe to put into an error, a log line or a span (no control characters,
 * no credential or token, bounded length). MobilePay, a proxy in front of it, or an attacker
 * in the middle may echo the request, answer gigabytes, or never stop.
 *
 * @since 0.2.0
 */
import type { HttpClientError, HttpClientResponse } from "@effect/platform"
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { InvalidInput } from "./InvalidInput.js"

/**
 * The answer's body is larger than the limit; reading stopped there.
 *
 * @since 0.2.0
 * @category errors
 */
export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{
  /** The limit, in bytes. */
  readonly maxBytes: number
}> {}

const decoder = new TextDecoder()

interface Read {
  readonly size: number
  readonly chunks: Chunk.Chunk<Uint8Array>
}

/**
 * The body of `response` as text, read up to `maxBytes`: a larger declared `Content-Length`
 * fails at once, and a body without one (chunked, or endless) fails as soon as it passes the
 * limit, without buffering the rest.
 *
 * @since 0.2.0
 * @category reading
 */
export const readText = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number,
): Effect.Effect<string, BodyTooLarge | HttpClientError.ResponseError> => {
  const declared = Number(response.headers["content-length"] ?? Number.NaN)
  if (Number.isFinite(declared)) {
    // HTTP framing holds the body to its declared length, so it is safe to read in one go.
    return declared > maxBytes ? Effect.fail(new BodyTooLarge({ maxBytes })) : response.text
  }
  const initial: Read = { size: 0, chunks: Chunk.empty() }
  const step = (read: Read, chunk: Uint8Array): Effect.Effect<Read, BodyTooLarge> =>
    read.size + chunk.length > maxBytes
      ? Effect.fail(new BodyTooLarge({ maxBytes }))
      : Effect.succeed({ size: read.size + chunk.length, chunks: Chunk.append(read.chunks, chunk) })
  return Effect.map(Stream.runFoldEffect(response.stream, initial, step), ({ size, chunks }) => {
    const bytes = new Uint8Array(size)
    let offset = 0
    for (const chunk of chunks) {
      bytes.set(chunk, offset)
      offset += chunk.length
    }
    return decoder.decode(bytes)
  })
}

/**
 * Reads a size-limit option (`maxResponseBytes`): a positive whole number of bytes, or
 * `fallback` when absent; anything else is {@link InvalidInput} naming `field`.
 *
 * @since 0.2.0
 * @category reading
 */
export const byteLimit = (
  field: string,
  input: number | undefined,
  fallback: number,
): Either.Either<number, InvalidInput> => {
  if (input === undefined) return Either.right(fallback)
  return typeof input === "number" && Number.isSafeInteger(input) && input > 0
    ? Either.right(input)
    : Either.left(new InvalidInput({ field, reason: "must be a positive whole number of bytes" }))
}

/**
 * The most levels of nested arrays and objects {@link parseJson} accepts. MobilePay's answers
 * nest 3 deep; deeper values would make schema error formatting recurse without bound.
 *
 * @since 0.2.0
 * @category parsing
 */
export const maxJsonDepth = 32

// Iterative, so that the check itself cannot overflow the stack.
const depthWithin = (value: unknown, limit: number): boolean => {
  const pending: Array<readonly [unknown, number]> = [[value, 1]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, depth] = next
    if (typeof current !== "object" || current === null) continue
    if (depth > limit) return false
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === "object" && child !== null) pending.push([child, depth + 1])
    }
  }
  return true
}

/**
 * `text` parsed as JSON, or none when it is not JSON or nests deeper than `maxDepth`.
 *
 * @since 0.2.0
 * @category parsing
 */
export const parseJson = (
  text: string,
  maxDepth: number = maxJsonDepth,
): Option.Option<unknown> => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return Option.none()
  }
  return depthWithin(value, maxDepth) ? Option.some(value) : Option.none()
}

/**
 * @since 0.2.0
 * @category sanitising
 */
export interface SanitizeOptions {
  /**
   * Values to cut out wherever they appear (the client secret, the Basic credentials, a
   * token). Values shorter than 6 characters are skipped: cutting them would shred the text,
   * and a real secret is long.
   */
  readonly secrets?: ReadonlyArray<string> | undefined
  /** @default 300 */
  readonly maxLength?: number | undefined
}

const withoutControlCharacters = (text: string): string => {
  let out = ""
  for (const c of text) {
    const code = c.charCodeAt(0)
    out +=
      code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 ? " " : c
  }
  return out
}

/**
 * `text` made safe for an error, a log line or a span: control characters become spaces, the
 * given secrets, anything shaped like a JWT and the credential of any `Bearer` or `Basic`
 * become `[redacted]`, and the result is cut to `maxLength` characters.
 *
 * @since 0.2.0
 * @category sanitising
 */
export const sanitize = (text: string, options: SanitizeOptions = {}): string => {
  let cleaned = text
  for (const secret of options.secrets ?? []) {
    if (secret.length >= 6) cleaned = cleaned.split(secret).join("[redacted]")
  }
  cleaned = withoutControlCharacters(cleaned)
    .replace(/\beyJ[\w-]*\.[\w-]*(\.[\w-]*)?/g, "[redacted]")
    .replace(/\b(Bearer|Basic)(\s|%20|\+)+[^\s"',;]+/gi, "$1 [redacted]")
  const maxLength = options.maxLength ?? 300
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength)}…` : cleaned
}
