/**
 * Points the official `@vippsmobilepay/sdk` at a loopback server without changing it. The SDK
 * takes no base URL: it builds `https://apitest.vipps.no` (with `useTestMode`) or
 * `https://api.vipps.no` into every `Request` and sends it with the global `fetch`. Node's
 * `fetch` sends through undici's global dispatcher, so this installs one that hands the
 * requests for the SDK's test host to a keep-alive pool on the loopback server (plain HTTP, as
 * every other variant talks) and everything else to the dispatcher that was there before.
 */
import { Dispatcher, getGlobalDispatcher, Pool, setGlobalDispatcher } from "undici"

/** The origin the SDK sends to with `useTestMode: true`. */
export const sdkTestOrigin = "https://apitest.vipps.no"

class SdkRoute extends Dispatcher {
  private target: { readonly origin: string; readonly pool: Pool } | undefined

  constructor(private readonly fallback: Dispatcher) {
    super()
  }

  /** Sends the SDK's requests to `origin` from now on (a new pool; the old one is closed). */
  async to(origin: string): Promise<void> {
    const previous = this.target
    this.target = { origin, pool: new Pool(origin) }
    await previous?.pool.close()
  }

  override dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    const target = this.target
    return target !== undefined && String(options.origin) === sdkTestOrigin
      ? target.pool.dispatch({ ...options, origin: target.origin }, handler)
      : this.fallback.dispatch(options, handler)
  }

  override close(): Promise<void> {
    const target = this.target
    this.target = undefined
    setGlobalDispatcher(this.fallback)
    return target === undefined ? Promise.resolve() : target.pool.close()
  }
}

export interface Route {
  /** Sends the SDK's requests to `origin` (a loopback server's) from now on. */
  readonly to: (origin: string) => Promise<void>
  /** Puts the previous global dispatcher back. */
  readonly close: () => Promise<void>
}

/** Installs the route (once per process, until closed). */
export const routeSdk = (): Route => {
  const route = new SdkRoute(getGlobalDispatcher())
  setGlobalDispatcher(route)
  return { to: (origin) => route.to(origin), close: () => route.close() }
}
