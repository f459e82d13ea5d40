// What the two token requests (V10's Integrator Authentication and the Access Token API) plug
// into core's RequestPath: the same error mapping onto TokenError, so that a token cache and
// its callers treat both alike.
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as RequestPath from "../RequestPath.js"
import type * as RetryPolicy from "../RetryPolicy.js"
import * as Transience from "./transience.js"
import {
  InvalidClientCredentials,
  MalformedTokenResponse,
  TokenEndpointError,
  TokenEndpointUnreachable,
  type TokenError,
  TokenRequestRejected,
} from "../TokenError.js"

export type Operation = "requestToken" | "requestAccessToken"

export interface Call extends RequestPath.Call<Operation> {
  /** The span's attributes (the client id and the merchant or sales unit). */
  readonly attributes: Record<string, string>
}

const maxBodyExcerpt = 500

// RFC 6750 §2.1 b64token: the only bearer tokens that can be written into a header as they
// are. Anything else (CR/LF, non-Latin-1) would fail every later call, so it is refused here.
export const b64token = /^[A-Za-z0-9\-._~+/]+=*$/

// OAuth 2.0 (RFC 6749 §5.2) and Azure AD, which answers the Access Token API's errors, both
// write `error` and `error_description`.
const ErrorBody = Schema.parseJson(
  Schema.Struct({
    error: Schema.String,
    error_description: Schema.optional(Schema.String),
  }),
)

// MobilePay puts its correlation id in the error body.
const CorrelationIdBody = Schema.parseJson(Schema.Struct({ correlationId: Schema.String }))

export const describeIssues = (issue: ParseResult.ParseError | string): string =>
  typeof issue === "string"
    ? issue
    : ParseResult.ArrayFormatter.formatErrorSync(issue)
        .map((each) =>
          each.path.length === 0 ? each.message : `${each.path.join(".")} ${each.message}`,
        )
        .join("; ")

export interface Settings {
  /** The span name's prefix. */
  readonly name: string
  readonly clientId: string
  readonly headers: Readonly<Record<string, string>>
  readonly secrets: ReadonlyArray<string>
  readonly redactedHeaders: ReadonlyArray<string>
  readonly retryPolicy: RetryPolicy.RetryPolicy
  readonly maxResponseBytes: number
}

export const api = (settings: Settings): RequestPath.Api<Operation, TokenError, Call> => ({
  name: settings.name,
  headers: settings.headers,
  secrets: settings.secrets,
  redactedHeaders: settings.redactedHeaders,
  retryPolicy: settings.retryPolicy,
  maxResponseBytes: settings.maxResponseBytes,
  failed: (_, answer) => {
    const { status } = answer
    const text = answer.body ?? ""
    const fromBody =
      answer.correlationId === undefined
        ? Option.getOrUndefined(
            Option.map(Schema.decodeUnknownOption(CorrelationIdBody)(text), (b) => b.correlationId),
          )
        : undefined
    const correlationId =
      answer.correlationId ?? (fromBody === undefined ? undefined : answer.scrub(fromBody, 100))
    const errorBody = Schema.decodeUnknownOption(ErrorBody)(text)
    if (status === 401 || Option.exists(errorBody, (body) => body.error === "invalid_client")) {
      return new InvalidClientCredentials({ status, clientId: settings.clientId, correlationId })
    }
    if (
      status >= 400 &&
      status < 500 &&
      Option.isSome(errorBody) &&
      !Transience.isTransientStatus(status)
    ) {
      const description = errorBody.value.error_description
      return new TokenRequestRejected({
        status,
        error: answer.scrub(errorBody.value.error, 100),
        errorDescription: description === undefined ? undefined : answer.scrub(description),
        correlationId,
      })
    }
    return new TokenEndpointError({
      status,
      body:
        answer.body === undefined
          ? `(an answer larger than ${settings.maxResponseBytes} bytes)`
          : answer.scrub(text, maxBodyExcerpt),
      correlationId,
      retryAfterMillis:
        answer.retryAfter === undefined ? undefined : Duration.toMillis(answer.retryAfter),
    })
  },
  unreachable: (_, reason, description) => new TokenEndpointUnreachable({ reason, description }),
  malformed: (_, status, issue, __, correlationId) =>
    new MalformedTokenResponse({ status, issue: describeIssues(issue), correlationId }),
  spanAttributes: (call) => call.attributes,
})
