/**
 * @since 0.2.0
 */
export * as RedisTokenStore from "./RedisTokenStore.js"
