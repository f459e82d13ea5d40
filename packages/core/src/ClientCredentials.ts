/**
 * An integrator client's OAuth 2.0 credentials. The secret is `Redacted` from the moment it is
 * read to the moment the `Authorization` header is written.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { ClientId } from "./Domain.js"
import { decodeInput, type InvalidInput } from "./InvalidInput.js"

/**
 * The client id and secret MobilePay issued to an integrator client.
 *
 * @since 0.1.0
 * @category models
 */
export class ClientCredentials extends Schema.Class<ClientCredentials>("ClientCredentials")({
  clientId: ClientId,
  clientSecret: Schema.Redacted(Schema.String),
}) {}

/**
 * Checks the client id and builds {@link ClientCredentials}; a malformed id fails with
 * {@link InvalidInput}. The secret is only wrapped, never inspected or quoted.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string> | string
}): Effect.Effect<ClientCredentials, InvalidInput> =>
  decodeInput(
    ClientId,
    "clientId",
  )(input.clientId).pipe(
    Effect.map(
      (clientId) =>
        new ClientCredentials({
          clientId,
          clientSecret: Redacted.isRedacted(input.clientSecret)
            ? input.clientSecret
            : Redacted.make(input.clientSecret),
        }),
    ),
  )
