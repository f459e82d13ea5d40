/**
 * TokenService's contract (the same file token-service runs against its in-process store),
 * run against the cache in front of Redis. Time is the TestClock; Redis is real.
 */
import { Services } from "@effect-mobilepay/test-support"
import { describe } from "@effect/vitest"
import { Effect, Option } from "effect"
import { accessToken, contract } from "../../token-service/test/support/Contract.js"
import { isolatedPrefix, storeLayer } from "./support/Redis.js"

const redisUrl = Services.redisUrl()

describe.skipIf(redisUrl === undefined)("on Redis", () => {
  const url = redisUrl ?? ""
  contract(
    "Redis store",
    Effect.map(isolatedPrefix(url), (keyPrefix) =>
      Option.some(storeLayer({ redisUrl: url, keyPrefix })),
    ),
  )
})

describe.skipIf(redisUrl === undefined)("AccessTokenService on Redis", () => {
  const url = redisUrl ?? ""
  contract(
    "Redis store",
    Effect.map(isolatedPrefix(url), (keyPrefix) =>
      Option.some(storeLayer({ redisUrl: url, keyPrefix })),
    ),
    accessToken,
  )
})
