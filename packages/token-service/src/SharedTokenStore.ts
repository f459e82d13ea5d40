/**
 * The seam for a token store shared by several processes (replicas, workers, jobs of one
 * integrator): `TokenService` keeps its in-process cache in front, and consults the shared
 * store only when a key misses, nears renewal or was invalidated elsewhere. With no store in
 * context (the default) every process requests its own tokens.
 *
 * An implementation lives in its own package (`@effect-mobilepay/token-store-redis`), so that
 * this one installs nothing store-specific.
 *
 * @since 0.2.0
 */
import type { AccessToken, TokenError } from "@effect-mobilepay/core"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"

/**
 * Which API's tokens a key holds: PoS V10's (`TokenService`, keyed by merchant VAT) or the
 * Access Token API's (`AccessTokenService`, keyed by Merchant Serial Number). A store keeps
 * the kinds apart, so that one is never served as the other.
 *
 * @since 0.2.0
 * @category models
 */
export type TokenKind = "posV10" | "accessToken"

/**
 * What is stored per key: one kind of token, one client and one merchant (or the unbound
 * token).
 *
 * @since 0.2.0
 * @category models
 */
export interface Key {
  readonly kind: TokenKind
  readonly clientId: string
  /**
   * The merchant: its VAT for `posV10`, its Merchant Serial Number for `accessToken`; or
   * `undefined` for the unbound token.
   */
  readonly merchant: string | undefined
}

/**
 * The failure of a key's last request, with the moment until which nobody should ask the token
 * endpoint again for that key.
 *
 * @since 0.2.0
 * @category models
 */
export interface Failure {
  readonly error: TokenError.TokenError
  /** Epoch milliseconds (by the `Clock`) when the backoff is over. */
  readonly until: number
  /** Failures in a row, for the doubling backoff. */
  readonly count: number
}

/**
 * What the store holds for a key: its latest token and the failure of its last request, each
 * if any (a value that does not decrypt or decode counts as none).
 *
 * @since 0.2.0
 * @category models
 */
export interface Stored {
  readonly token: Option.Option<AccessToken.AccessToken>
  readonly failure: Option.Option<Failure>
}

/**
 * The right to request a token for a key on behalf of every process, until it expires (so
 * that a holder that crashed blocks the others no longer than the lease).
 *
 * @since 0.2.0
 * @category models
 */
export interface Lease {
  readonly key: Key
  /** A random id: only the holder can release the lease or write under it. */
  readonly id: string
  /**
   * How long the lease lasts from when it was taken or last extended, in milliseconds: the
   * holder extends it well within this while its request runs.
   */
  readonly millis: number
}

/**
 * What another process changed, as the store publishes it: a new state for a
 * key, or a token that met a 401, named by its fingerprint, with its issue time when the store
 * knows it (every token of the key issued before it is dead too).
 *
 * @since 0.2.0
 * @category models
 */
export type Change =
  | { readonly _tag: "Stored"; readonly key: Key }
  | {
      readonly _tag: "Deleted"
      readonly key: Key
      readonly fingerprint: string
      /** Epoch ms when the token was issued: tokens of the key issued earlier are dead too. */
      readonly issuedAt?: number | undefined
    }

/**
 * The shared store could not be used (unreachable, too slow, refused the command). The
 * `TokenService` then serves from its own cache and requests, and tries the store again later.
 *
 * @since 0.2.0
 * @category errors
 */
export class TokenStoreUnavailable extends Schema.TaggedError<TokenStoreUnavailable>()(
  "TokenStoreUnavailable",
  {
    /** The store operation that failed, e.g. `get` or `acquire`. */
    operation: Schema.String,
    /** Why, without secrets: the client's description of the failure. */
    reason: Schema.String,
  },
) {
  override get message(): string {
    return `The shared token store is unavailable (${this.operation}): ${this.reason}`
  }
}

/**
 * @since 0.2.0
 * @category models
 */
export declare namespace SharedTokenStore {
  /**
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /** What the store holds for the key. */
    readonly get: (key: Key) => Effect.Effect<Stored, TokenStoreUnavailable>
    /** Takes the key's lease if nobody holds it; none when another process does. */
    readonly acquire: (key: Key) => Effect.Effect<Option.Option<Lease>, TokenStoreUnavailable>
    /**
     * Stores the token the holder got (until it expires) unless the key holds one issued
     * later, clears the key's failure, publishes `Stored` and releases the lease. Like `putFailure`, `extend` and `release`, it finishes
     * a lease: a store that refuses lookups for a while after a failure still tries it.
     */
    readonly put: (
      lease: Lease,
      token: AccessToken.AccessToken,
    ) => Effect.Effect<void, TokenStoreUnavailable>
    /** Stores the failure of the holder's request (until its backoff is over), publishes `Stored` and releases the lease. */
    readonly putFailure: (
      lease: Lease,
      failure: Failure,
    ) => Effect.Effect<void, TokenStoreUnavailable>
    /**
     * Extends the lease by its full length if it is still held under its id: a holder whose
     * request is slow keeps it, and only a holder that died lets it lapse. Returns whether it
     * was still held.
     * @since 0.2.0
     */
    readonly extend: (lease: Lease) => Effect.Effect<boolean, TokenStoreUnavailable>
    /** Releases the lease if it is still held under its id. */
    readonly release: (lease: Lease) => Effect.Effect<void, TokenStoreUnavailable>
    /**
     * After a 401 on `token`: deletes the key's token if it is `token` or was issued before it
     * (a 401 on an old token never drops a newer one), and publishes `Deleted` for `token`
     * either way, so that every process drops its copies of it and of older tokens. Returns
     * whether it deleted.
     */
    readonly compareAndDelete: (
      key: Key,
      token: AccessToken.AccessToken,
    ) => Effect.Effect<boolean, TokenStoreUnavailable>
    /** Names a token in `Deleted` changes without revealing it (a one-way hash). */
    readonly fingerprint: (token: AccessToken.AccessToken) => string
    /** Every change published by the other processes, while subscribed. */
    readonly changes: Stream.Stream<Change>
  }
}

/**
 * A token store shared by the processes of one integrator. Provide one to
 * `TokenService.layer` to share tokens across processes; leave it out to keep each process
 * on its own.
 *
 * @since 0.2.0
 * @category tags
 */
export class SharedTokenStore extends Context.Tag(
  "@effect-mobilepay/token-service/SharedTokenStore",
)<SharedTokenStore, SharedTokenStore.Service>() {}
