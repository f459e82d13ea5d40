/**
 * Properties of what a caller sends: every request schema encodes (to JSON, as sent) and
 * decodes to itself, under the strict options the client decodes input with (unknown fields
 * refused).
 */
import { Domain, Payment, Receipt } from "@effect-mobilepay/epayment"
import { Contract } from "@effect-mobilepay/test-support"
import { createPaymentRequest } from "./support/Inputs.js"

const cases: ReadonlyArray<Contract.InputCase> = [
  ["CreatePaymentRequest", Payment.CreatePaymentRequest, createPaymentRequest],
  ["ModificationRequest", Payment.ModificationRequest],
  ["ForceApproveRequest", Payment.ForceApproveRequest],
  ["Customer", Payment.Customer],
  ["QrFormat", Payment.QrFormat],
  ["Receipt", Receipt.Receipt],
  ["Reference", Domain.Reference],
  ["IdempotencyKey", Domain.IdempotencyKey],
  ["PaymentAmount", Domain.PaymentAmount],
  ["ModificationAmount", Domain.ModificationAmount],
  ["PhoneNumber", Domain.PhoneNumber],
  ["PersonalQr", Domain.PersonalQr],
  ["CustomerToken", Domain.CustomerToken],
  ["PaymentDescription", Domain.PaymentDescription],
  ["AppUrl", Domain.AppUrl],
  ["Metadata", Domain.Metadata],
  ["MinimumUserAge", Domain.MinimumUserAge],
  ["ProfileScope", Domain.ProfileScope],
  ["EPaymentDateTime", Domain.EPaymentDateTime],
]

Contract.everyInputRoundTrips(cases, {
  decode: { onExcessProperty: "error" },
  // A create request is costly to generate (a receipt, metadata): fewer, for the time budget.
  numRuns: (name) => (name === "CreatePaymentRequest" ? 100 : 200),
})
