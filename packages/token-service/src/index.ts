export * as TokenService from "./TokenService.js"
