/**
 * The fixed data every sandbox starts with: demo integrator clients, merchants with their
 * stores, and MobilePay's documented sandbox test users. It does not depend on the seed, so
 * the credentials printed by the CLI and stated in the README are always the same.
 *
 * @since 0.1.0
 */
import { Redacted } from "effect"

/**
 * An integrator's OAuth client, as MobilePay would send it to an onboarded integrator.
 *
 * @since 0.1.0
 * @category models
 */
export interface IntegratorClient {
  /** The OAuth `client_id`, also sent as `x-ibm-client-id`. */
  readonly clientId: string
  /** The OAuth `client_secret`. */
  readonly clientSecret: Redacted.Redacted<string>
  /** The integrator the client belongs to: resources are shared between its clients. */
  readonly integratorId: string
  /** A human name for logs and the CLI banner. */
  readonly name: string
}

/**
 * A store as `GET /stores/{storeId}` shows it, plus whether it is activated for PoS.
 *
 * @since 0.1.0
 * @category models
 */
export interface Store {
  readonly storeId: string
  readonly storeName: string
  readonly storeStreet: string
  readonly storeZipCode: string
  readonly storeCity: string
  readonly brandName: string
  readonly merchantBrandId: string
  readonly merchantLocationId: string
  /** Not activated: creating a point of sale or a payment in it answers 409, code 1204. */
  readonly activated: boolean
}

/**
 * A merchant, identified by its VAT number.
 *
 * @since 0.1.0
 * @category models
 */
export interface Merchant {
  readonly vat: string
  readonly name: string
  readonly stores: ReadonlyArray<Store>
}

/**
 * One of MobilePay's documented sandbox test users (pos-v10 reference, §10).
 *
 * @since 0.1.0
 * @category models
 */
export interface TestUser {
  readonly phoneNumber: string
  readonly country: "DK" | "FI"
  /** The card the user pays with; a payment restricted against it cannot be accepted. */
  readonly card: "Credit" | "Debit"
  /** The loyalty ids reported at check-in and on the payment; empty when not enrolled. */
  readonly loyaltyIds: ReadonlyArray<string>
  /** Whether a reservation by this user can be captured partially. */
  readonly partialCapturePossible: boolean
}

/**
 * Integrator A's main client. Plain secret, so `curl -u id:secret` works as is.
 *
 * @since 0.1.0
 * @category seed
 */
export const integratorA: IntegratorClient = {
  clientId: "a1b2c3d4-0001-4a00-8000-000000000001",
  clientSecret: Redacted.make("sandbox-secret-integrator-a"),
  integratorId: "integrator-a",
  name: "Demo Integrator A",
}

/**
 * A second client of integrator A: it sees A's points of sale and payments. Its secret holds
 * characters that RFC 6749 §2.3.1 requires a client to form-urlencode before base64.
 *
 * @since 0.1.0
 * @category seed
 */
export const integratorASecondClient: IntegratorClient = {
  clientId: "a1b2c3d4-0002-4a00-8000-000000000002",
  clientSecret: Redacted.make("s3cret+with/special=chars:%&"),
  integratorId: "integrator-a",
  name: "Demo Integrator A (second client)",
}

/**
 * Integrator B's client: A's resources answer it 403.
 *
 * @since 0.1.0
 * @category seed
 */
export const integratorB: IntegratorClient = {
  clientId: "b1b2c3d4-0003-4b00-8000-000000000003",
  clientSecret: Redacted.make("sandbox-secret-integrator-b"),
  integratorId: "integrator-b",
  name: "Demo Integrator B",
}

/**
 * Every demo integrator client.
 *
 * @since 0.1.0
 * @category seed
 */
export const integratorClients: ReadonlyArray<IntegratorClient> = [
  integratorA,
  integratorASecondClient,
  integratorB,
]

/**
 * The self-certification merchant of MobilePay's sandbox (DK): one activated store,
 * merchantBrandId `MPPOSCERT1`, merchantLocationId `00001`.
 *
 * @since 0.1.0
 * @category seed
 */
export const selfCertificationMerchant: Merchant = {
  vat: "DK90000028",
  name: "PoS Self-Certification DK",
  stores: [
    {
      storeId: "5e1f0c2a-1d3b-4c5d-8e6f-000000000001",
      storeName: "Self-Certification Store DK",
      storeStreet: "Vestergade 1",
      storeZipCode: "1456",
      storeCity: "København K",
      brandName: "MobilePay PoS Certification",
      merchantBrandId: "MPPOSCERT1",
      merchantLocationId: "00001",
      activated: true,
    },
  ],
}

