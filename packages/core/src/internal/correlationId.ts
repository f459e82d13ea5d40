import type { Headers } from "@effect/platform"

// MobilePay puts the correlation id in the error body; gateways in front of it may add one as
// a header. Support asks for it, so every error carries whichever is there.
const headerNames = ["x-correlation-id", "correlation-id", "x-request-id", "request-id"]

export const correlationIdFromHeaders = (headers: Headers.Headers): string | undefined => {
  for (const name of headerNames) {
    const value = headers[name]
    if (value !== undefined && value !== "") return value
  }
  return undefined
}
