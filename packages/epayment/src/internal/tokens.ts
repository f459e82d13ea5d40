/**
 * The access tokens the ePayment client needs.
 *
 * @internal
 */
import type { AccessToken, InvalidInput, TokenError } from "@effect-mobilepay/core"
import type * as Effect from "effect/Effect"

/**
 * The part of token-service's `AccessTokenService` the client uses: a cached token per sales
 * unit, and compare-and-invalidate on a 401.
 */
export interface AccessTokens {
  readonly get: (
    merchantSerialNumber?: string,
  ) => Effect.Effect<AccessToken.AccessToken, TokenError.TokenError | InvalidInput.InvalidInput>
  readonly invalidate: (token: AccessToken.AccessToken) => Effect.Effect<void>
}

/** token-service's cached, renewed Access Token API tokens, keyed by sales unit. */
export { AccessTokenService } from "@effect-mobilepay/token-service/AccessTokenService"