/**
 * The Finnish self-certification merchant: one activated store.
 *
 * @since 0.1.0
 * @category seed
 */
export const selfCertificationMerchantFi: Merchant = {
  vat: "FI90000040",
  name: "PoS Self-Certification FI",
  stores: [
    {
      storeId: "5e1f0c2a-1d3b-4c5d-8e6f-000000000002",
      storeName: "Self-Certification Store FI",
      storeStreet: "Keskuskatu 4",
      storeZipCode: "00100",
      storeCity: "Helsinki",
      brandName: "MobilePay PoS Certification",
      merchantBrandId: "MPPOSCERT1",
      merchantLocationId: "00001",
      activated: true,
    },
  ],
}

/**
 * A café chain with two stores under one brand: `10001` is activated, `10002` is not (1204).
 *
 * @since 0.1.0
 * @category seed
 */
export const demoCafe: Merchant = {
  vat: "DK12345678",
  name: "Demo Café ApS",
  stores: [
    {
      storeId: "6a2b1c3d-2e4f-4a5b-9c6d-000000010001",
      storeName: "Demo Café Nørreport",
      storeStreet: "Frederiksborggade 10",
      storeZipCode: "1360",
      storeCity: "København K",
      brandName: "Demo Café",
      merchantBrandId: "POSDK12345",
      merchantLocationId: "10001",
      activated: true,
    },
    {
      storeId: "6a2b1c3d-2e4f-4a5b-9c6d-000000010002",
      storeName: "Demo Café Aarhus",
      storeStreet: "Søndergade 20",
      storeZipCode: "8000",
      storeCity: "Aarhus C",
      brandName: "Demo Café",
      merchantBrandId: "POSDK12345",
      merchantLocationId: "10002",
      activated: false,
    },
  ],
}

/**
 * Every seeded merchant.
 *
 * @since 0.1.0
 * @category seed
 */
export const merchants: ReadonlyArray<Merchant> = [
  selfCertificationMerchant,
  selfCertificationMerchantFi,
  demoCafe,
]

const user = (
  phoneNumber: string,
  country: "DK" | "FI",
  feature: "credit" | "debit" | "loyalty" | "partial",
): TestUser => ({
  phoneNumber,
  country,
  card: feature === "debit" ? "Debit" : "Credit",
  loyaltyIds: feature === "loyalty" ? ["123456"] : [],
  partialCapturePossible: feature === "partial",
})

/**
 * MobilePay's sandbox test users: …01 credit, …02 debit, …03 credit, …04 credit with
 * loyalty, …05 partial capture; the same for Finland.
 *
 * @since 0.1.0
 * @category seed
 */
export const testUsers: ReadonlyArray<TestUser> = [
  user("+4520031801", "DK", "credit"),
  user("+4520031802", "DK", "debit"),
  user("+4520031803", "DK", "credit"),
  user("+4520031804", "DK", "loyalty"),
  user("+4520031805", "DK", "partial"),
  user("+358200318001", "FI", "credit"),
  user("+358200318002", "FI", "debit"),
  user("+358200318003", "FI", "credit"),
  user("+358200318004", "FI", "loyalty"),
  user("+358200318005", "FI", "partial"),
]

/**
 * A sales unit of the Vipps MobilePay platform (ePayment, Access Token, Webhooks and QR APIs),
 * with the keys the business portal hands out for it. Its market fixes its currency.
 *
 * @since 0.2.0
 * @category models
 */
export interface SalesUnit {
  /** A human name for the CLI banner. */
  readonly name: string
  /** The merchant serial number (MSN): digits. */
  readonly msn: string
  /** The `client_id` header of the token request (a GUID). */
  readonly clientId: string
  /** The `client_secret` header of the token request. */
  readonly clientSecret: Redacted.Redacted<string>
  /** The primary `Ocp-Apim-Subscription-Key`. */
  readonly subscriptionKey: Redacted.Redacted<string>
  /** The secondary `Ocp-Apim-Subscription-Key`: it works as well as the primary one. */
  readonly secondarySubscriptionKey: Redacted.Redacted<string>
  readonly market: "DK" | "FI"
  readonly currency: "DKK" | "EUR"
  /** Approved to skip the landing page: otherwise `PUSH_MESSAGE` answers 403 `5080`. */
  readonly pushMessageAllowed: boolean
  /** Approved for long-living payments (`expiresAt`): otherwise 403 `5050`. */
  readonly longLivingAllowed: boolean
  /** Allows partial captures: otherwise a capture of less than the remainder is `6140`. */
  readonly partialCaptureAllowed: boolean
}

