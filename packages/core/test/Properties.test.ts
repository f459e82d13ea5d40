/**
 * Properties of what a caller gives `core`: the domain schemas encode and decode to
 * themselves; an invalid merchant VAT, client id, timeout, size limit or retry option fails
 * with `InvalidInput` naming it, and no token request leaves the process.
 */
import {
  ClientCredentials,
  Domain,
  DurationOption,
  Environment,
  RetryPolicy,
  TokenClient,
} from "@effect-mobilepay/core"
import { NodeHttpClient } from "@effect/platform-node"
import { TokenEndpoint } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Duration, Effect, Either, FastCheck as fc, Schema } from "effect"

// What a JavaScript caller, or values read from configuration, can pass where the types say
// otherwise.
const untyped = <A>(value: unknown): A => value as A

describe("valid input encodes and decodes to itself", () => {
  const schemas: ReadonlyArray<readonly [string, Schema.Schema.AnyNoContext]> = [
    ["MerchantVat", Domain.MerchantVat],
    ["ClientId", Domain.ClientId],
    ["ClientSystemVersion", Domain.ClientSystemVersion],
    ["Text36", Domain.Text36],
    ["Guid", Domain.Guid],
  ]
  for (const [name, schema] of schemas) {
    it(name, () => {
      const encode = Schema.encodeSync(schema)
      const decode = Schema.decodeUnknownSync(schema)
      fc.assert(
        fc.property(Arbitrary.make(schema), (value) => {
          expect(decode(JSON.parse(JSON.stringify(encode(value))))).toEqual(value)
        }),
        { numRuns: 300 },
      )
    })
  }
})

const badVat = fc.oneof(
  fc.string({ maxLength: 12 }).filter((s) => !/^(DK|FI)\d{8}$/.test(s)),
  fc.stringMatching(/^(DK|FI)\d{8}$/).map((vat) => ` ${vat}`),
  fc.stringMatching(/^(dk|fi|SE)\d{8}$/),
)
const badClientId = fc.oneof(
  fc.constant(""),
  fc.tuple(fc.string(), fc.string()).map(([a, b]) => `${a}:${b}`),
  fc
    .tuple(fc.string(), fc.constantFrom("\n", "\r", "\u0000", "\u007f", "Š", "🙂"))
    .map(([a, c]) => `${a}${c}`),
)
const badDuration = fc.oneof(
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, "0 millis", "soon", "5 secs", null, {}),
  fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
  fc.integer({ min: 1, max: 10_000 }).map((n) => `-${n} seconds`),
  fc.string().filter((s) => Either.isLeft(DurationOption.decode("t", s))),
)

describe("invalid input is InvalidInput with no token request", () => {
  it.scoped("merchantVat on requestToken", () =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make(() =>
        TokenEndpoint.respond(200, TokenEndpoint.tokenBody()),
      )
      const client = yield* TokenClient.make({
        credentials: yield* ClientCredentials.make({ clientId: "id", clientSecret: "secret" }),
        environment: Environment.custom({ authUrl: endpoint.authUrl, posUrl: "http://x" }),
      })
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(badVat, async (merchantVat) => {
            const result = await Effect.runPromise(
              Effect.either(client.requestToken({ merchantVat })),
            )
            expect(Either.isLeft(result) && result.left).toMatchObject({
              _tag: "InvalidInput",
              field: "merchantVat",
            })
          }),
          { numRuns: 300 },
        ),
      )
      expect(yield* endpoint.received).toHaveLength(0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.effect("clientId of ClientCredentials", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(badClientId, async (clientId) => {
          const result = await Effect.runPromise(
            Effect.either(ClientCredentials.make({ clientId, clientSecret: "secret" })),
          )
          expect(Either.isLeft(result) && result.left).toMatchObject({
            _tag: "InvalidInput",
            field: "clientId",
          })
        }),
        { numRuns: 300 },
      ),
    ),
  )

  it.scoped("timeout and maxResponseBytes of TokenClient", () =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make(() =>
        TokenEndpoint.respond(200, TokenEndpoint.tokenBody()),
      )
      const credentials = yield* ClientCredentials.make({ clientId: "id", clientSecret: "s" })
      const environment = Environment.custom({ authUrl: endpoint.authUrl, posUrl: "http://x" })
      const badOption = fc.oneof(
        badDuration.map((value) => ["timeout", value] as const),
        fc
          .oneof(
            fc.constantFrom(0, -1, 1.5, Number.NaN, Infinity, "1024", null),
            fc.integer({ max: 0 }),
          )
          .map((value) => ["maxResponseBytes", value] as const),
      )
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(badOption, async ([name, value]) => {
            const result = await Effect.runPromise(
              Effect.either(
                TokenClient.make({ credentials, environment, [name]: untyped(value) }).pipe(
                  Effect.provide(NodeHttpClient.layerUndici),
                ),
              ),
            )
            expect(Either.isLeft(result) && result.left).toMatchObject({
              _tag: "InvalidInput",
              field: name,
            })
          }),
          { numRuns: 300 },
        ),
      )
      expect(yield* endpoint.received).toHaveLength(0)
    }),
  )

  it("the options of RetryPolicy.decode", () => {
    const badOption = fc.oneof(
      fc
        .tuple(fc.constantFrom("baseDelay", "maxDelay", "maxRetryAfter"), badDuration)
        .filter(([, value]) => value !== 0 && value !== "0 millis"),
      fc.tuple(fc.constant("retries"), fc.constantFrom(Number.NaN, "2", null)),
    )
    fc.assert(
      fc.property(badOption, ([name, value]) => {
        const result = RetryPolicy.decode({ [name]: untyped(value) })
        expect(Either.isLeft(result) && result.left).toMatchObject({
          _tag: "InvalidInput",
          field: name,
        })
      }),
      { numRuns: 300 },
    )
  })
})

describe("DurationOption", () => {
  it("reads every non-negative finite number of milliseconds and every 'N unit' string", () => {
    const units = ["millis", "seconds", "minutes", "hours"] as const
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 1, max: 10 ** 9 }).map((n) => [n, n] as const),
          fc
            .tuple(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(...units))
            .map(
              ([n, unit]) =>
                [`${n} ${unit}`, Duration.toMillis(Duration.decode(`${n} ${unit}`))] as const,
            ),
        ),
        ([input, millis]) => {
          const result = DurationOption.decode("t", input)
          expect(Either.isRight(result) && Duration.toMillis(result.right)).toBe(millis)
        },
      ),
      { numRuns: 300 },
    )
  })
})
