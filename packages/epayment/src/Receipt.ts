/**
 * The receipt a payment may carry (`receipt` on create; required with `expiresAt`): the Order
 * Management API's `Receipt`, order lines and a bottom line, shown to the customer in the app.
 * Amounts are whole minor units. The contract's deprecated fields (`giftCardAmount`,
 * `totalAmount`, `totalTax`, `totalDiscount`, `shippingAmount`, `shippingInfo`, `terminalId`)
 * are not offered: the platform computes those sums from the order lines.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { Currency } from "./Domain.js"

const WholeMinorUnits = Schema.Int.annotations({
  arbitrary: () => (fc) => fc.integer({ min: -10_000_000, max: 10_000_000 }),
})
const NonNegativeMinorUnits = Schema.NonNegativeInt.annotations({
  arbitrary: () => (fc) => fc.integer({ min: 0, max: 10_000_000 }),
})

/**
 * How a quantity is counted (`PCS` when absent).
 *
 * @since 0.2.0
 * @category receipts
 */
export const QuantityUnit = Schema.Literal("PCS", "KG", "KM", "MINUTE", "LITRE", "KWH")

/**
 * The quantity of an order line and its unit price.
 *
 * @since 0.2.0
 * @category receipts
 */
export const UnitInfo = Schema.Struct({
  /** Price per unit with tax, before discount. */
  unitPrice: NonNegativeMinorUnits,
  /** For show only: a whole number or a decimal with up to 8 decimals, at most 10 characters. */
  quantity: Schema.String.pipe(
    Schema.maxLength(10, { message: () => "a quantity is at most 10 characters" }),
    Schema.pattern(/^\d+(\.\d{1,8})?$/, {
      message: () => "a quantity is a whole number or a decimal such as 0.822",
    }),
  ),
  quantityUnit: Schema.optional(QuantityUnit),
}).annotations({ identifier: "UnitInfo" })

/**
 * One line of the order. The tax is given as `taxRate` (hundredths of a percent, 0–10000) or
 * the deprecated `taxPercentage` (0–100); one of them must be set.
 *
 * @since 0.2.0
 * @category receipts
 */
export const OrderLine = Schema.Struct({
  name: Schema.String,
  /** The product's id. */
  id: Schema.String,
  /** With tax and discount. */
  totalAmount: WholeMinorUnits,
  totalAmountExcludingTax: WholeMinorUnits,
  totalTaxAmount: WholeMinorUnits,
  taxRate: Schema.optional(Schema.Int.pipe(Schema.between(0, 10_000))),
  taxPercentage: Schema.optional(Schema.Int.pipe(Schema.between(0, 100))),
  unitInfo: Schema.optional(UnitInfo),
  discount: Schema.optional(NonNegativeMinorUnits),
  productUrl: Schema.optional(Schema.String),
  /** Counts negative towards the bottom line's sums. */
  isReturn: Schema.optional(Schema.Boolean),
  /** Shown as shipping in the app. */
  isShipping: Schema.optional(Schema.Boolean),
}).pipe(
  Schema.filter(
    (line) =>
      line.taxRate !== undefined ||
      line.taxPercentage !== undefined || {
        path: ["taxRate"],
        message: "an order line needs taxRate (or the deprecated taxPercentage)",
      },
  ),
  Schema.annotations({ identifier: "OrderLine" }),
)

/**
 * A barcode shown with the receipt.
 *
 * @since 0.2.0
 * @category receipts
 */
export const Barcode = Schema.Struct({
  format: Schema.Literal("EAN-13", "CODE 39", "CODE 128"),
  data: Schema.String,
}).annotations({ identifier: "Barcode" })

/**
 * How much of the order each source paid, in minor units.
 *
 * @since 0.2.0
 * @category receipts
 */
export const PaymentSources = Schema.Struct({
  giftCard: Schema.optional(Schema.Int),
  card: Schema.optional(Schema.Int),
  voucher: Schema.optional(Schema.Int),
  cash: Schema.optional(Schema.Int),
}).annotations({ identifier: "PaymentSources" })

/**
 * The summary of the order.
 *
 * @since 0.2.0
 * @category receipts
 */
export const BottomLine = Schema.Struct({
  currency: Currency,
  tipAmount: Schema.optional(NonNegativeMinorUnits),
  /** The device number of the till. */
  posId: Schema.optional(Schema.String),
  paymentSources: Schema.optional(PaymentSources),
  barcode: Schema.optional(Barcode),
  receiptNumber: Schema.optional(Schema.String),
}).annotations({ identifier: "BottomLine" })

/**
 * A receipt: at least one order line, and the bottom line.
 *
 * @since 0.2.0
 * @category receipts
 */
export const Receipt = Schema.Struct({
  orderLines: Schema.NonEmptyArray(OrderLine),
  bottomLine: BottomLine,
}).annotations({ identifier: "Receipt" })
/** @since 0.2.0 */
export type Receipt = typeof Receipt.Type
