// When a token was issued and when it expires, as the cache counts them: from the moment its
// request was sent, never from when the answer was read. A process paused between the server
// issuing a token and reading the answer (a busy event loop, a retried attempt) would
// otherwise believe the token lives longer than the server does, and hand it out expired.
//
// Where the token is a JWT with `iat` and `exp` claims, they can only shorten that: the
// lifetime is at most `exp - iat` (whatever the two clocks say), and the expiry is `exp` when
// it is earlier but still plausible (at least half the lifetime after the request was sent, so
// that a server clock far behind ours cannot make every token expire at once). The claims
// are read, not verified: they never make a token live longer.
import { AccessToken } from "@effect-mobilepay/core"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

const Claims = Schema.parseJson(
  Schema.Struct({
    iat: Schema.optional(Schema.Number),
    exp: Schema.optional(Schema.Number),
  }),
)

// A JWT payload is well under a kilobyte; anything far larger is not one worth reading.
const maxPayloadChars = 16_384

const claimsOf = (token: AccessToken.AccessToken) => {
  const parts = Redacted.value(token.value).split(".")
  const payload = parts.length === 3 ? parts[1] : undefined
  if (payload === undefined || payload.length > maxPayloadChars) return Option.none()
  return Either.match(Encoding.decodeBase64UrlString(payload), {
    onLeft: () => Option.none(),
    onRight: Schema.decodeUnknownOption(Claims),
  })
}

/** `token` with its times counted from `sentAt` (epoch ms), shortened by its claims if any. */
export const countedFrom = (
  token: AccessToken.AccessToken,
  sentAt: number,
): AccessToken.AccessToken => {
  let lifetime = Duration.toMillis(token.expiresIn)
  const claims = claimsOf(token)
  if (Option.isSome(claims)) {
    const { iat, exp } = claims.value
    if (iat !== undefined && exp !== undefined && exp > iat) {
      lifetime = Math.min(lifetime, (exp - iat) * 1000)
    }
    if (exp !== undefined) {
      const claimed = exp * 1000
      if (claimed < sentAt + lifetime && claimed >= sentAt + lifetime / 2) {
        lifetime = claimed - sentAt
      }
    }
  }
  const expiresAt = Math.floor(sentAt + lifetime)
  return new AccessToken.AccessToken({
    ...token,
    issuedAt: DateTime.unsafeMake(sentAt),
    expiresAt: DateTime.unsafeMake(expiresAt),
  })
}
