/**
 * The description of a transport failure that goes into a client's transport error.
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as Predicate from "effect/Predicate"
import { sanitize } from "../Untrusted.js"

// The codes and messages of a cause chain, outermost first, without repeats; at most 5 deep.
const causeMessages = (cause: unknown): ReadonlyArray<string> => {
  const messages: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; depth < 5 && Predicate.isObject(current); depth++) {
    const code = "code" in current && typeof current.code === "string" ? current.code : undefined
    const message =
      "message" in current && typeof current.message === "string" ? current.message : undefined
    const text = [code, message].filter((part) => part !== undefined && part !== "").join(" ")
    if (text !== "" && !messages.includes(text)) messages.push(text)
    current = "cause" in current ? current.cause : undefined
  }
  return messages
}

/**
 * What went wrong in the transport: the platform's description, or the codes and messages of
 * the cause chain (e.g. `ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9`), sanitised.
 */
export const describeTransportError = (error: HttpClientError.HttpClientError): string => {
  const parts = [
    ...(error.description === undefined ? [] : [error.description]),
    ...causeMessages(error.cause),
  ]
  return sanitize(parts.length === 0 ? `${error.reason} error` : parts.join(": "))
}
