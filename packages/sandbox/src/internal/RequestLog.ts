/**
 * The request log: the newest requests, bounded both in number and in bytes, each body cut to
 * a limit. A long-running sandbox (the CLI, a soak test) keeps what it received in a fixed
 * amount of memory, and appending costs the same however full the log is.
 */
import { Effect } from "effect"
import type { ReceivedRequest } from "./App.js"

export interface Limits {
  /** The most requests kept. */
  readonly entries: number
  /** The most bytes kept, bodies, headers and paths counted. */
  readonly bytes: number
  /** A longer body is kept as its first this many bytes. */
  readonly bodyBytes: number
}

/** What a request costs the log: its text, roughly as stored (UTF-16: 2 bytes a character). */
const sizeOf = (request: ReceivedRequest): number => {
  let characters = request.method.length + request.path.length + request.body.length
  for (const [name, value] of request.rawHeaders) characters += 2 * (name.length + value.length)
  for (const [name, value] of Object.entries(request.query))
    characters += name.length + value.length
  return 2 * characters + 200
}

/** `body` cut to `limit` bytes of UTF-8, at a character boundary. */
export const truncateBody = (body: string, limit: number): string => {
  const bytes = Buffer.byteLength(body)
  if (bytes <= limit) return body
  const kept = Buffer.from(body)
    .subarray(0, limit)
    .toString("utf8")
    .replace(/\uFFFD$/, "")
  return `${kept}… [truncated: ${bytes} bytes received]`
}

export interface RequestLog {
  readonly append: (request: ReceivedRequest) => Effect.Effect<void>
  readonly entries: Effect.Effect<ReadonlyArray<ReceivedRequest>>
  readonly clear: Effect.Effect<void>
  /** How much the log holds now. */
  readonly size: Effect.Effect<{ readonly entries: number; readonly bytes: number }>
}

// A ring of slots: appending and evicting are O(1), where copying an array per request was
// O(entries). Changed only inside `Effect.sync`, so each change is atomic.
export const make = (limits: Limits): RequestLog => {
  const slots: Array<{ readonly request: ReceivedRequest; readonly bytes: number } | undefined> = []
  let head = 0
  let count = 0
  let bytes = 0
  const evictOldest = () => {
    const oldest = slots[head]
    slots[head] = undefined
    head = (head + 1) % limits.entries
    count -= 1
    bytes -= oldest?.bytes ?? 0
  }
  return {
    append: (received) =>
      Effect.sync(() => {
        const request = { ...received, body: truncateBody(received.body, limits.bodyBytes) }
        const size = sizeOf(request)
        while (count > 0 && (count >= limits.entries || bytes + size > limits.bytes)) evictOldest()
        if (size > limits.bytes) return
        slots[(head + count) % limits.entries] = { request, bytes: size }
        count += 1
        bytes += size
      }),
    entries: Effect.sync(() => {
      const out: Array<ReceivedRequest> = []
      for (let i = 0; i < count; i++) {
        const slot = slots[(head + i) % limits.entries]
        if (slot !== undefined) out.push(slot.request)
      }
      return out
    }),
    clear: Effect.sync(() => {
      slots.length = 0
      head = 0
      count = 0
      bytes = 0
    }),
    size: Effect.sync(() => ({ entries: count, bytes })),
  }
}
