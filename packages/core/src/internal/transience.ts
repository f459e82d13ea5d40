/**
 * What an answer says about trying again: whether its status is transient, and how long its
 * `Retry-After` asks to wait. The request path and the token request read both.
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

/**
 * Whether a status is transient on every API: a server error, a timeout (408), a lock (423)
 * or a rate limit (429). The one classification every client retries by.
 */
export const isTransientStatus = (status: number): boolean =>
  status >= 500 || status === 408 || status === 423 || status === 429

/**
 * Reads a `Retry-After` header (delay in seconds, or an HTTP date) relative to `now` (epoch
 * milliseconds). Anything unreadable counts as absent.
 */
export const parseRetryAfter = (
  value: string | undefined,
  now: number,
): Option.Option<Duration.Duration> => {
  if (value === undefined) return Option.none()
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Option.some(Duration.seconds(Number(trimmed)))
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? Option.none() : Option.some(Duration.millis(Math.max(0, date - now)))
}
