import {
  AccessTokenClient,
  SalesUnitCredentials,
  VippsConfig,
  VippsEnvironment,
  VippsSystem,
} from "@effect-mobilepay/core"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import {
  Config,
  ConfigProvider,
  DateTime,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Redacted,
} from "effect"
import { Observe, Time, TokenEndpoint } from "@effect-mobilepay/test-support"

const clientId = "fb492b5e-7907-4d83-ba20-c7fb60ca35de"
const clientSecret = "Y8Kteew6GE2ZmeycEt6egg=="
const subscriptionKey = "da7d5b0e18a84aeda961c0c31b75c2a9"
const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYWxlcy11bml0In0.c2lnbmF0dXJlLXZpcHBz"

// An answer as the Access Token API writes it: every field a string.
const answer = (overrides: Record<string, unknown> = {}) => ({
  token_type: "Bearer",
  expires_in: "3600",
  ext_expires_in: "0",
  expires_on: "1547823408",
  not_before: "1547819808",
  resource: "00000002-0000-0000-c000-000000000000",
  access_token: jwt,
  ...overrides,
})

const baseUrlOf = (endpoint: TokenEndpoint.TokenEndpoint) =>
  endpoint.authUrl.replace(/\/integrator-authentication$/, "")

const setup = (
  script: (index: number, request: TokenEndpoint.ReceivedRequest) => TokenEndpoint.Reply,
  options: Omit<AccessTokenClient.Options, "credentials" | "environment"> = {},
) =>
  Effect.gen(function* () {
    const endpoint = yield* TokenEndpoint.make(script)
    const credentials = yield* SalesUnitCredentials.make({
      clientId,
      clientSecret: Redacted.make(clientSecret),
      subscriptionKey: Redacted.make(subscriptionKey),
    })
    const client = yield* AccessTokenClient.make({
      ...options,
      credentials,
      environment: VippsEnvironment.custom(`${baseUrlOf(endpoint)}/`),
    })
    return { endpoint, client, credentials }
  })

const always = (reply: TokenEndpoint.Reply) => (): TokenEndpoint.Reply => reply

