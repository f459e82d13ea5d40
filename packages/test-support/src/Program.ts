/**
 * A test's child program (a till, a fleet worker) as one JavaScript file that plain `node`
 * starts. Run through `tsx`, such a program spends about 1.5 s of CPU loading Effect and the
 * packages' sources module by module before its first line runs; bundled, about 0.15 s. The
 * crash and fleet tests start dozens of them, so that was most of their time.
 *
 * The bundle is the program's own source and the workspace packages' sources, transpiled by
 * esbuild as tsx would, with every dependency inside except native addons (`better-sqlite3`),
 * which are loaded from the program's package. It is built once per test process, into that
 * package's `node_modules/.cache/test-programs` (ignored by git).
 */
import { Effect } from "effect"
import { build, type Plugin } from "esbuild"
import { existsSync } from "node:fs"
import { mkdir, rename } from "node:fs/promises"
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

/** The nearest folder above `file` with a package.json: the program's package. */
const packageOf = (file: string): string => {
  const parent = dirname(file)
  if (existsSync(join(parent, "package.json")) || parent === dirname(parent)) return parent
  return packageOf(parent)
}

const bundleTo = async (entry: string): Promise<string> => {
  const pkg = packageOf(entry)
  const name = relative(pkg, entry).replaceAll("/", "_").replace(/\.ts$/, "")
  const outfile = join(pkg, "node_modules", ".cache", "test-programs", `${name}.mjs`)
  await mkdir(dirname(outfile), { recursive: true })
  // Two test workers may build the same program at once: each writes its own file, and the
  // rename makes whichever lands last the one node reads, whole.
  const partial = join(dirname(outfile), `${basename(outfile)}.${process.pid}.tmp.mjs`)
  await build({
    entryPoints: [entry],
    outfile: partial,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    plugins: [native],
    sourcemap: "inline",
    logLevel: "warning",
    // CommonJS dependencies (ioredis) call require for Node's own modules.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  })
  await rename(partial, outfile)
  return outfile
}

const built = new Map<string, Promise<string>>()

/**
 * The bundle of the TypeScript program at the absolute path `entry`, built on first use in
 * this test process; start it with `node --enable-source-maps <bundle>`.
 */
export const bundle = (entry: string): Effect.Effect<string> =>
  Effect.promise(() => {
    const known = built.get(entry)
    if (known !== undefined) return known
    const building = bundleTo(entry)
    built.set(entry, building)
    return building
  })

/** The arguments to start the program at `entry` with node, after bundling it. */
export const nodeArgs = (entry: string): Effect.Effect<ReadonlyArray<string>> =>
  Effect.map(bundle(entry), (file) => ["--enable-source-maps", file])
