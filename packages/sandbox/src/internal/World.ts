/**
 * Everything the handlers of one sandbox share: its seed, signing key, options, seed data and
 * the `Ref` holding its state. Built once per `Sandbox.layer`, so two sandboxes never share state.
 */
import { Clock, Effect, Either, Ref } from "effect"
import type {
  IntegratorClient,
  Merchant,
  PlatformUser,
  SalesUnit,
  Store,
  TestUser,
} from "../SeedData.js"
import type { SigningKey } from "./Jwt.js"
import { settle, type State } from "./State.js"

export interface World {
  readonly seed: string
  readonly key: SigningKey
  readonly tokenLifetimeSeconds: number
  readonly pollDelayInMs: number
  readonly clients: ReadonlyArray<IntegratorClient>
  readonly merchants: ReadonlyArray<Merchant>
  readonly users: ReadonlyArray<TestUser>
  readonly state: Ref.Ref<State>
  /** The Vipps MobilePay platform's sales units and test users. */
  readonly salesUnits: ReadonlyArray<SalesUnit>
  readonly platformUsers: ReadonlyArray<PlatformUser>
  /** Lifetime of Access Token API tokens, in seconds. */
  readonly accessTokenLifetimeSeconds: number
  /** ePayment rate limits per minute (§8): modifications per reference + MSN, gets per reference + key. */
  readonly rateLimits: { readonly modifications: number; readonly gets: number }
  /** Wakes the webhook deliverer after a change that may have queued events. */
  readonly notify: Effect.Effect<void>
  /**
   * Tells the page's live views that something changed: the state, the request log, the
   * webhook deliveries, the fault rules or the clock.
   */
  readonly changed: Effect.Effect<void>
}

/**
 * Runs one atomic step on the state, after applying what time did (expiries) at the current
 * `Clock` time. A refusal leaves the state as it was (expiries aside).
 */
export const transact = <A, E>(
  world: World,
  step: (state: State, now: number) => Either.Either<readonly [A, State], E>,
): Effect.Effect<A, E> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.flatMap(
      Ref.modify(
        world.state,
        (current): readonly [readonly [Either.Either<A, E>, boolean], State] => {
          const settled = settle(current, now)
          const result = step(settled, now)
          const next = Either.isRight(result) ? result.right[1] : settled
          return [
            [
              Either.isRight(result) ? Either.right(result.right[0]) : Either.left(result.left),
              next !== current,
            ],
            next,
          ]
        },
      ),
      ([result, changed]) => (changed ? Effect.zipRight(world.changed, result) : result),
    ),
  )

/** Reads the state as it is now, expiries applied. */
export const snapshot = (world: World): Effect.Effect<State> =>
  transact(world, (state) => Either.right([state, state] as const))

export const findStore = (
  world: World,
  storeId: string,
): { readonly store: Store; readonly merchant: Merchant } | undefined => {
  for (const merchant of world.merchants) {
    for (const store of merchant.stores) {
      if (store.storeId.toLowerCase() === storeId.toLowerCase()) return { store, merchant }
    }
  }
  return undefined
}

export const isStoreActivated = (state: State, store: Store): boolean =>
  state.storeActivation.get(store.storeId) ?? store.activated

export const findUser = (world: World, phoneNumber: string): TestUser | undefined =>
  world.users.find((user) => user.phoneNumber === phoneNumber.replace(/\s/g, ""))

export const salesUnitByClientId = (world: World, clientId: string): SalesUnit | undefined =>
  world.salesUnits.find((unit) => unit.clientId === clientId)

export const salesUnitByMsn = (world: World, msn: string): SalesUnit | undefined =>
  world.salesUnits.find((unit) => unit.msn === msn)

export const platformUserByPhone = (world: World, phoneNumber: string): PlatformUser | undefined =>
  world.platformUsers.find((user) => user.phoneNumber === phoneNumber)

export const platformUserByPersonalQr = (world: World, text: string): PlatformUser | undefined =>
  world.platformUsers.find((user) => user.personalQr === text)
