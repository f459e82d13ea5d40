/**
 * The 20 PoS V10 operations, one file per resource as the client splits them. Each handler
 * authorizes the caller, validates its input with the documented codes, then runs one atomic
 * step on the state (`transact`) that checks ownership and the state machine of pos-v10 §5 and
 * either refuses or changes the state.
 */
import { paymentOperations } from "./PaymentApi.js"
import { pointOfSaleOperations } from "./PointOfSaleApi.js"
import { refundOperations } from "./RefundApi.js"
import { storeOperations } from "./StoreApi.js"
import type { World } from "./World.js"

export const posBasePath = "/pos/v10"
/** MobilePay's sandbox also serves PoS V10 for self-certification under this path. */
export const selfCertificationPosBasePath = "/pos-self-certification-api/pos/v10"

/** Every PoS V10 operation: method, path (router syntax), handler, and whether it is a refund one. */
export const posOperations = (world: World) => [
  ...pointOfSaleOperations(world),
  ...storeOperations(world),
  ...paymentOperations(world),
  ...refundOperations(world),
]
