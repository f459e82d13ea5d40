/**
 * How the PoS V10 wire format marks an absent value.
 *
 * @internal
 */
import * as Schema from "effect/Schema"

/**
 * A response field the OpenAPI file marks optional or nullable: missing and `null` both decode
 * to an absent key, so callers test one thing (`x.field === undefined`).
 */
export const optionalNullable = <S extends Schema.Schema.Any>(schema: S) =>
  Schema.optionalWith(schema, { nullable: true, exact: true })
