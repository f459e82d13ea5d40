export * as Observe from "./Observe.js"
export * as Time from "./Time.js"
export * as TokenEndpoint from "./TokenEndpoint.js"
export * as Services from "./Services.js"