describe("AccessTokenClient.requestToken", () => {
  it.scoped("sends POST /accesstoken/get with an empty body and the keys in headers", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(always(TokenEndpoint.respond(200, answer())), {
        system: new VippsSystem.VippsSystem({
          name: VippsSystem.SystemValue.make("acme-pos"),
          version: VippsSystem.SystemValue.make("3.2.1"),
          pluginName: VippsSystem.SystemValue.make("acme-pos"),
          pluginVersion: VippsSystem.SystemValue.make("3.2.1"),
        }),
      })
      const token = yield* client.requestToken({ merchantSerialNumber: "123456" })

      const [request] = yield* endpoint.received
      expect(request?.method).toBe("POST")
      expect(request?.path).toBe("/accesstoken/get")
      expect(request?.body).toBe("")
      expect(request?.headers["client_id"]).toBe(clientId)
      expect(request?.headers["client_secret"]).toBe(clientSecret)
      expect(request?.headers["ocp-apim-subscription-key"]).toBe(subscriptionKey)
      expect(request?.headers["merchant-serial-number"]).toBe("123456")
      expect(request?.headers["vipps-system-name"]).toBe("acme-pos")
      expect(request?.headers["vipps-system-version"]).toBe("3.2.1")
      expect(request?.headers["vipps-system-plugin-name"]).toBe("acme-pos")
      expect(request?.headers["vipps-system-plugin-version"]).toBe("3.2.1")
      // Not V10's OAuth form post, and no trace context leaves for Vipps MobilePay.
      expect(request?.headers["authorization"]).toBeUndefined()
      expect(request?.headers["content-type"]).toBeUndefined()
      expect(request?.headers["traceparent"]).toBeUndefined()

      expect(Redacted.value(token.value)).toBe(jwt)
      expect(token.tokenType).toBe("Bearer")
      expect(token.merchantSerialNumber).toBe("123456")
      expect(Option.isNone(token.merchantVat)).toBe(true)
      // it.scoped runs on the TestClock, which starts at 0.
      expect(DateTime.toEpochMillis(token.issuedAt)).toBe(0)
      expect(DateTime.toEpochMillis(token.expiresAt)).toBe(3_600_000)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("sends no optional header it was not given", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(always(TokenEndpoint.respond(200, answer())))
      const token = yield* client.requestToken()
      const [request] = yield* endpoint.received
      const names = Object.keys(request?.headers ?? {})
      expect(names.filter((name) => name.startsWith("vipps-system-"))).toEqual([])
      expect(names).not.toContain("merchant-serial-number")
      expect(token.merchantSerialNumber).toBeUndefined()
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  const lifetimes: ReadonlyArray<readonly [string, Record<string, unknown>, number]> = [
    ["expires_in as a string (production: 24 h)", { expires_in: "86398" }, 86_398_000],
    ["expires_in as a number", { expires_in: 3599 }, 3_599_000],
    [
      "expires_on - not_before when expires_in is missing",
      { expires_in: undefined, expires_on: "1547823408", not_before: 1547819808 },
      3_600_000,
    ],
  ]
  for (const [name, fields, millis] of lifetimes) {
    it.scoped(`reads the lifetime from ${name}`, () =>
      Effect.gen(function* () {
        const { client } = yield* setup(always(TokenEndpoint.respond(200, answer(fields))))
        const token = yield* client.requestToken()
        expect(Duration.toMillis(token.expiresIn)).toBe(millis)
        expect(DateTime.toEpochMillis(token.expiresAt)).toBe(millis)
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }

  it.scoped("counts expires_on alone against the clock when the request was sent", () =>
    Effect.gen(function* () {
      const { client } = yield* setup(
        always(
          TokenEndpoint.respond(
            200,
            answer({ expires_in: undefined, not_before: undefined, expires_on: "7200" }),
          ),
        ),
      )
      const token = yield* client.requestToken()
      expect(DateTime.toEpochMillis(token.expiresAt)).toBe(7_200_000)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )
})

describe("AccessTokenClient failures", () => {
  it.scoped("401 is InvalidClientCredentials after exactly one request", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(
        always(TokenEndpoint.respond(401, { error: "unauthorized_client" })),
      )
      const error = yield* Effect.flip(client.requestToken())
      expect(error).toMatchObject({ _tag: "InvalidClientCredentials", status: 401, clientId })
      expect(yield* endpoint.received).toHaveLength(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("503, 503, 200 gives a token after three requests, backing off in between", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup((index) =>
        index < 2 ? TokenEndpoint.respond(503, "busy") : TokenEndpoint.respond(200, answer()),
      )
      const fiber = yield* Effect.fork(client.requestToken())
      const arrival1 = yield* endpoint.nextArrival
      const first = yield* Time.advanceToSleepAfter(arrival1, "1 second")
      const arrival2 = yield* endpoint.nextArrival
      const second = yield* Time.advanceToSleepAfter(arrival2, "1 second")
      const token = yield* Fiber.join(fiber)
      expect(Redacted.value(token.value)).toBe(jwt)
      expect(yield* endpoint.received).toHaveLength(3)
      expect(Duration.toMillis(first)).toBeGreaterThanOrEqual(160)
      expect(Duration.toMillis(second)).toBeGreaterThanOrEqual(320)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("429 waits at least as long as Retry-After says", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(
        (index) =>
          index === 0
            ? TokenEndpoint.respond(429, "", { "retry-after": "3" })
            : TokenEndpoint.respond(200, answer()),
        { timeout: "1 hour" },
      )
      const fiber = yield* Effect.fork(client.requestToken())
      const arrival3 = yield* endpoint.nextArrival
      const waited = yield* Time.advanceToSleepAfter(arrival3, "5 seconds")
      yield* Fiber.join(fiber)
      expect(Duration.toMillis(waited)).toBeGreaterThanOrEqual(3_000)
      expect(yield* endpoint.received).toHaveLength(2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a reset connection is retried, then is TokenEndpointUnreachable", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(always({ _tag: "Reset" }))
      const fiber = yield* Effect.fork(Effect.flip(client.requestToken()))
      const arrival4 = yield* endpoint.nextArrival
      yield* Time.advanceToSleepAfter(arrival4, "1 second")
      const arrival5 = yield* endpoint.nextArrival
      yield* Time.advanceToSleepAfter(arrival5, "1 second")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "TokenEndpointUnreachable", reason: "Transport" })
      expect(yield* endpoint.received).toHaveLength(3)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("a hanging endpoint times out after 5 seconds by default and is retried", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup((index) =>
        index === 0 ? TokenEndpoint.hang : TokenEndpoint.respond(200, answer()),
      )
      const fiber = yield* Effect.fork(client.requestToken())
      yield* endpoint.nextArrival
      expect(Duration.toMillis(yield* Time.advanceToSleepWithin("5 seconds"))).toBe(5_000)
      yield* Time.advanceToSleepWithin("1 second")
      yield* Fiber.join(fiber)
      expect(yield* endpoint.received).toHaveLength(2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("400 with an error body is TokenRequestRejected, not retried", () =>
    Effect.gen(function* () {
      const { endpoint, client } = yield* setup(
        always(
          TokenEndpoint.respond(400, {
            error: "invalid_request",
            error_description: "Merchant-Serial-Number not linked",
          }),
        ),
      )
      const error = yield* Effect.flip(client.requestToken())
      expect(error).toMatchObject({
        _tag: "TokenRequestRejected",
        status: 400,
        error: "invalid_request",
        errorDescription: "Merchant-Serial-Number not linked",
      })
      expect(yield* endpoint.received).toHaveLength(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  const malformed: ReadonlyArray<readonly [string, unknown]> = [
    ["a body that is not JSON", "<html>oops</html>"],
    ["a JSON array", [1, 2]],
    ["no access_token", answer({ access_token: undefined })],
    ["an access_token with a line break", answer({ access_token: "abc\r\nX-Evil: 1" })],
    ["expires_in that is not a number", answer({ expires_in: "soon" })],
    ["expires_in of 0", answer({ expires_in: "0" })],
    ["a fractional expires_in", answer({ expires_in: "1.5" })],
    ["a token_type other than Bearer", answer({ token_type: "mac" })],
    [
      "no lifetime at all",
      answer({ expires_in: undefined, expires_on: undefined, not_before: undefined }),
    ],
  ]
  for (const [name, body] of malformed) {
    it.scoped(`${name} is MalformedTokenResponse, not retried`, () =>
      Effect.gen(function* () {
        const { endpoint, client } = yield* setup(always(TokenEndpoint.respond(200, body)))
        const error = yield* Effect.flip(client.requestToken())
        expect(error._tag).toBe("MalformedTokenResponse")
        expect(yield* endpoint.received).toHaveLength(1)
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }

  for (const msn of ["12", "12345678901", "12a456", " 123456"]) {
    it.scoped(`MSN ${JSON.stringify(msn)} fails with InvalidInput and sends nothing`, () =>
      Effect.gen(function* () {
        const { endpoint, client } = yield* setup(always(TokenEndpoint.respond(200, answer())))
        const error = yield* Effect.flip(client.requestToken({ merchantSerialNumber: msn }))
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "merchantSerialNumber" })
        expect(yield* endpoint.received).toHaveLength(0)
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }
})

describe("the client secret, the subscription key and the token", () => {
  // A hostile server echoes what it received: in its body, in headers, in a correlation id.
  const echo = (status: number) => (_: number, request: TokenEndpoint.ReceivedRequest) =>
    TokenEndpoint.respond(
      status,
      JSON.stringify({
        error: `bad ${String(request.headers["client_secret"])}`,
        error_description: `key ${String(request.headers["ocp-apim-subscription-key"])} ${jwt}`,
        access_token: status === 200 ? 42 : jwt,
      }),
      {
        "content-type": "application/json",
        "x-correlation-id": `${String(request.headers["client_secret"])}`,
        "x-echo-key": String(request.headers["ocp-apim-subscription-key"]),
      },
    )

  for (const status of [200, 400, 401, 404, 503]) {
    it.scoped(
      `appear in no error, log, span or URL when a server echoing them answers ${status}`,
      () =>
        Effect.gen(function* () {
          const { endpoint, client, credentials } = yield* setup(echo(status), {
            retryPolicy: undefined,
          })
          const fiber = yield* Effect.fork(Observe.observe(Effect.flip(client.requestToken())))
          const first = yield* endpoint.nextArrival
          if (status === 503) {
            yield* Time.advanceToSleepAfter(first, "1 second")
            const arrival6 = yield* endpoint.nextArrival
            yield* Time.advanceToSleepAfter(arrival6, "1 second")
          }
          const [error, observed] = yield* Fiber.join(fiber)

          // The request really carried them, so their absence below means something.
          const [request] = yield* endpoint.received
          expect(request?.headers["client_secret"]).toBe(clientSecret)
          expect(request?.headers["ocp-apim-subscription-key"]).toBe(subscriptionKey)
          expect(request?.path).toBe("/accesstoken/get")
          expect(observed.logLines.length).toBeGreaterThan(0)
          expect(observed.spans.map((span) => span.name)).toContain(
            "VippsMobilePay.requestAccessToken",
          )

          const surfaces = [
            String(error),
            JSON.stringify(error),
            error instanceof Error ? (error.stack ?? "") : "",
            ...observed.logLines,
            ...observed.spans.map((span) => span.attributes),
            String(credentials),
            JSON.stringify(credentials),
          ]
          for (const text of surfaces) {
            expect(text).not.toContain(clientSecret)
            expect(text).not.toContain(subscriptionKey)
            expect(text).not.toContain(jwt)
          }
        }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
    )
  }

  it.effect("a secret that cannot be a header is refused without being quoted", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        SalesUnitCredentials.make({
          clientId,
          clientSecret,
          subscriptionKey: "key-with\nnewline-inside",
        }),
      )
      expect(error).toMatchObject({ _tag: "InvalidInput", field: "subscriptionKey" })
      expect(String(error)).not.toContain("newline-inside")
    }),
  )
})

describe("AccessTokenClient.layerConfig", () => {
  const variables = {
    VIPPS_MOBILEPAY_CLIENT_ID: clientId,
    VIPPS_MOBILEPAY_CLIENT_SECRET: clientSecret,
    VIPPS_MOBILEPAY_SUBSCRIPTION_KEY: subscriptionKey,
    VIPPS_MOBILEPAY_SYSTEM_NAME: "acme-pos",
  }
  const withVariables = (map: Record<string, string>) =>
    Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(map))))

  it.scoped("reads the keys, the base URL and the system headers from VIPPS_MOBILEPAY_*", () =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make(always(TokenEndpoint.respond(200, answer())))
      const client = yield* AccessTokenClient.AccessTokenClient.pipe(
        Effect.provide(
          AccessTokenClient.layerConfig().pipe(
            Layer.provide(
              withVariables({ ...variables, VIPPS_MOBILEPAY_BASE_URL: baseUrlOf(endpoint) }),
            ),
          ),
        ),
      )
      yield* client.requestToken()
      const [request] = yield* endpoint.received
      expect(request?.headers["client_id"]).toBe(clientId)
      expect(request?.headers["client_secret"]).toBe(clientSecret)
      expect(request?.headers["ocp-apim-subscription-key"]).toBe(subscriptionKey)
      expect(request?.headers["vipps-system-name"]).toBe("acme-pos")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scoped("takes any option as a Config of the program's own, the rest from the variables", () =>
    Effect.gen(function* () {
      const endpoint = yield* TokenEndpoint.make(always(TokenEndpoint.hang))
      const client = yield* AccessTokenClient.AccessTokenClient.pipe(
        Effect.provide(
          AccessTokenClient.layerConfig({
            environment: Config.string("TILL_VIPPS_HOST").pipe(Config.map(VippsEnvironment.custom)),
            timeout: Config.duration("TILL_TOKEN_TIMEOUT"),
          }).pipe(
            Layer.provide(
              withVariables({
                ...variables,
                TILL_VIPPS_HOST: baseUrlOf(endpoint),
                TILL_TOKEN_TIMEOUT: "750 millis",
              }),
            ),
          ),
        ),
      )
      const fiber = yield* Effect.fork(Effect.flip(client.requestToken()))
      yield* endpoint.nextArrival
      expect(Duration.toMillis(yield* Time.advanceToSleepWithin("5 seconds"))).toBe(750)
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.effect("the environment is test by default, production when asked, custom by URL", () =>
    Effect.gen(function* () {
      const read = (map: Record<string, string>) =>
        Effect.withConfigProvider(
          VippsConfig.environment,
          ConfigProvider.fromMap(new Map(Object.entries(map))),
        )
      expect((yield* read({})).baseUrl).toBe("https://apitest.vipps.no")
      expect((yield* read({ VIPPS_MOBILEPAY_ENVIRONMENT: "production" })).baseUrl).toBe(
        "https://api.vipps.no",
      )
      expect((yield* read({ VIPPS_MOBILEPAY_BASE_URL: "http://127.0.0.1:4010/" })).baseUrl).toBe(
        "http://127.0.0.1:4010",
      )
      // Production and a custom URL together: which was meant cannot be told.
      const both = yield* Effect.flip(
        read({
          VIPPS_MOBILEPAY_ENVIRONMENT: "production",
          VIPPS_MOBILEPAY_BASE_URL: "http://127.0.0.1:4010/",
        }),
      )
      expect(String(both)).toContain("VIPPS_MOBILEPAY_BASE_URL")
    }),
  )

  const badVariables: ReadonlyArray<readonly [string, Record<string, string>]> = [
    ["a malformed MSN", { VIPPS_MOBILEPAY_MSN: "12" }],
    ["an unknown environment", { VIPPS_MOBILEPAY_ENVIRONMENT: "staging" }],
    ["a system name over 30 characters", { VIPPS_MOBILEPAY_SYSTEM_NAME: "x".repeat(31) }],
  ]
  for (const [name, extra] of badVariables) {
    it.effect(`${name} is a ConfigError naming the variable`, () =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(
          Effect.withConfigProvider(
            VippsConfig.config,
            ConfigProvider.fromMap(new Map(Object.entries({ ...variables, ...extra }))),
          ),
        )
        expect(Exit.isFailure(exit)).toBe(true)
        expect(String(exit)).toContain(Object.keys(extra)[0])
      }),
    )
  }

  it.effect("a missing secret is a ConfigError that names it", () =>
    Effect.gen(function* () {
      const { VIPPS_MOBILEPAY_CLIENT_SECRET: _, ...rest } = variables
      const exit = yield* Effect.exit(
        Effect.withConfigProvider(
          VippsConfig.credentials,
          ConfigProvider.fromMap(new Map(Object.entries(rest))),
        ),
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(exit)).toContain("VIPPS_MOBILEPAY_CLIENT_SECRET")
    }),
  )
})
