/**
 * The sandbox-only user simulation: what a MobilePay app user does at a point of sale
 * (check in on its beacon, accept the payment, cancel it). A bearer token is optional here;
 * one that is sent must be valid.
 */
import { Effect, Either } from "effect"
import { bearer } from "./Auth.js"
import { badRequest, conflict, Incoming, jsonBody, NotFound, ok, type ApiError } from "./Http.js"
import { AcceptPaymentBody, CancelPaymentByUserBody, CheckInBody } from "./Input.js"
import {
  activePaymentOn,
  pointOfSaleByBeacon,
  withPayment,
  withPointOfSale,
  type PointOfSale,
  type State,
} from "./State.js"
import { findUser, transact, type World } from "./World.js"

export const userSimulationBasePath = "/pos/app/usersimulation"

const optionalBearer = (world: World) =>
  Effect.gen(function* () {
    const request = yield* Incoming
    if (request.headers["authorization"] !== undefined) yield* bearer(world, request)
  })

const knownUser = (world: World, phoneNumber: string) => {
  const user = findUser(world, phoneNumber)
  return user === undefined
    ? Either.left(badRequest("1099", "Unknown test user; use one of the documented phone numbers"))
    : Either.right(user)
}

const posOf = (state: State, beaconId: string): Either.Either<PointOfSale, NotFound> => {
  const pos = pointOfSaleByBeacon(state, beaconId)
  return pos === undefined ? Either.left(new NotFound({ what: "beacon" })) : Either.right(pos)
}

type Step = Either.Either<readonly [void, State], ApiError | NotFound>

const checkIn = (world: World) =>
  Effect.gen(function* () {
    yield* optionalBearer(world)
    const body = yield* jsonBody(CheckInBody)
    const user = yield* knownUser(world, body.phoneNumber)
    yield* transact(world, (state): Step =>
      Either.flatMap(posOf(state, body.beaconId), (pos) => {
        const active = activePaymentOn(state, pos.posId)
        if (pos.requirePaymentBeforeCheckin && active === undefined) {
          return Either.left(
            conflict("1300", "This point of sale requires a payment before a user can check in"),
          )
        }
        const next = withPointOfSale(state, { ...pos, checkedIn: user.phoneNumber })
        // Checking in pairs a prepared payment and issues an initiated one to the user.
        if (active?.status === "Prepared") {
          return Either.right([
            undefined,
            withPayment(next, { ...active, status: "Paired", user: user.phoneNumber }),
          ] as const)
        }
        if (active?.status === "Initiated") {
          return Either.right([
            undefined,
            withPayment(next, { ...active, status: "IssuedToUser", user: user.phoneNumber }),
          ] as const)
        }
        return Either.right([undefined, next] as const)
      }),
    )
    return ok
  })

const acceptPayment = (world: World) =>
  Effect.gen(function* () {
    yield* optionalBearer(world)
    const body = yield* jsonBody(AcceptPaymentBody)
    const user = yield* knownUser(world, body.phoneNumber)
    yield* transact(world, (state, now): Step =>
      Either.flatMap(posOf(state, body.beaconId), (pos) => {
        const payment = activePaymentOn(state, pos.posId)
        if (payment?.status !== "IssuedToUser" || payment.user !== user.phoneNumber) {
          return Either.left(conflict("1300", "No payment is issued to this user on this beacon"))
        }
        const disallowed =
          user.card === "Debit"
            ? payment.restrictions?.debitCardDisallowed === true
            : payment.restrictions?.creditCardDisallowed === true
        if (disallowed) {
          return Either.left(
            conflict("1300", `The payment does not allow this user's ${user.card} card`),
          )
        }
        const next = withPointOfSale(state, { ...pos, checkedIn: undefined })
        return Either.right([
          undefined,
          withPayment(next, { ...payment, status: "Reserved", reservedAt: now }),
        ] as const)
      }),
    )
    return ok
  })

const cancelPaymentByUser = (world: World) =>
  Effect.gen(function* () {
    yield* optionalBearer(world)
    const body = yield* jsonBody(CancelPaymentByUserBody)
    yield* transact(world, (state): Step =>
      Either.flatMap(posOf(state, body.beaconId), (pos) => {
        const payment = activePaymentOn(state, pos.posId)
        if (payment?.status !== "Paired" && payment?.status !== "IssuedToUser") {
          return Either.left(conflict("1300", "No payment the user can cancel on this beacon"))
        }
        const next = withPointOfSale(state, { ...pos, checkedIn: undefined })
        return Either.right([
          undefined,
          withPayment(next, { ...payment, status: "CancelledByUser" }),
        ] as const)
      }),
    )
    return ok
  })

export const userSimulationOperations = (world: World) =>
  [
    ["POST", "/checkin", checkIn(world)],
    ["POST", "/acceptpayment", acceptPayment(world)],
    ["POST", "/cancelpaymentbyuser", cancelPaymentByUser(world)],
  ] as const
