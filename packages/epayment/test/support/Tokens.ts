/**
 * A token source for tests against a scripted server that does not speak the Access Token API:
 * the `get` and `invalidate` a test scripts, completed into token-service's service shape.
 */
import type { AccessToken, InvalidInput, TokenError } from "@effect-mobilepay/core"
import { AccessTokenService } from "@effect-mobilepay/token-service"
import type { Effect } from "effect"

export const scripted = (source: {
  readonly get: (
    merchantSerialNumber?: string,
  ) => Effect.Effect<AccessToken.AccessToken, TokenError.TokenError | InvalidInput.InvalidInput>
  readonly invalidate: (token: AccessToken.AccessToken) => Effect.Effect<void>
}): AccessTokenService.AccessTokenService.Service =>
  AccessTokenService.AccessTokenService.of({
    clientId: "scripted-client",
    get: source.get,
    invalidate: source.invalidate,
    refresh: source.get,
  })
