/**
 * The external services some suites need, as the root global setup (`vitest.services.ts`)
 * found them: a URL when the service answered, `undefined` when it did not (the suite is then
 * skipped, and the run says so in one line; `.ci/run` makes a missing service fatal instead).
 */
import { inject } from "vitest"

declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL URL for the journal suites, or null when none is reachable. */
    postgresUrl: string | null
    /** The Redis URL for the fleet token-store suites, or null when none is reachable. */
    redisUrl: string | null
  }
}

/** PostgreSQL (`MOBILEPAY_TEST_POSTGRES_URL`, default the local `test` database). */
export const postgresUrl = (): string | undefined => inject("postgresUrl") ?? undefined

/** Redis (`MOBILEPAY_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`). */
export const redisUrl = (): string | undefined => inject("redisUrl") ?? undefined
