/**
 * The ways a token request fails, as tagged errors a caller can `catchTag`. None of them
 * carries the client secret or the token.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The token endpoint did not accept the client id and secret (HTTP 401, or an
 * `invalid_client` error). Retrying the same credentials cannot help, so it is never retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidClientCredentials extends Schema.TaggedError<InvalidClientCredentials>()(
  "InvalidClientCredentials",
  {
    status: Schema.Number,
    clientId: Schema.String,
    correlationId: Schema.optional(Schema.String),
  },
) {
  override get message(): string {
    return `MobilePay did not accept the credentials of client ${this.clientId} (HTTP ${this.status})`
  }
}

/**
 * The token endpoint refused the request with an OAuth 2.0 error (RFC 6749 §5.2) other than
 * `invalid_client`, e.g. `invalid_request` for a merchant VAT it does not know.
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenRequestRejected extends Schema.TaggedError<TokenRequestRejected>()(
  "TokenRequestRejected",
  {
    status: Schema.Number,
    error: Schema.String,
    errorDescription: Schema.optional(Schema.String),
    correlationId: Schema.optional(Schema.String),
  },
) {
  override get message(): string {
    const description = this.errorDescription === undefined ? "" : `: ${this.errorDescription}`
    return `The token request was rejected (HTTP ${this.status}, ${this.error}${description})`
  }
}

/**
 * The token endpoint answered with an unexpected status: a 5xx or 429 once the retries are
 * spent, or any other status that is not an OAuth error.
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenEndpointError extends Schema.TaggedError<TokenEndpointError>()(
  "TokenEndpointError",
  {
    status: Schema.Number,
    /** The start of the response body, for support. */
    body: Schema.String,
    correlationId: Schema.optional(Schema.String),
    /** The server's `Retry-After`, in milliseconds, when it sent one. */
    retryAfterMillis: Schema.optional(Schema.Number),
  },
) {
  override get message(): string {
    const correlation =
      this.correlationId === undefined ? "" : ` (correlation id ${this.correlationId})`
    return `The token endpoint answered HTTP ${this.status}${correlation}`
  }
}

/**
 * No answer from the token endpoint: a network error or a timeout, once the retries are spent.
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenEndpointUnreachable extends Schema.TaggedError<TokenEndpointUnreachable>()(
  "TokenEndpointUnreachable",
  {
    reason: Schema.Literal("Timeout", "Transport"),
    /** What went wrong, without secrets: the timeout, or the transport's description. */
    description: Schema.String,
  },
) {
  override get message(): string {
    return `The token endpoint could not be reached (${this.reason}): ${this.description}`
  }
}

/**
 * The token endpoint answered 200 with a body that is not a valid token response.
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedTokenResponse extends Schema.TaggedError<MalformedTokenResponse>()(
  "MalformedTokenResponse",
  {
    status: Schema.Number,
    /** What did not decode. */
    issue: Schema.String,
    correlationId: Schema.optional(Schema.String),
  },
) {
  override get message(): string {
    return `The token endpoint sent a malformed token response: ${this.issue}`
  }
}

/**
 * Every way a token request can fail once it was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export type TokenError =
  | InvalidClientCredentials
  | TokenRequestRejected
  | TokenEndpointError
  | TokenEndpointUnreachable
  | MalformedTokenResponse
