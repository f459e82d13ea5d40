/**
 * The sandbox-only simulated customer of the platform: what a MobilePay app user does with a
 * payment request (approve, reject, or ignore it), scanning a dynamic QR or a callback-QR
 * sticker, and the personal QR a till scans.
 */
export const customerBasePath = "/sandbox/v1/customer"
