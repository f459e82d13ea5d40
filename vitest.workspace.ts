// The one list of the test projects (`vitest.config.ts` runs exactly these). Every package is a
// project with its own `vitest.config.ts` (its name is what `--project` takes); pos and epayment
// run a second time on @effect-mobilepay/node's UndiciHttpClient (`pos-undici`,
// `epayment-undici`: the transport enforcing the deadlines) beside @effect-mobilepay/platform-node's
// client (the pipeline enforcing them, as on any HttpClient).
//
// Two groups, one after the other:
// - first, everything that runs on the TestClock or measures nothing in real time, two files
//   at a time (one per core), in workers that keep the modules they loaded from one file to
//   the next (`isolate: false`: loading Effect and the platform again for each of ~150 files
//   was half of the suite's time; no test relies on a fresh module, and each builds its own
//   layers). So that a worker holds one project's modules, Vitest then runs one project at a
//   time, the next when the last file of this one has ended: a project's long files start
//   first (vitest.config.ts), and a long file keeps both cores busy where it can (examples);
// - then the fleet tests, alone on the machine: processes that share tokens through Redis
//   under injected event-loop stalls, whose premise (deadlines that hold when the machine
//   can answer) a second busy worker would break.
import type { TestProjectConfiguration } from "vitest/config"

const fleet = ["test/Fleet.test.ts", "test/BusyFleet.test.ts"]

const pkg = (dir: string, test: Record<string, unknown> = {}): TestProjectConfiguration => ({
  extends: `./${dir}/vitest.config.ts`,
  test: { root: `./${dir}`, ...test },
})

export default [
  pkg("packages/core"),
  pkg("packages/token-service"),
  pkg("packages/sale"),
  pkg("packages/token-store-redis", { exclude: fleet }),
  pkg("packages/pos"),
  pkg("packages/pos", { name: "pos-undici", provide: { transport: "undici" } }),
  pkg("packages/epayment"),
  pkg("packages/epayment", { name: "epayment-undici", provide: { transport: "undici" } }),
  pkg("packages/journal-sql"),
  pkg("packages/node"),
  pkg("packages/sandbox"),
  pkg("examples"),
  // Each fleet file in a group of its own: alone on the machine.
  ...fleet.map((file, index) => ({
    test: {
      name: `token-store-redis-${file.slice("test/".length, -".test.ts".length)}`,
      root: "./packages/token-store-redis",
      include: [file],
      sequence: { groupOrder: index + 1 },
    },
  })),
] satisfies ReadonlyArray<TestProjectConfiguration>
