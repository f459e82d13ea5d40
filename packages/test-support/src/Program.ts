/**
 * A test's child programs (tills, fleet workers, the examples) as JavaScript that plain `node`
 * starts. Run through `tsx`, such a program spends about 1.5 s of CPU loading Effect and the
 * packages' sources module by module before its first line runs; bundled, about 0.2 s. The
 * crash, fleet and example tests start dozens of them, so that was most of their time.
 *
 * The bundle is the program's own source and the workspace packages' sources, transpiled by
 * esbuild as tsx would, with every dependency inside except native addons (`better-sqlite3`),
 * which node loads from where the program's package finds them. Every program in the
 * program's folder is built in one esbuild run (their common code in shared chunks, parsed
 * once), on the first use in a test process, into the package's
 * `node_modules/.cache/test-programs` (ignored by git).
 */
import { Effect } from "effect"
import { build, type Plugin } from "esbuild"
import { existsSync } from "node:fs"
import { mkdir, readdir, rm } from "node:fs/promises"
import { basename, dirname, join, relative } from "node:path"

/**
 * Addons node must load from disk, not from a bundle: imported by the absolute path esbuild
 * resolves for the importing package (under pnpm, only that package can see them by name).
 */
const native: Plugin = {
  name: "native-addons",
  setup: (build) => {
    build.onResolve({ filter: /^better-sqlite3$/ }, async (args) => {
      if (args.pluginData === "native") return undefined
      const found = await build.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: "native",
      })
      return { path: found.path, external: true }
    })
  },
}

/** The nearest folder at or above `dir` with a package.json: the programs' package. */
const packageOf = (dir: string): string =>
  existsSync(join(dir, "package.json")) || dir === dirname(dir) ? dir : packageOf(dirname(dir))

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Builds every `.ts` program in `folder`; the folder the bundles are in. */
const bundleFolder = async (folder: string): Promise<string> => {
  const pkg = packageOf(folder)
  const cache = join(pkg, "node_modules", ".cache", "test-programs")
  const name = relative(pkg, folder).replaceAll("/", "_") || "root"
  // One folder per test process (two test workers may build at once); those of processes
  // that have ended are removed.
  await mkdir(cache, { recursive: true })
  for (const old of await readdir(cache)) {
    const pid = Number(old.slice(name.length + 1))
    if (old.startsWith(`${name}-`) && pid !== process.pid && !isRunning(pid)) {
      await rm(join(cache, old), { recursive: true, force: true })
    }
  }
  const outdir = join(cache, `${name}-${process.pid}`)
  await rm(outdir, { recursive: true, force: true })
  // Every .ts file but declarations and tool configurations (vitest.config.ts).
  const programs = (await readdir(folder)).filter(
    (file) => file.endsWith(".ts") && !/\.(d|config)\.ts$/.test(file),
  )
  await build({
    entryPoints: programs.map((file) => join(folder, file)),
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    plugins: [native],
    // A program importing its siblings by a pattern (examples/run.ts) leaves the configurations.
    external: ["*.config.ts"],
    sourcemap: "linked",
    logLevel: "warning",
    // CommonJS dependencies (ioredis) call require for Node's own modules.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  })
  return outdir
}

const built = new Map<string, Promise<string>>()

/**
 * The bundle of the TypeScript program at the absolute path `entry` (with every other program
 * in its folder), built on first use in this test process.
 */
export const bundle = (entry: string): Effect.Effect<string> =>
  Effect.promise(() => {
    const folder = dirname(entry)
    const building = built.get(folder) ?? bundleFolder(folder)
    built.set(folder, building)
    return building
  }).pipe(Effect.map((outdir) => join(outdir, basename(entry).replace(/\.ts$/, ".mjs"))))

/** The arguments that start the program at `entry` with node, from its bundle. */
export const nodeArgs = (entry: string): Effect.Effect<ReadonlyArray<string>> =>
  Effect.map(bundle(entry), (file) => ["--enable-source-maps", file])
