// Encryption at rest: AES-256-GCM (node:crypto) with a key ring. A value names the key it was
// sealed with (a short id derived from the key), so that the key can rotate: new values use
// the current key, old ones still open with a previous key until they expire. The Redis key
// name is the additional authenticated data, so a value moved to another key does not open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto"
import { InvalidInput } from "@effect-mobilepay/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

export interface Cipher {
  readonly seal: (plaintext: string, aad: string) => string
  readonly open: (sealed: string, aad: string) => Option.Option<string>
  /** Whether the value names a key of this ring (it may still fail to open). */
  readonly knows: (sealed: string) => boolean
  /** The id of the key the value names (a one-way hash of the key: safe to log). */
  readonly keyIdOf: (sealed: string) => string
}

const keyId = (key: Buffer): string =>
  createHash("sha256")
    .update("effect-mobilepay token store key id")
    .update(key)
    .digest("hex")
    .slice(0, 8)

const decodeKey = (field: string, key: Redacted.Redacted<string>) => {
  // The reason never quotes the key.
  const bytes = Buffer.from(Redacted.value(key).trim(), "base64")
  return bytes.length === 32
    ? Effect.succeed(bytes)
    : Effect.fail(
        new InvalidInput.InvalidInput({
          field,
          reason: "must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)",
        }),
      )
}

export const make = (
  current: Redacted.Redacted<string>,
  previous: ReadonlyArray<Redacted.Redacted<string>>,
): Effect.Effect<Cipher, InvalidInput.InvalidInput> =>
  Effect.gen(function* () {
    const sealing = yield* decodeKey("key", current)
    const opening = new Map<string, Buffer>([[keyId(sealing), sealing]])
    for (const key of previous) {
      const bytes = yield* decodeKey("previousKeys", key)
      opening.set(keyId(bytes), bytes)
    }
    const sealingId = keyId(sealing)

    const seal = (plaintext: string, aad: string): string => {
      const iv = randomBytes(12)
      const cipher = createCipheriv("aes-256-gcm", sealing, iv)
      cipher.setAAD(Buffer.from(aad))
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
      return [
        sealingId,
        iv.toString("base64url"),
        ciphertext.toString("base64url"),
        cipher.getAuthTag().toString("base64url"),
      ].join(".")
    }

    const open = (sealed: string, aad: string): Option.Option<string> => {
      const [id, iv, ciphertext, tag] = sealed.split(".")
      const key = id === undefined ? undefined : opening.get(id)
      if (key === undefined || iv === undefined || ciphertext === undefined || tag === undefined)
        return Option.none()
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"), {
          authTagLength: 16,
        })
        decipher.setAAD(Buffer.from(aad))
        decipher.setAuthTag(Buffer.from(tag, "base64url"))
        const plaintext = Buffer.concat([
          decipher.update(Buffer.from(ciphertext, "base64url")),
          decipher.final(),
        ])
        return Option.some(plaintext.toString("utf8"))
      } catch {
        // Tampered, truncated or sealed for another key name: as if nothing were stored.
        return Option.none()
      }
    }

    const keyIdOf = (sealed: string) => (sealed.split(".")[0] ?? "").slice(0, 16)
    const knows = (sealed: string) => opening.has(keyIdOf(sealed))

    return { seal, open, knows, keyIdOf }
  })

/** A one-way name for a token (SHA-256, 128 bits): safe to store and publish. */
export const fingerprint = (token: string): string =>
  createHash("sha256").update(token).digest("base64url").slice(0, 22)
