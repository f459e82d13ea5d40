/**
 * Stores, which merchants create during onboarding: the query of `GetStores` and
 * `GetDetailedStores` and the responses of those and of `GetStore`. Schema names follow the
 * OpenAPI file.
 *
 * @since 0.1.0
 */
import { Domain as Core } from "@effect-mobilepay/core"
import * as Schema from "effect/Schema"
import { StoreId } from "./Domain.js"

/**
 * The merchant's brand id: `MPPOS`, `POSDK` or `POSFI` followed by 5 characters, e.g.
 * `POSDK12345` (the self-certification brand is `MPPOSCERT1`).
 *
 * @since 0.1.0
 * @category values
 */
export const MerchantBrandId = Schema.String.pipe(
  Schema.filter((s) => /^(MPPOS|POSDK|POSFI)/.test(s) && [...s].length === 10, {
    message: () => "a merchant brand id is MPPOS, POSDK or POSFI followed by 5 characters",
    arbitrary: () => (fc) => fc.stringMatching(/^(MPPOS|POSDK|POSFI)[0-9A-Za-z]{5}$/),
  }),
  Schema.filter(Core.isValidText, {
    message: () => "contains a character outside MobilePay's valid character set",
  }),
  Schema.brand("MerchantBrandId"),
)
/** @since 0.1.0 */
export type MerchantBrandId = typeof MerchantBrandId.Type

/**
 * The merchant's location id of a store: exactly 5 characters, e.g. `10001`.
 *
 * @since 0.1.0
 * @category values
 */
export const MerchantLocationId = Schema.String.pipe(
  Schema.filter((s) => [...s].length === 5, {
    message: () => "a merchant location id is exactly 5 characters",
    arbitrary: () => (fc) => fc.stringMatching(/^[0-9A-Za-z]{5}$/),
  }),
  Schema.filter(Core.isValidText, {
    message: () => "contains a character outside MobilePay's valid character set",
  }),
  Schema.brand("MerchantLocationId"),
)
/** @since 0.1.0 */
export type MerchantLocationId = typeof MerchantLocationId.Type

/**
 * The query of `GetStores` and `GetDetailedStores` (`?merchantBrandId=&merchantLocationId=`);
 * with no filter, every store of the merchant.
 *
 * @since 0.1.0
 * @category requests
 */
export const GetStoresRequest = Schema.Struct({
  merchantBrandId: Schema.optional(MerchantBrandId),
  merchantLocationId: Schema.optional(MerchantLocationId),
}).annotations({ identifier: "GetStoresRequest" })
/** @since 0.1.0 */
export type GetStoresRequest = typeof GetStoresRequest.Type
/** @since 0.1.0 */
export declare namespace GetStoresRequest {
  /**
   * The caller's plain input, also the query parameters sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof GetStoresRequest.Encoded
}

/**
 * The answer to `GetStores`.
 *
 * @since 0.1.0
 * @category responses
 */
export const StoreIdsResponse = Schema.Struct({
  storeIds: Schema.Array(StoreId),
}).annotations({ identifier: "StoreIdsResponse" })
/** @since 0.1.0 */
export type StoreIdsResponse = typeof StoreIdsResponse.Type

/**
 * A store as `GetStore` (`GET /stores/{storeId}`) returns it. The brand and location ids are
 * read as plain strings: they are the merchant's data, and a format MobilePay accepted should
 * not make a lookup fail.
 *
 * @since 0.1.0
 * @category responses
 */
export const StoreResponse = Schema.Struct({
  storeName: Schema.String,
  storeId: StoreId,
  storeStreet: Schema.String,
  storeZipCode: Schema.String,
  storeCity: Schema.String,
  brandName: Schema.String,
  merchantBrandId: Schema.String,
  merchantLocationId: Schema.String,
}).annotations({ identifier: "StoreResponse" })
/** @since 0.1.0 */
export type StoreResponse = typeof StoreResponse.Type

/**
 * The answer to `GetDetailedStores` (`GET /stores/detailed`): the matching stores themselves.
 *
 * @since 0.1.0
 * @category responses
 */
export const GetDetailedStoresResponse = Schema.Array(StoreResponse).annotations({
  identifier: "GetDetailedStoresResponse",
})
/** @since 0.1.0 */
export type GetDetailedStoresResponse = typeof GetDetailedStoresResponse.Type
