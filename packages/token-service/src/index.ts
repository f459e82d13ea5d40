export * as SharedTokenStore from "./SharedTokenStore.js"
export * as TokenService from "./TokenService.js"
