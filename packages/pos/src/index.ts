/**
 * @since 0.1.0
 */
export * as Domain from "./Domain.js"
export * as MobilePay from "./MobilePay.js"
export * as Payment from "./Payment.js"
export * as PaymentFlow from "./PaymentFlow.js"
export * as PaymentJournal from "./PaymentJournal.js"
export * as PointOfSale from "./PointOfSale.js"
export * as PointOfSaleFlow from "./PointOfSaleFlow.js"
export * as Polling from "./Polling.js"
export * as PosClient from "./PosClient.js"
export * as PosError from "./PosError.js"
export * as Recovery from "./Recovery.js"
export * as Refund from "./Refund.js"
export * as RefundFlow from "./RefundFlow.js"
export * as SaleError from "./SaleError.js"
export * as Store from "./Store.js"
export * as UserSimulation from "./UserSimulation.js"
