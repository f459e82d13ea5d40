/**
 * Valid inputs, generated from the client's schemas, for the property tests: every request a
 * caller may send, the rules between fields kept.
 */
import { Domain, Payment, Receipt } from "@effect-mobilepay/epayment"
import { Arbitrary, FastCheck as fc, Schema } from "effect"

const optional = <A>(arbitrary: fc.Arbitrary<A>) => fc.option(arbitrary, { nil: undefined })

// Drops the fields a generated value would have to leave out by the rules between fields.
const withoutUndefined = <A extends object>(value: A): A =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as A

// Made once: Arbitrary.make is costly.
const arbitraries = {
  amount: Arbitrary.make(Domain.PaymentAmount),
  methodType: Arbitrary.make(Payment.PaymentMethodType),
  reference: Arbitrary.make(Domain.Reference),
  customer: Arbitrary.make(Payment.Customer),
  interaction: Arbitrary.make(Payment.CustomerInteraction),
  appUrl: Arbitrary.make(Domain.AppUrl),
  qrFormat: Arbitrary.make(Payment.QrFormat),
  description: Arbitrary.make(Domain.PaymentDescription),
  receipt: Arbitrary.make(Receipt.Receipt),
  metadata: Arbitrary.make(Domain.Metadata),
  dateTime: Arbitrary.make(Domain.EPaymentDateTime),
  scope: Arbitrary.make(Domain.ProfileScope),
  airlineData: Arbitrary.make(Payment.AirlineData),
  minimumUserAge: Arbitrary.make(Domain.MinimumUserAge),
}

/** A valid create request, as a value of its decoded type. */
export const createPaymentRequest: fc.Arbitrary<Payment.CreatePaymentRequest> = fc
  .constantFrom(...Payment.UserFlow.literals)
  .chain((userFlow) =>
    fc
      .record({
        amount: arbitraries.amount,
        paymentMethod: fc.record({
          type:
            userFlow === "WEB_REDIRECT" ? arbitraries.methodType : fc.constant("WALLET" as const),
        }),
        reference: arbitraries.reference,
        customer:
          userFlow === "PUSH_MESSAGE" ? arbitraries.customer : optional(arbitraries.customer),
        customerInteraction: optional(arbitraries.interaction),
        returnUrl: userFlow === "WEB_REDIRECT" ? arbitraries.appUrl : optional(arbitraries.appUrl),
        qrFormat: userFlow === "QR" ? optional(arbitraries.qrFormat) : fc.constant(undefined),
        paymentDescription: optional(arbitraries.description),
        receipt: optional(arbitraries.receipt),
        receiptUrl: optional(arbitraries.appUrl),
        metadata: optional(arbitraries.metadata),
        expiresAt:
          userFlow === "PUSH_MESSAGE" || userFlow === "QR"
            ? optional(arbitraries.dateTime)
            : fc.constant(undefined),
        profile: optional(fc.record({ scope: arbitraries.scope })),
        industryData: optional(fc.record({ airlineData: arbitraries.airlineData })),
        minimumUserAge: optional(arbitraries.minimumUserAge),
      })
      .map((request) =>
        withoutUndefined({
          ...request,
          userFlow,
          expiresAt: request.receipt === undefined ? undefined : request.expiresAt,
        }),
      ),
  )
  .filter(Schema.is(Payment.CreatePaymentRequest))
