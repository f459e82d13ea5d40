/**
 * Points of sale: `CreatePos`, `GetPosWithFilter`, `GetPos`, `DeletePos` and `GetCheckIn`.
 */
import { Effect, Either, Option } from "effect"
import { createHash } from "node:crypto"
import { authorize, type Caller } from "./Auth.js"
import {
  type ApiError,
  badRequest,
  conflict,
  forbidden,
  Incoming,
  jsonBody,
  NotFound,
  ok,
  respondJson,
} from "./Http.js"
import { CreatePosBody, isBeaconId, isGuid, isValidText } from "./Input.js"
import { checkOwner, idempotent, pathId, type Step } from "./Resource.js"
import {
  activePaymentOn,
  livePosWithMerchantPosId,
  nextId,
  pointOfSaleByBeacon,
  pointOfSaleOf,
  pointsOfSaleInStore,
  withPayment,
  withPointOfSale,
  type PointOfSale,
  type State,
} from "./State.js"
import { findStore, findUser, isStoreActivated, transact, type World } from "./World.js"

const posView = (pos: PointOfSale) => ({
  posId: pos.posId,
  merchantPosId: pos.merchantPosId,
  storeId: pos.storeId,
  name: pos.name,
  beaconId: pos.beaconId,
  callbackAlias: pos.callbackAlias,
  supportedBeaconTypes: pos.supportedBeaconTypes,
  requirePaymentBeforeCheckin: pos.requirePaymentBeforeCheckin,
})

export const livePos = (state: State, posId: string): PointOfSale | undefined => {
  const pos = pointOfSaleOf(state, posId)
  return pos === undefined || pos.deleted ? undefined : pos
}

/**
 * The live point of sale `posId` if the caller may use it: 404 when there is none, 403 with
 * MobilePay's code when another integrator (1400) or merchant (`merchantCode`) owns it.
 */
const ownedPos = (
  state: State,
  caller: Caller,
  posId: string,
  merchantCode: string,
): Either.Either<PointOfSale, ApiError | NotFound> => {
  const pos = livePos(state, posId)
  if (pos === undefined) return Either.left(new NotFound({ what: "point of sale" }))
  const refused = checkOwner(pos, caller, "1400", merchantCode, "point of sales")
  return refused === undefined ? Either.right(pos) : Either.left(refused)
}

const createPos = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const body = yield* jsonBody(CreatePosBody)
    const created = yield* idempotent(world, caller, "CreatePos", body, (state, now) => {
      const found = findStore(world, body.storeId)
      if (found === undefined) return Either.left(conflict("1002", "Store not found"))
      if (found.merchant.vat !== caller.merchantVat) {
        return Either.left(
          forbidden(
            "1403",
            "Cannot create point of sale on store that does not belong to the merchant",
          ),
        )
      }
      if (!isStoreActivated(state, found.store)) {
        return Either.left(conflict("1204", "The store is not activated"))
      }
      if (livePosWithMerchantPosId(state, caller, body.merchantPosId) !== undefined) {
        return Either.left(
          conflict("1200", "A point of sale with that MerchantPosId already exist"),
        )
      }
      const wantedBeacon = body.beaconId ?? undefined
      if (wantedBeacon !== undefined && pointOfSaleByBeacon(state, wantedBeacon) !== undefined) {
        return Either.left(conflict("1202", "A point of sale with that BeaconId already exist"))
      }
      const [posId, afterId] = nextId(world.seed, state)
      const [generatedBeacon, afterBeacon] = nextId(world.seed, afterId)
      const pos: PointOfSale = {
        posId,
        merchantPosId: body.merchantPosId,
        storeId: found.store.storeId,
        name: body.name,
        beaconId: wantedBeacon ?? generatedBeacon,
        callbackAlias: body.callbackAlias ?? null,
        supportedBeaconTypes: [...new Set(body.supportedBeaconTypes)],
        requirePaymentBeforeCheckin: body.requirePaymentBeforeCheckin ?? false,
        integratorId: caller.integratorId,
        merchantVat: caller.merchantVat,
        createdAt: now,
        deleted: false,
        checkedIn: undefined,
      }
      return Either.right([{ posId }, withPointOfSale(afterBeacon, pos)] as const)
    })
    return respondJson(created)
  })

