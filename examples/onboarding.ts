/**
 * Onboarding a merchant's points of sale: list the stores, and make sure every activated store
 * has a till, reusing the ones that exist (safe to run again after every restart).
 *
 *   pnpm example onboarding
 */
import { PointOfSaleFlow, PosClient } from "@effect-mobilepay/pos"
import { Effect } from "effect"
import * as Main from "./shared/Main.js"
import { layerMobilePay, Target } from "./shared/Target.js"

const program = Effect.gen(function* () {
  const target = yield* Target
  const client = yield* PosClient.PosClient
  yield* Effect.log(`talking to ${target.description}`)

  const stores = yield* client.getDetailedStores()
  yield* Effect.log(`merchant ${target.merchantVat} has ${stores.length} store(s)`)
  let tills = 0
  for (const store of stores) {
    yield* Effect.log(
      `store ${store.storeId}: ${store.storeName}, ${store.storeCity} (${store.merchantBrandId}/${store.merchantLocationId})`,
    )
    const pos = yield* PointOfSaleFlow.ensurePos({
      merchantPosId: `till-1-${store.merchantLocationId}`,
      storeId: store.storeId,
      name: `${store.storeName} till 1`.slice(0, 36),
      supportedBeaconTypes: ["QR"],
    }).pipe(
      Effect.catchTag("StoreNotActivated", () =>
        Effect.log(`  store not activated for MobilePay PoS yet (1204): skipped`),
      ),
    )
    if (pos !== undefined) {
      tills += 1
      yield* Effect.log(`  till ${pos.posId}, beacon ${pos.beaconId}`)
    }
  }
  const { posIds } = yield* client.getPosWithFilter({ merchantPosId: "till-1-00001" })
  yield* Effect.log(`looking the till up by merchantPosId finds ${posIds.join(", ")}`)
  return `${tills} of ${stores.length} store(s) have a till`
})

Main.run(program, layerMobilePay)
