/**
 * The customer, played through MobilePay's user simulation (the sandbox's, or MobilePay's own
 * sandbox): check in on the point of sale's beacon, then accept or cancel what is issued.
 */
import { PosClient } from "@effect-mobilepay/pos"
import { Effect, Schedule } from "effect"

/** MobilePay's DK test user with a credit card. */
export const testUser = "+4520031801"

// The customer's app shows the payment a moment after it is issued: try every half second.
const untilIssued = Schedule.spaced("500 millis").pipe(Schedule.intersect(Schedule.recurs(120)))

/** Checks in on the beacon, then accepts the payment issued to the customer. */
export const checkInAndAccept = (beaconId: string, phoneNumber = testUser) =>
  Effect.gen(function* () {
    const client = yield* PosClient.PosClient
    yield* client.simulateCheckIn({ beaconId, phoneNumber })
    yield* Effect.log(`customer ${phoneNumber} checked in on beacon ${beaconId}`)
    yield* client.simulateAcceptPayment({ beaconId, phoneNumber }).pipe(Effect.retry(untilIssued))
    yield* Effect.log(`customer ${phoneNumber} accepted the payment`)
  })

/** Checks in on the beacon, then cancels the payment in the app. */
export const checkInAndCancel = (beaconId: string, phoneNumber = testUser) =>
  Effect.gen(function* () {
    const client = yield* PosClient.PosClient
    yield* client.simulateCheckIn({ beaconId, phoneNumber })
    yield* client.simulateCancelPaymentByUser({ beaconId }).pipe(Effect.retry(untilIssued))
    yield* Effect.log(`customer ${phoneNumber} cancelled the payment`)
  })
