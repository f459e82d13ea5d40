/**
 * Decoding a caller's plain input before anything is sent.
 */
import { InvalidInput } from "@effect-mobilepay/core"
import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"

/**
 * Decodes a caller's plain input (the schema's encoded side, as it goes on the wire) into
 * checked, branded values, failing with `InvalidInput` whose `field` is the path of the first
 * offending field (e.g. `orderId`, `restrictions.debitCardDisallowed`). `name` names the value
 * itself, for a problem not inside it: a single value such as the `paymentId` of a path.
 * Core's `InvalidInput.decoder`, typed by the input it takes.
 */
export const decodeRequest = <A, I>(
  schema: Schema.Schema<A, I>,
  name: string,
): ((input: I) => Effect.Effect<A, InvalidInput.InvalidInput>) => InvalidInput.decoder(schema, name)
