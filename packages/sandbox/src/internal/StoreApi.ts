/**
 * Stores, which the seed data defines: `GetStores`, `GetDetailedStores` and `GetStore`.
 */
import { Effect } from "effect"
import type { Store } from "../SeedData.js"
import { authorize } from "./Auth.js"
import { badRequest, Incoming, NotFound, respondJson } from "./Http.js"
import { isMerchantBrandId, isMerchantLocationId } from "./Input.js"
import { pathId } from "./Resource.js"
import { findStore, type World } from "./World.js"

const storeView = (store: Store) => ({
  storeId: store.storeId,
  storeName: store.storeName,
  storeStreet: store.storeStreet,
  storeZipCode: store.storeZipCode,
  storeCity: store.storeCity,
  brandName: store.brandName,
  merchantBrandId: store.merchantBrandId,
  merchantLocationId: store.merchantLocationId,
})

const storesOfCaller = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const { query } = yield* Incoming
    const { merchantBrandId, merchantLocationId } = query
    if (merchantBrandId !== undefined && !isMerchantBrandId(merchantBrandId)) {
      return yield* badRequest("1119", "Invalid MerchantBrandId")
    }
    if (merchantLocationId !== undefined && !isMerchantLocationId(merchantLocationId)) {
      return yield* badRequest("1120", "Invalid MerchantLocationId")
    }
    // A location id is only unique within a brand.
    if (merchantLocationId !== undefined && merchantBrandId === undefined) {
      return yield* badRequest("1122", "Store filter not specific enough")
    }
    return world.merchants
      .filter((merchant) => merchant.vat === caller.merchantVat)
      .flatMap((merchant) => merchant.stores)
      .filter(
        (store) =>
          (merchantBrandId === undefined || store.merchantBrandId === merchantBrandId) &&
          (merchantLocationId === undefined || store.merchantLocationId === merchantLocationId),
      )
  })

const getStores = (world: World) =>
  Effect.map(storesOfCaller(world), (stores) =>
    respondJson({ storeIds: stores.map((store) => store.storeId) }),
  )

const getDetailedStores = (world: World) =>
  Effect.map(storesOfCaller(world), (stores) => respondJson(stores.map(storeView)))

const getStore = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const storeId = yield* pathId("storeId")
    const found = findStore(world, storeId)
    // Another merchant's store is as good as unknown to this caller.
    if (found === undefined || found.merchant.vat !== caller.merchantVat) {
      return yield* new NotFound({ what: "store" })
    }
    return respondJson(storeView(found.store))
  })

/** The store operations: method, path (router syntax), handler, refund-shaped errors. */
export const storeOperations = (world: World) =>
  [
    ["GET", "/stores", getStores(world), false],
    ["GET", "/stores/detailed", getDetailedStores(world), false],
    ["GET", "/stores/:storeId", getStore(world), false],
  ] as const