const getPosWithFilter = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const { query } = yield* Incoming
    const { storeId, beaconId, merchantPosId } = query
    if (storeId === undefined && beaconId === undefined && merchantPosId === undefined) {
      return yield* badRequest("1121", "Point of sale filter not specific enough")
    }
    if (storeId !== undefined && !isGuid(storeId)) {
      return yield* badRequest("1099", "storeId must be a GUID")
    }
    if (beaconId !== undefined && !isBeaconId(beaconId)) {
      return yield* badRequest("1100", "Invalid BeaconId")
    }
    if (merchantPosId !== undefined && !isValidText(merchantPosId)) {
      return yield* badRequest("1111", "Invalid MerchantPosId")
    }
    const state = yield* transact(world, (s) => Either.right([s, s] as const))
    // The most specific filter picks the candidates from its index; the rest check them.
    const candidates =
      merchantPosId !== undefined
        ? Option.toArray(
            Option.fromNullable(livePosWithMerchantPosId(state, caller, merchantPosId)),
          )
        : beaconId !== undefined
          ? Option.toArray(Option.fromNullable(pointOfSaleByBeacon(state, beaconId)))
          : pointsOfSaleInStore(state, (storeId ?? "").toLowerCase())
    const posIds = candidates
      .filter(
        (pos) =>
          !pos.deleted &&
          pos.integratorId === caller.integratorId &&
          pos.merchantVat === caller.merchantVat &&
          (storeId === undefined || pos.storeId === storeId.toLowerCase()) &&
          (beaconId === undefined || pos.beaconId.toLowerCase() === beaconId.toLowerCase()) &&
          (merchantPosId === undefined || pos.merchantPosId === merchantPosId),
      )
      .map((pos) => pos.posId)
    return respondJson({ posIds })
  })

const getPos = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const posId = yield* pathId("posId")
    const pos = yield* transact(world, (state): Step<PointOfSale> =>
      Either.map(ownedPos(state, caller, posId, "1410"), (pos) => [pos, state] as const),
    )
    return respondJson(posView(pos))
  })

const deletePos = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const posId = yield* pathId("posId")
    yield* transact(world, (state): Step<void> => {
      const owned = ownedPos(state, caller, posId, "1409")
      if (Either.isLeft(owned)) return Either.left(owned.left)
      const pos = owned.right
      // Reserved payments stay capturable; a payment still waiting for a user cannot finish.
      const active = activePaymentOn(state, posId)
      const next = withPointOfSale(state, { ...pos, deleted: true, checkedIn: undefined })
      return Either.right([
        undefined,
        active === undefined
          ? next
          : withPayment(next, { ...active, status: "CancelledByMobilePay" }),
      ] as const)
    })
    return ok
  })

export const customerTokens = (phoneNumber: string) => ({
  customerToken: createHash("sha1").update(`customer:${phoneNumber}`).digest("hex"),
  customerReceiptToken: createHash("sha256")
    .update(`receipt:${phoneNumber}`)
    .digest("hex")
    .slice(0, 32),
})

const getCheckIn = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const posId = yield* pathId("posId")
    const pos = yield* transact(world, (state): Step<PointOfSale> =>
      Either.map(ownedPos(state, caller, posId, "1400"), (pos) => [pos, state] as const),
    )
    const user = pos.checkedIn === undefined ? undefined : findUser(world, pos.checkedIn)
    return respondJson(
      user === undefined
        ? { isUserCheckedIn: false, pollDelayInMs: world.pollDelayInMs }
        : {
            isUserCheckedIn: true,
            loyaltyIds: user.loyaltyIds,
            ...customerTokens(user.phoneNumber),
            pollDelayInMs: world.pollDelayInMs,
          },
    )
  })

/** The point-of-sale operations: method, path (router syntax), handler, refund-shaped errors. */
export const pointOfSaleOperations = (world: World) =>
  [
    ["POST", "/pointofsales", createPos(world), false],
    ["GET", "/pointofsales", getPosWithFilter(world), false],
    ["GET", "/pointofsales/:posId", getPos(world), false],
    ["DELETE", "/pointofsales/:posId", deletePos(world), false],
    ["GET", "/pointofsales/:posId/checkin", getCheckIn(world), false],
  ] as const
