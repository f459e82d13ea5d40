// application/x-www-form-urlencoded encoding of one value, as RFC 6749 §2.3.1 asks for the
// client id and secret before they are joined for HTTP Basic authentication.
export const formUrlEncode = (value: string): string =>
  encodeURIComponent(value)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+")
