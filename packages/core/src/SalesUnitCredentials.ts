/**
 * The keys of a Vipps MobilePay sales unit (client id, client secret, subscription key), as
 * the Access Token API and every later call need them. Both secrets are `Redacted` from the
 * moment they are read to the moment their header is written.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { ClientId, isHeaderSafe } from "./Domain.js"
import { decodeInput, InvalidInput } from "./InvalidInput.js"

/**
 * A sales unit's key set. A token only works with the subscription key and sales unit it was
 * issued for, so a token is cached per key set.
 *
 * @since 0.2.0
 * @category models
 */
export class SalesUnitCredentials extends Schema.Class<SalesUnitCredentials>(
  "SalesUnitCredentials",
)({
  /** `client_id`, a GUID in practice. */
  clientId: ClientId,
  /** `client_secret`. */
  clientSecret: Schema.Redacted(Schema.String),
  /** `Ocp-Apim-Subscription-Key` (primary or secondary: both work). */
  subscriptionKey: Schema.Redacted(Schema.String),
}) {}

// Checked without quoting: the reason of a refused secret must not contain it.
const secret = (
  field: string,
  input: Redacted.Redacted<string> | string,
): Effect.Effect<Redacted.Redacted<string>, InvalidInput> => {
  const value = Redacted.isRedacted(input) ? Redacted.value(input) : input
  return value.length > 0 && isHeaderSafe(value)
    ? Effect.succeed(Redacted.isRedacted(input) ? input : Redacted.make(input))
    : Effect.fail(
        new InvalidInput({
          field,
          reason: "must be a non-empty header value (Latin-1, no control characters)",
        }),
      )
}

/**
 * Checks the keys and builds {@link SalesUnitCredentials}; a malformed client id, or a secret
 * that cannot be sent as a header, fails with {@link InvalidInput} (which never quotes a
 * secret).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (input: {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string> | string
  readonly subscriptionKey: Redacted.Redacted<string> | string
}): Effect.Effect<SalesUnitCredentials, InvalidInput> =>
  Effect.gen(function* () {
    return new SalesUnitCredentials({
      clientId: yield* decodeInput(ClientId, "clientId")(input.clientId),
      clientSecret: yield* secret("clientSecret", input.clientSecret),
      subscriptionKey: yield* secret("subscriptionKey", input.subscriptionKey),
    })
  })
