import { WebhookSignature } from "@effect-mobilepay/epayment"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted, TestClock } from "effect"
import * as Crypto from "node:crypto"

// The signer is written here from the documented rule, independently of the verifier.
const sign = (options: {
  readonly secret: string
  readonly host: string
  readonly pathAndQuery: string
  readonly date: string
  readonly body: string
}) => {
  const contentHash = Crypto.createHash("sha256").update(options.body, "utf8").digest("base64")
  const toSign = `POST\n${options.pathAndQuery}\n${options.date};${options.host};${contentHash}`
  const signature = Crypto.createHmac("sha256", Buffer.from(options.secret, "utf8"))
    .update(toSign, "utf8")
    .digest("base64")
  return {
    contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  }
}

// The public docs' example, which reproduces with the documented rule.
const vector = {
  secret:
    "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==",
  url: "https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63",
  date: "Thu, 30 Mar 2023 08:38:32 GMT",
  body: '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}',
  contentHash: "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=",
  signature: "agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=",
}

const vectorHeaders = {
  "x-ms-date": vector.date,
  "x-ms-content-sha256": vector.contentHash,
  authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${vector.signature}`,
}

const utf8 = (text: string) => new TextEncoder().encode(text)

const verifierFor = (options: Partial<WebhookSignature.Options> = {}) =>
  WebhookSignature.make({
    url: vector.url,
    secrets: Redacted.make(vector.secret),
    ...options,
  })

const outcome = (verifier: WebhookSignature.Verifier, delivery: WebhookSignature.SignedDelivery) =>
  verifier.verify(delivery).pipe(
    Effect.as("accepted" as const),
    Effect.catchTag("WebhookSignatureRejected", (error) => Effect.succeed(error.reason)),
  )

describe("WebhookSignature", () => {
  it.effect("verifies the documented test vector", () =>
    Effect.gen(function* () {
      const verifier = yield* verifierFor()
      expect(yield* outcome(verifier, { body: utf8(vector.body), headers: vectorHeaders })).toBe(
        "accepted",
      )
    }),
  )

  it("the test's signer reproduces the documented vector (so the other cases test the rule)", () => {
    const signed = sign({
      secret: vector.secret,
      host: "webhook.site",
      pathAndQuery: "/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63",
      date: vector.date,
      body: vector.body,
    })
    expect(signed.contentHash).toBe(vector.contentHash)
    expect(signed.authorization).toBe(vectorHeaders.authorization)
  })

  it.effect("rejects a tampered body, date, host, path or signature", () =>
    Effect.gen(function* () {
      const verifier = yield* verifierFor()
      const tamperedBody = vector.body.replace("hello", "hellO")
      expect(yield* outcome(verifier, { body: utf8(tamperedBody), headers: vectorHeaders })).toBe(
        "ContentHashMismatch",
      )
      // A body changed together with its hash: the signature covers the hash.
      const rehashed = Crypto.createHash("sha256").update(tamperedBody).digest("base64")
      expect(
        yield* outcome(verifier, {
          body: utf8(tamperedBody),
          headers: { ...vectorHeaders, "x-ms-content-sha256": rehashed },
        }),
      ).toBe("SignatureMismatch")
      expect(
        yield* outcome(verifier, {
          body: utf8(vector.body),
          headers: { ...vectorHeaders, "x-ms-date": "Thu, 30 Mar 2023 08:38:33 GMT" },
        }),
      ).toBe("SignatureMismatch")
      const flipped = vectorHeaders.authorization.replace("agAi", "agAj")
      expect(
        yield* outcome(verifier, {
          body: utf8(vector.body),
          headers: { ...vectorHeaders, authorization: flipped },
        }),
      ).toBe("SignatureMismatch")
      // The right signature for the registered URL, checked by a receiver registered elsewhere.
      for (const url of [
        "https://webhook.site:8443/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63",
        "https://other.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63",
        "https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a64",
        "https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63?x=1",
      ]) {
        const elsewhere = yield* verifierFor({ url })
        expect(yield* outcome(elsewhere, { body: utf8(vector.body), headers: vectorHeaders })).toBe(
          "SignatureMismatch",
        )
      }
    }),
  )

  it.effect("signs over the registered URL's port and query", () =>
    Effect.gen(function* () {
      const url = "https://shop.example:8080/hooks/vipps?till=7"
      const signed = sign({
        secret: "s3cret-for-the-shop",
        host: "shop.example:8080",
        pathAndQuery: "/hooks/vipps?till=7",
        date: vector.date,
        body: "{}",
      })
      const verifier = yield* verifierFor({ url, secrets: Redacted.make("s3cret-for-the-shop") })
      const headers = {
        "x-ms-date": vector.date,
        "x-ms-content-sha256": signed.contentHash,
        authorization: signed.authorization,
      }
      expect(yield* outcome(verifier, { body: utf8("{}"), headers })).toBe("accepted")
      // The default port is not part of the host.
      const onDefault = sign({
        secret: "s3cret-for-the-shop",
        host: "shop.example",
        pathAndQuery: "/hooks",
        date: vector.date,
        body: "{}",
      })
      const defaultPort = yield* verifierFor({
        url: "https://shop.example:443/hooks",
        secrets: Redacted.make("s3cret-for-the-shop"),
      })
      expect(
        yield* outcome(defaultPort, {
          body: utf8("{}"),
          headers: { ...headers, authorization: onDefault.authorization },
        }),
      ).toBe("accepted")
    }),
  )

  it.effect("uses a secret that looks like base64 as text, never decoded", () =>
    Effect.gen(function* () {
      const decodedKey = Buffer.from(vector.secret, "base64")
      const toSign = `POST\n/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63\n${vector.date};webhook.site;${vector.contentHash}`
      const wrong = Crypto.createHmac("sha256", decodedKey).update(toSign).digest("base64")
      expect(wrong.startsWith("T3+NXHMm")).toBe(true)
      const verifier = yield* verifierFor()
      expect(
        yield* outcome(verifier, {
          body: utf8(vector.body),
          headers: {
            ...vectorHeaders,
            authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${wrong}`,
          },
        }),
      ).toBe("SignatureMismatch")
    }),
  )

  it.effect("accepts a delivery signed by any of the secrets during a switch", () =>
    Effect.gen(function* () {
      const verifier = yield* verifierFor({
        secrets: [Redacted.make("the-new-registrations-secret"), Redacted.make(vector.secret)],
      })
      expect(yield* outcome(verifier, { body: utf8(vector.body), headers: vectorHeaders })).toBe(
        "accepted",
      )
      const onlyNew = yield* verifierFor({ secrets: Redacted.make("the-new-registrations-secret") })
      expect(yield* outcome(onlyNew, { body: utf8(vector.body), headers: vectorHeaders })).toBe(
        "SignatureMismatch",
      )
    }),
  )

  it.effect("names a missing header", () =>
    Effect.gen(function* () {
      const verifier = yield* verifierFor()
      for (const name of ["x-ms-date", "x-ms-content-sha256", "authorization"] as const) {
        const { [name]: _, ...rest } = vectorHeaders
        const error = yield* Effect.flip(
          verifier.verify({ body: utf8(vector.body), headers: rest }),
        )
        expect([error.reason, error.header]).toEqual(["MissingHeader", name])
      }
    }),
  )

  it.effect("does not check the date by default", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2030-01-01T00:00:00Z"))
      const verifier = yield* verifierFor()
      expect(yield* outcome(verifier, { body: utf8(vector.body), headers: vectorHeaders })).toBe(
        "accepted",
      )
    }),
  )

  it.effect("with a tolerance, rejects a date too far from the clock", () =>
    Effect.gen(function* () {
      const sent = Date.parse("2023-03-30T08:38:32Z")
      const verifier = yield* verifierFor({ dateTolerance: "5 minutes" })
      const deliver = outcome(verifier, { body: utf8(vector.body), headers: vectorHeaders })
      yield* TestClock.setTime(sent + 5 * 60_000)
      expect(yield* deliver).toBe("accepted")
      yield* TestClock.adjust(1)
      expect(yield* deliver).toBe("DateOutsideTolerance")
      yield* TestClock.setTime(sent - 5 * 60_000 - 1)
      expect(yield* deliver).toBe("DateOutsideTolerance")
    }),
  )

  it.effect("refuses a URL that is not absolute, no secret, or a bad tolerance", () =>
    Effect.gen(function* () {
      for (const options of [
        { url: "/hooks" },
        { url: "ftp://example.com/hooks" },
        { secrets: [] },
        { dateTolerance: -1 },
      ]) {
        const result = yield* Effect.either(verifierFor(options))
        expect(Either.isLeft(result) && result.left._tag).toBe("InvalidInput")
      }
    }),
  )

  it.effect("its error carries no header value or secret", () =>
    Effect.gen(function* () {
      const verifier = yield* verifierFor({ secrets: Redacted.make("hunter2-but-longer") })
      const error = yield* Effect.flip(
        verifier.verify({ body: utf8(vector.body), headers: vectorHeaders }),
      )
      const shown = `${String(error)} ${JSON.stringify(error)} ${error.message}`
      expect(shown).not.toContain("hunter2")
      expect(shown).not.toContain(vector.signature)
      expect(shown).toContain("SignatureMismatch")
    }),
  )
})
