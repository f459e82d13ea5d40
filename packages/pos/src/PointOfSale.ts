/**
 * Points of sale: the body of `CreatePos`, the query of `GetPosWithFilter`, and the responses
 * of those, of `GetPos` and of `GetCheckIn`. A point of sale is immutable: to change it, delete
 * it and create another. Schema names follow the OpenAPI file; each request schema's encoded
 * side is both the caller's plain input and what is sent.
 *
 * @since 0.1.0
 */
import { Domain as Core } from "@effect-mobilepay/core"
import * as Schema from "effect/Schema"
import {
  BeaconId,
  CustomerReceiptToken,
  CustomerToken,
  LoyaltyIds,
  PollDelayInMs,
  PosId,
  StoreId,
  tolerant,
} from "./Domain.js"
import { optionalNullable } from "./internal/wire.js"

/**
 * The merchant's own id for a point of sale, unique per integrator and merchant and usable for
 * lookup: 1 to 36 valid characters.
 *
 * @since 0.1.0
 * @category values
 */
export const MerchantPosId = Core.Text36.pipe(Schema.brand("MerchantPosId"))
/** @since 0.1.0 */
export type MerchantPosId = typeof MerchantPosId.Type

/**
 * The name of a point of sale, shown to the customer after check-in: 1 to 36 valid characters.
 *
 * @since 0.1.0
 * @category values
 */
export const PosName = Core.Text36.pipe(Schema.brand("PosName"))
/** @since 0.1.0 */
export type PosName = typeof PosName.Type

/**
 * The alias under which MobilePay's Notification Service calls back about this point of sale:
 * 1 to 36 valid characters.
 *
 * @since 0.1.0
 * @category values
 */
export const CallbackAlias = Core.Text36.pipe(Schema.brand("CallbackAlias"))
/** @since 0.1.0 */
export type CallbackAlias = typeof CallbackAlias.Type

/**
 * A way a customer can check in on a point of sale.
 *
 * @since 0.1.0
 * @category values
 */
export const BeaconType = Schema.Literal("QR", "NFC", "Bluetooth")
/** @since 0.1.0 */
export type BeaconType = typeof BeaconType.Type

/**
 * A beacon type as MobilePay sends it back: a known one, or a type added since, kept as
 * `UnknownValue<"UnknownBeaconType">`.
 *
 * @since 0.2.0
 * @category values
 */
export const ReceivedBeaconType = tolerant(BeaconType, "UnknownBeaconType")
/** @since 0.2.0 */
export type ReceivedBeaconType = typeof ReceivedBeaconType.Type

/**
 * The beacon types a point of sale supports, each at most once.
 *
 * @since 0.1.0
 * @category values
 */
export const SupportedBeaconTypes = Schema.Array(BeaconType).pipe(
  Schema.filter((types) => new Set(types).size === types.length, {
    message: () => "each beacon type may be listed only once",
    arbitrary: () => (fc) => fc.uniqueArray(fc.constantFrom("QR", "NFC", "Bluetooth")),
  }),
)
/** @since 0.1.0 */
export type SupportedBeaconTypes = typeof SupportedBeaconTypes.Type

/**
 * The body of `CreatePos` (`POST /pointofsales`). Without `beaconId` MobilePay generates one:
 * read it back with `GetPos`.
 *
 * @since 0.1.0
 * @category requests
 */
export const CreatePosRequest = Schema.Struct({
  merchantPosId: MerchantPosId,
  storeId: StoreId,
  name: PosName,
  beaconId: Schema.optional(BeaconId),
  callbackAlias: Schema.optional(CallbackAlias),
  supportedBeaconTypes: SupportedBeaconTypes,
  requirePaymentBeforeCheckin: Schema.optional(Schema.Boolean),
}).annotations({ identifier: "CreatePosRequest" })
/** @since 0.1.0 */
export type CreatePosRequest = typeof CreatePosRequest.Type
/** @since 0.1.0 */
export declare namespace CreatePosRequest {
  /**
   * The caller's plain input, also the JSON body sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof CreatePosRequest.Encoded
}

/**
 * The query of `GetPosWithFilter` (`GET /pointofsales?storeId=&beaconId=&merchantPosId=`):
 * the points of sale matching every filter given. MobilePay answers 400 (code 1121) when the
 * filter is not specific enough.
 *
 * @since 0.1.0
 * @category requests
 */
export const GetPosWithFilterRequest = Schema.Struct({
  storeId: Schema.optional(StoreId),
  beaconId: Schema.optional(BeaconId),
  merchantPosId: Schema.optional(MerchantPosId),
}).annotations({ identifier: "GetPosWithFilterRequest" })
/** @since 0.1.0 */
export type GetPosWithFilterRequest = typeof GetPosWithFilterRequest.Type
/** @since 0.1.0 */
export declare namespace GetPosWithFilterRequest {
  /**
   * The caller's plain input, also the query parameters sent.
   *
   * @since 0.1.0
   */
  export type Encoded = typeof GetPosWithFilterRequest.Encoded
}

/**
 * The answer to `CreatePos`: the id of the new point of sale.
 *
 * @since 0.1.0
 * @category responses
 */
export const CreatePosResponse = Schema.Struct({
  posId: PosId,
}).annotations({ identifier: "CreatePosResponse" })
/** @since 0.1.0 */
export type CreatePosResponse = typeof CreatePosResponse.Type

/**
 * The answer to `GetPosWithFilter`.
 *
 * @since 0.1.0
 * @category responses
 */
export const PosIdsResponse = Schema.Struct({
  posIds: Schema.Array(PosId),
}).annotations({ identifier: "PosIdsResponse" })
/** @since 0.1.0 */
export type PosIdsResponse = typeof PosIdsResponse.Type

/**
 * A point of sale as `GetPos` (`GET /pointofsales/{posId}`) returns it, with its beacon id
 * (the generated one if none was given). Texts decode whatever their length or characters,
 * and unknown beacon types are kept.
 *
 * @since 0.1.0
 * @category responses
 */
export const PosResponse = Schema.Struct({
  posId: PosId,
  merchantPosId: Schema.String,
  storeId: StoreId,
  name: Schema.String,
  beaconId: Schema.String,
  callbackAlias: optionalNullable(Schema.String),
  supportedBeaconTypes: Schema.Array(ReceivedBeaconType),
  requirePaymentBeforeCheckin: Schema.Boolean,
}).annotations({ identifier: "PosResponse" })
/** @since 0.1.0 */
export type PosResponse = typeof PosResponse.Type

/**
 * Who is checked in on a point of sale, as `GetCheckIn` (`GET /pointofsales/{posId}/checkin`)
 * returns it (200 whether or not anyone is). The customer's tokens and loyalty ids are absent
 * until MobilePay has looked them up. Poll again after `pollDelayInMs`.
 *
 * @since 0.1.0
 * @category responses
 */
export const GetCheckInResponse = Schema.Struct({
  isUserCheckedIn: Schema.Boolean,
  loyaltyIds: optionalNullable(LoyaltyIds),
  pollDelayInMs: PollDelayInMs,
  customerToken: optionalNullable(CustomerToken),
  customerReceiptToken: optionalNullable(CustomerReceiptToken),
}).annotations({ identifier: "GetCheckInResponse" })
/** @since 0.1.0 */
export type GetCheckInResponse = typeof GetCheckInResponse.Type
