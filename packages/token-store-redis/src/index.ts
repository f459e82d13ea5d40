/**
 * `@effect-mobilepay/token-store-redis`: one token per merchant for a whole fleet of processes,
 * shared through Redis.
 *
 * @since 0.2.0
 */

/**
 * The shared token store on Redis: encrypted values, a leased lock, published changes.
 *
 * @since 0.2.0
 */
export * as RedisTokenStore from "./RedisTokenStore.js"
