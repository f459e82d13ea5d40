/**
 * @since 0.1.0
 */
export * as Domain from "./Domain.js"
export * as Payment from "./Payment.js"
export * as PointOfSale from "./PointOfSale.js"
export * as PosError from "./PosError.js"
export * as Refund from "./Refund.js"
export * as Store from "./Store.js"
export * as UserSimulation from "./UserSimulation.js"
