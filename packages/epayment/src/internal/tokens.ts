/**
 * The access tokens the ePayment client needs.
 *
 * @internal
 */
import type { AccessToken, InvalidInput, TokenError } from "@effect-mobilepay/core"
import * as Context from "effect/Context"
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

/**
 * Stands in for token-service's `AccessTokenService` until it lands: the same tag key (Effect
 * finds a service by its key), so that service, once provided, is what this tag finds; the
 * switch is then an import.
 */
export class AccessTokenService extends Context.Tag(
  "@effect-mobilepay/token-service/AccessTokenService",
)<AccessTokenService, AccessTokens>() {}
