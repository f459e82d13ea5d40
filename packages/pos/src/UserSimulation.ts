/**
 * The sandbox's user simulation (`/pos/app/usersimulation`): the request bodies that play the
 * customer's part (check in on a beacon, accept the payment, cancel it). Only MobilePay's
 * sandbox and the local sandbox serve these; they answer 200 with no body.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { BeaconId } from "./Domain.js"

/**
 * A customer's phone number in international format, e.g. `+4520031801` (the sandbox's test
 * users are `+4520031801`…`+4520031805` and `+358200318001`…`+358200318005`).
 *
 * @since 0.1.0
 * @category values
 */
export const PhoneNumber = Schema.String.pipe(
  Schema.pattern(/^\+\d{6,15}$/, {
    message: () => "a phone number is + followed by the country code and number, e.g. +4520031801",
  }),
  Schema.brand("PhoneNumber"),
)
/** @since 0.1.0 */
export type PhoneNumber = typeof PhoneNumber.Type

/**
 * The body of `UserSimulationCheckin` (`POST /pos/app/usersimulation/checkin`): the customer
 * checks in on the point of sale with this beacon.
 *
 * @since 0.1.0
 * @category requests
 */
export const UserCheckInRequest = Schema.Struct({
  beaconId: BeaconId,
  phoneNumber: PhoneNumber,
}).annotations({ identifier: "UserCheckInRequest" })
/** @since 0.1.0 */
export type UserCheckInRequest = typeof UserCheckInRequest.Type
/** @since 0.1.0 */
export declare namespace UserCheckInRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof UserCheckInRequest.Encoded
}

/**
 * The body of `UserSimulationAcceptPayment` (`POST /pos/app/usersimulation/acceptpayment`):
 * the customer accepts the payment issued on this beacon's point of sale.
 *
 * @since 0.1.0
 * @category requests
 */
export const AcceptPaymentRequest = Schema.Struct({
  beaconId: BeaconId,
  phoneNumber: PhoneNumber,
}).annotations({ identifier: "AcceptPaymentRequest" })
/** @since 0.1.0 */
export type AcceptPaymentRequest = typeof AcceptPaymentRequest.Type
/** @since 0.1.0 */
export declare namespace AcceptPaymentRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof AcceptPaymentRequest.Encoded
}

/**
 * The body of `UserSimulationCancelPayment` (`POST /pos/app/usersimulation/cancelpaymentbyuser`):
 * the customer cancels the active payment on this beacon's point of sale.
 *
 * @since 0.1.0
 * @category requests
 */
export const CancelPaymentByUserRequest = Schema.Struct({
  beaconId: BeaconId,
}).annotations({ identifier: "CancelPaymentByUserRequest" })
/** @since 0.1.0 */
export type CancelPaymentByUserRequest = typeof CancelPaymentByUserRequest.Type
/** @since 0.1.0 */
export declare namespace CancelPaymentByUserRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof CancelPaymentByUserRequest.Encoded
}
