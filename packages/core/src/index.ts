/**
 * @since 0.1.0
 */
export * as AccessToken from "./AccessToken.js"
export * as ClientCredentials from "./ClientCredentials.js"
export * as Domain from "./Domain.js"
export * as DurationOption from "./DurationOption.js"
export * as Environment from "./Environment.js"
export * as InvalidInput from "./InvalidInput.js"
export * as MobilePayConfig from "./MobilePayConfig.js"
export * as RetryPolicy from "./RetryPolicy.js"
export * as TokenClient from "./TokenClient.js"
export * as TokenError from "./TokenError.js"
export * as Untrusted from "./Untrusted.js"