/**
 * The Danish demo sales unit (DKK): push messages, long-living payments, partial captures.
 *
 * @since 0.2.0
 * @category seed
 */
export const demoShopDk: SalesUnit = {
  name: "Demo Shop DK",
  msn: "123456",
  clientId: "c1d2e3f4-0001-4c00-8000-00000000d001",
  clientSecret: Redacted.make("sandbox-secret-shop-dk"),
  subscriptionKey: Redacted.make("sandbox0subscription0key0shop0dk"),
  secondarySubscriptionKey: Redacted.make("sandbox0secondary0key0shop0dk00"),
  market: "DK",
  currency: "DKK",
  pushMessageAllowed: true,
  longLivingAllowed: true,
  partialCaptureAllowed: true,
}

/**
 * The Finnish demo sales unit (EUR): push messages and partial captures, no long-living payments.
 *
 * @since 0.2.0
 * @category seed
 */
export const demoShopFi: SalesUnit = {
  name: "Demo Shop FI",
  msn: "234567",
  clientId: "c1d2e3f4-0002-4c00-8000-00000000f002",
  clientSecret: Redacted.make("sandbox-secret-shop-fi"),
  subscriptionKey: Redacted.make("sandbox0subscription0key0shop0fi"),
  secondarySubscriptionKey: Redacted.make("sandbox0secondary0key0shop0fi00"),
  market: "FI",
  currency: "EUR",
  pushMessageAllowed: true,
  longLivingAllowed: false,
  partialCaptureAllowed: true,
}

/**
 * A Danish kiosk not approved for `PUSH_MESSAGE` (`5080`) nor for partial captures (`6140`).
 *
 * @since 0.2.0
 * @category seed
 */
export const demoKioskDk: SalesUnit = {
  name: "Demo Kiosk DK (no push)",
  msn: "345678",
  clientId: "c1d2e3f4-0003-4c00-8000-00000000d003",
  clientSecret: Redacted.make("sandbox-secret-kiosk-dk"),
  subscriptionKey: Redacted.make("sandbox0subscription0key0kiosk0d"),
  secondarySubscriptionKey: Redacted.make("sandbox0secondary0key0kiosk0dk0"),
  market: "DK",
  currency: "DKK",
  pushMessageAllowed: false,
  longLivingAllowed: false,
  partialCaptureAllowed: false,
}

/**
 * Every demo sales unit.
 *
 * @since 0.2.0
 * @category seed
 */
export const salesUnits: ReadonlyArray<SalesUnit> = [demoShopDk, demoShopFi, demoKioskDk]

/**
 * A test user of the new platform: a phone number (MSISDN digits, no `+`), the market it can
 * pay in, and the text of its personal QR code (what a till's scanner reads).
 *
 * @since 0.2.0
 * @category models
 */
export interface PlatformUser {
  readonly phoneNumber: string
  readonly market: "DK" | "FI"
  /** The complete scanned content of the user's personal QR (opaque, as the real ones). */
  readonly personalQr: string
  readonly name: string
}

/**
 * The ePayment test users: two in Denmark, two in Finland. Any other well-formed number is a
 * user who cannot pay this way (`7010`), as is a user of another market.
 *
 * @since 0.2.0
 * @category seed
 */
export const platformUsers: ReadonlyArray<PlatformUser> = [
  {
    phoneNumber: "4512345601",
    market: "DK",
    personalQr: "https://qr.sandbox.test/p/MPDK-7f3a9c21b4e04d1a",
    name: "Test Kunde 1",
  },
  {
    phoneNumber: "4512345602",
    market: "DK",
    personalQr: "https://qr.sandbox.test/p/MPDK-2b81c0de59aa4e07",
    name: "Test Kunde 2",
  },
  {
    phoneNumber: "358401234501",
    market: "FI",
    personalQr: "https://qr.sandbox.test/p/MPFI-93d1e7c60f2b4c88",
    name: "Testi Asiakas 1",
  },
  {
    phoneNumber: "358401234502",
    market: "FI",
    personalQr: "https://qr.sandbox.test/p/MPFI-4e6a1b7d20c94f31",
    name: "Testi Asiakas 2",
  },
]
