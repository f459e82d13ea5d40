/**
 * The values every part of the Vipps MobilePay ePayment API shares, as schemas whose decoded
 * side is checked and branded: a value of one of these types can be sent as it is.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

/**
 * A payment's `reference`: chosen by the merchant, its id in every path, unique per sales unit.
 * 8 to 64 of `A-Z`, `a-z`, `0-9` and `-` (the live rule since January 2025; the published
 * contract still says 8–50, and the server accepts the longer ones).
 *
 * @since 0.2.0
 * @category ids
 */
export const Reference = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9-]{8,64}$/, {
    message: () => "a reference is 8 to 64 characters of A-Z, a-z, 0-9 and -",
  }),
  Schema.brand("Reference"),
)
/** @since 0.2.0 */
export type Reference = typeof Reference.Type
