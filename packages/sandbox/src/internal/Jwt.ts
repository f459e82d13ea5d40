/**
 * RS256 JSON Web Tokens with node:crypto: the key pair is generated when a sandbox starts,
 * its public half is served as a JWKS, and access tokens are signed and verified with it.
 */
import { Either, Schema } from "effect"
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto"

export interface SigningKey {
  readonly kid: string
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
}

export const generateSigningKey = (): SigningKey => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  const der = publicKey.export({ type: "spki", format: "der" })
  return {
    kid: createHash("sha256").update(der).digest("base64url").slice(0, 16),
    privateKey,
    publicKey,
  }
}

export const jwks = (key: SigningKey): { readonly keys: ReadonlyArray<unknown> } => ({
  keys: [{ ...key.publicKey.export({ format: "jwk" }), kid: key.kid, alg: "RS256", use: "sig" }],
})

/** The claims of a sandbox access token. */
export const AccessTokenClaims = Schema.Struct({
  iss: Schema.String,
  client_id: Schema.String,
  integrator_id: Schema.String,
  scope: Schema.String,
  jti: Schema.String,
  iat: Schema.Number,
  nbf: Schema.Number,
  exp: Schema.Number,
  merchant_vat: Schema.optional(Schema.String),
})
export type AccessTokenClaims = typeof AccessTokenClaims.Type

const encodePart = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), "utf8").toString("base64url")

/**
 * The claims of a Vipps MobilePay platform access token (Access Token API): the sales unit's
 * client id and MSN. A PoS V10 token lacks `msn` and this one lacks `integrator_id`, so neither
 * API accepts the other's tokens.
 */
export const PlatformTokenClaims = Schema.Struct({
  iss: Schema.String,
  client_id: Schema.String,
  msn: Schema.String,
  jti: Schema.String,
  iat: Schema.Number,
  nbf: Schema.Number,
  exp: Schema.Number,
})
export type PlatformTokenClaims = typeof PlatformTokenClaims.Type

export const signJwt = (
  key: SigningKey,
  claims: AccessTokenClaims | PlatformTokenClaims,
): string => {
  const input = `${encodePart({ alg: "RS256", typ: "at+jwt", kid: key.kid })}.${encodePart(claims)}`
  const signature = sign("sha256", Buffer.from(input), key.privateKey).toString("base64url")
  return `${input}.${signature}`
}

const decodeClaims = Schema.decodeUnknownEither(Schema.parseJson(AccessTokenClaims))
const decodePlatformClaims = Schema.decodeUnknownEither(
  Schema.parseJson(Schema.Struct(PlatformTokenClaims.fields)),
  { onExcessProperty: "error" },
)

/** The claims of a platform token signed by `key`, or a reason it is not one. */
export const verifyPlatformJwt = (
  key: SigningKey,
  token: string,
): Either.Either<PlatformTokenClaims, string> =>
  Either.flatMap(verifiedPayload(key, token), (payload) =>
    decodePlatformClaims(payload).pipe(Either.mapLeft(() => "not a platform token")),
  )

/** The claims of a token signed by `key`, or a reason it is not one; expiry is not checked here. */
export const verifyJwt = (
  key: SigningKey,
  token: string,
): Either.Either<AccessTokenClaims, string> =>
  Either.flatMap(verifiedPayload(key, token), (payload) =>
    decodeClaims(payload).pipe(Either.mapLeft(() => "unexpected claims")),
  )

const verifiedPayload = (key: SigningKey, token: string): Either.Either<string, string> => {
  const parts = token.split(".")
  const [header, payload, signature] = parts
  if (
    parts.length !== 3 ||
    header === undefined ||
    payload === undefined ||
    signature === undefined
  ) {
    return Either.left("not a JWT")
  }
  const valid = verify(
    "sha256",
    Buffer.from(`${header}.${payload}`),
    key.publicKey,
    Buffer.from(signature, "base64url"),
  )
  if (!valid) return Either.left("bad signature")
  return Either.right(Buffer.from(payload, "base64url").toString("utf8"))
}
