/**
 * An access token: from Integrator Authentication (PoS V10) or from the Vipps MobilePay Access
 * Token API.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as DateTime from "effect/DateTime"
import type * as Duration from "effect/Duration"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type { MerchantSerialNumber, MerchantVat } from "./Domain.js"

/**
 * A bearer token and what it is good for. The value is `Redacted`: printing, logging or
 * serialising the token shows `<redacted>`.
 *
 * @since 0.1.0
 * @category models
 */
export class AccessToken extends Data.Class<{
  /** The JWT to send as `Authorization: Bearer ...`. */
  readonly value: Redacted.Redacted<string>
  /** Always `Bearer` (MobilePay may spell it in any case). */
  readonly tokenType: "Bearer"
  /** The granted scope, e.g. `integrator_scope`. */
  readonly scope: string
  /** The lifetime MobilePay granted (`expires_in`). */
  readonly expiresIn: Duration.Duration
  /** When the token was received, by the `Clock`. */
  readonly issuedAt: DateTime.Utc
  /** `issuedAt + expiresIn`: the token must not be used after this. */
  readonly expiresAt: DateTime.Utc
  /** The merchant the token is bound to (`merchant_vat`), or none for an unbound token. */
  readonly merchantVat: Option.Option<MerchantVat>
  /**
   * The sales unit named when an Access Token API token was requested
   * (`Merchant-Serial-Number`); absent on V10 tokens and when none was named.
   * @since 0.2.0
   */
  readonly merchantSerialNumber?: MerchantSerialNumber | undefined
}> {}
