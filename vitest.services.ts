// Finds the external services some suites need (PostgreSQL for the payment journal, Redis for
// the fleet token store) and hands their URLs to the tests. A suite whose service is missing
// is skipped, and this prints one line saying so; with MOBILEPAY_TEST_REQUIRE_SERVICES=1 (as
// .ci/run sets it) a missing service fails the run instead.
import { connect } from "node:net"
import type { TestProject } from "vitest/node"

interface Service {
  readonly key: "postgresUrl" | "redisUrl"
  readonly name: string
  readonly variable: string
  readonly fallback: string
  readonly defaultPort: number
}

const services: ReadonlyArray<Service> = [
  {
    key: "postgresUrl",
    name: "PostgreSQL",
    variable: "MOBILEPAY_TEST_POSTGRES_URL",
    fallback: "postgres://postgres@127.0.0.1:5432/test",
    defaultPort: 5432,
  },
  {
    key: "redisUrl",
    name: "Redis",
    variable: "MOBILEPAY_TEST_REDIS_URL",
    fallback: "redis://127.0.0.1:6379",
    defaultPort: 6379,
  },
]

const reachable = (url: string, defaultPort: number): Promise<boolean> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url)
    const socket = connect({
      host: hostname.replace(/^\[|\]$/g, ""),
      port: Number(port || defaultPort),
    })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })

export default async function setup(project: TestProject): Promise<void> {
  const required = process.env["MOBILEPAY_TEST_REQUIRE_SERVICES"] === "1"
  const missing: Array<string> = []
  for (const service of services) {
    const url = process.env[service.variable] || service.fallback
    const ok = await reachable(url, service.defaultPort)
    project.provide(service.key, ok ? url : null)
    if (!ok) missing.push(`${service.name} at ${url} (set ${service.variable} to change it)`)
  }
  if (missing.length === 0) return
  if (required) {
    throw new Error(`MOBILEPAY_TEST_REQUIRE_SERVICES=1 but unreachable: ${missing.join(", ")}`)
  }
  process.stdout.write(`skipped: the suites that need ${missing.join(" and ")}: not reachable\n`)
}
