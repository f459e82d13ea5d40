#!/usr/bin/env node
// @ts-check
/**
 * `pnpm verify:pack`: what a user installs, checked outside the workspace.
 *
 * Packs every published package (each `packages/*` whose package.json is not private), lints
 * each tarball (publint, and arethetypeswrong with the ESM-only profile on every module
 * subpath), serves the tarballs from a registry on loopback for the `@effect-mobilepay` scope
 * (everything else comes from the npm registry, as for a user), and installs them by name into
 * fresh projects in a temporary directory, once with npm and once with pnpm. In each:
 *
 * - exactly one copy of `effect`, and no `tsx`;
 * - a plain `node` ESM program pays against `Sandbox` and reaches `Captured`;
 * - the sandbox's CLI runs (`mobilepay-sandbox --help`);
 * - a TypeScript consumer type-checks with `moduleResolution` node16 and bundler, and the
 *   JavaScript it emits runs to `Captured`.
 *
 * npm installs the lowest versions of the peers the packages accept; pnpm the newest. Then
 * `@effect-mobilepay/pos` alone, with npm: nothing from Node comes with it.
 *
 * Once the tarballs are packed, the three projects and the linting go side by side: an install
 * mostly waits on the network, the checks are a core's work each.
 *
 * Set VERIFY_PACK_KEEP=1 to keep the temporary directory.
 */
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const fixtures = join(root, "scripts", "verify-pack")
const bin = (name) => join(root, "node_modules", ".bin", name)
const work = mkdtempSync(join(tmpdir(), "effect-mobilepay-verify-pack-"))
const started = Date.now()

const step = (text) =>
  process.stdout.write(`\n[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}\n`)

class CheckFailed extends Error {}
const check = (condition, message) => {
  if (!condition) throw new CheckFailed(message)
}

// A user's shell, not this script's: no npm_* or pnpm settings inherited from `pnpm run`, but
// the machine's Node headers for native addons (.ci/run sets npm_config_nodedir).
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^(npm_|pnpm_)/i.test(key) || key.toLowerCase() === "npm_config_nodedir",
  ),
)

/** Runs a command to its end; rejects with its output when it fails. */
const run = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? root,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.on("data", (chunk) => (output += chunk))
    child.stderr.on("data", (chunk) => (output += chunk))
    child.on("error", reject)
    child.on("close", (code) =>
      code === 0
        ? resolve(output)
        : reject(new CheckFailed(`${command} ${args.join(" ")} exited ${code}:\n${output}`)),
    )
  })

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"))

/** At most `size` tasks at a time: `limit(task)` starts `task` when fewer run. */
const limiter = (size) => {
  let free = size
  const waiting = []
  return async (task) => {
    if (free > 0) free -= 1
    else await new Promise((start) => waiting.push(start))
    try {
      return await task()
    } finally {
      const next = waiting.shift()
      if (next === undefined) free += 1
      else next()
    }
  }
}
/** `task` on each item, at most `size` at a time; the results in order. */
const eachAtMost = (size, items, task) => {
  const limit = limiter(size)
  return Promise.all(items.map((item) => limit(() => task(item))))
}
// The consumers' type checks, a core and half a gigabyte each: two at a time for all of them.
const typeCheck = limiter(2)

/** @type {import("node:http").Server | undefined} */
let registry

try {
  // 1. Pack ---------------------------------------------------------------------------------

  const published = readdirSync(join(root, "packages"))
    .map((dir) => ({
      dir: join(root, "packages", dir),
      file: join(root, "packages", dir, "package.json"),
    }))
    .filter(({ file }) => existsSync(file) && readJson(file).private !== true)
    .map(({ dir, file }) => ({ dir, manifest: readJson(file) }))

  step(`building and packing ${published.map((p) => p.manifest.name).join(", ")}`)
  // A clean build, all at once: a module deleted from src must not linger in dist.
  for (const { dir } of published) rmSync(join(dir, "dist"), { recursive: true, force: true })
  await run(bin("tsc"), ["-b", ...published.map(({ dir }) => join(dir, "tsconfig.build.json"))])
  const tarballDir = join(work, "tarballs")
  mkdirSync(tarballDir)
  // Two at a time: each is mostly starting pnpm and its prepack's `tsc -b` (up to date).
  const tarballs = await eachAtMost(2, published, async ({ dir, manifest }) => {
    await run("pnpm", ["pack", "--pack-destination", tarballDir], { cwd: dir })
    const file = `${manifest.name.replace(/^@/, "").replace("/", "-")}-${manifest.version}.tgz`
    const path = join(tarballDir, file)
    check(existsSync(path), `pnpm pack made no ${file}`)
    const packed = JSON.parse(await run("tar", ["-xzOf", path, "package/package.json"]))
    const files = (await run("tar", ["-tzf", path])).split("\n").filter(Boolean)
    return { name: manifest.name, version: manifest.version, file, path, packed, files }
  })

  // 2. Lint each tarball (beside the installs, section 4) ------------------------------------

  const lint = async ({ name, path, packed, files }) => {
    step(`linting ${name}`)
    for (const required of [
      "package/LICENSE",
      "package/README.md",
      "package/dist/index.js",
      "package/dist/index.d.ts",
    ]) {
      check(
        files.includes(required),
        `${name}: the tarball has no ${required.slice("package/".length)}`,
      )
    }
    const stray = files.filter((f) =>
      /^package\/(test|scripts)\/|vitest\.config|tsconfig|\.tsbuildinfo$/.test(f),
    )
    check(stray.length === 0, `${name}: the tarball ships ${stray.join(", ")}`)
    check(
      !JSON.stringify(packed).includes("workspace:") &&
        !JSON.stringify(packed.exports).includes("/src/"),
      `${name}: the packed package.json still points into the workspace`,
    )
    for (const peer of ["effect", "@effect/platform"]) {
      check(
        packed.peerDependencies?.[peer] !== undefined && packed.dependencies?.[peer] === undefined,
        `${name}: ${peer} must be a peer dependency (one copy, the user's), not a dependency`,
      )
    }
    await run(bin("publint"), ["--strict", path])
    // Every module a user may import alone, so that the subpath wildcard is checked too.
    const modules = files
      .map((f) => /^package\/dist\/([A-Za-z][\w-]*)\.js$/.exec(f)?.[1])
      .filter((m) => m !== undefined && m !== "index")
      .map((m) => `./${m}`)
    await run(bin("attw"), [path, "--profile", "esm-only", "--include-entrypoints", ...modules])
  }

  // 3. A registry for the @effect-mobilepay scope -------------------------------------------

  registry = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost")
    const tarball = tarballs.find((t) => url.pathname === `/-/${t.file}`)
    if (tarball !== undefined) {
      response.writeHead(200, { "content-type": "application/octet-stream" })
      response.end(readFileSync(tarball.path))
      return
    }
    const name = decodeURIComponent(url.pathname.slice(1))
    const versions = tarballs.filter((t) => t.name === name)
    if (versions.length === 0) {
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}')
      return
    }
    const base = `http://127.0.0.1:${port}`
    const packument = {
      name,
      "dist-tags": { latest: versions[0]?.version },
      versions: Object.fromEntries(
        versions.map((t) => {
          const bytes = readFileSync(t.path)
          const dist = {
            tarball: `${base}/-/${t.file}`,
            shasum: createHash("sha1").update(bytes).digest("hex"),
            integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
          }
          return [t.version, { ...t.packed, _id: `${name}@${t.version}`, dist }]
        }),
      ),
    }
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(packument))
  })
  await new Promise((resolve) => registry?.listen(0, "127.0.0.1", () => resolve(undefined)))
  const address = registry?.address()
  const port = typeof address === "object" && address !== null ? address.port : 0

  // 4. Fresh projects -----------------------------------------------------------------------

  /** The peers every package asks for, one range each (the packages must agree). */
  const peers = {}
  for (const { name, packed } of tarballs) {
    for (const [peer, range] of Object.entries(packed.peerDependencies ?? {})) {
      if (peer.startsWith("@effect-mobilepay/")) continue
      check(
        peers[peer] === undefined || peers[peer] === range,
        `${name} asks for ${peer}@${range}, another package for ${peers[peer]}`,
      )
      peers[peer] = range
    }
  }
  const lowest = (range) => {
    const match = /^\^(\d+\.\d+\.\d+)$/.exec(range)
    check(match !== null, `a peer range is ${range}: expected ^x.y.z`)
    return match?.[1] ?? range
  }

  /** Every distinct installed copy of a package, following pnpm's layout as well as npm's. */
  const copiesOf = (project, wanted) => {
    const found = new Set()
    const visitPackage = (dir, name) => {
      if (name === wanted) found.add(realpathSync(dir))
      if (!lstatSync(dir).isSymbolicLink()) visitModules(join(dir, "node_modules"))
    }
    const visitModules = (dir) => {
      if (!existsSync(dir)) return
      for (const entry of readdirSync(dir)) {
        const full = join(dir, entry)
        if (entry === ".pnpm") {
          for (const store of readdirSync(full)) visitModules(join(full, store, "node_modules"))
        } else if (entry.startsWith("@")) {
          for (const scoped of readdirSync(full))
            visitPackage(join(full, scoped), `${entry}/${scoped}`)
        } else if (!entry.startsWith(".")) {
          visitPackage(full, entry)
        }
      }
    }
    visitModules(join(project, "node_modules"))
    return [...found]
  }

  const project = (name, dependencies, devDependencies = {}) => {
    const dir = join(work, name)
    mkdirSync(dir)
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify(
        { name, private: true, type: "module", dependencies, devDependencies },
        null,
        2,
      ),
    )
    writeFileSync(join(dir, ".npmrc"), `@effect-mobilepay:registry=http://127.0.0.1:${port}/\n`)
    return dir
  }

  const install = (manager, dir) =>
    manager === "npm"
      ? run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
          cwd: dir,
          env: cleanEnv,
        })
      : run("pnpm", ["install", "--config.confirmModulesPurge=false"], { cwd: dir, env: cleanEnv })

  // The `allowBuilds:` block of the workspace's pnpm-workspace.yaml, as it stands.
  const allowBuilds = (
    /^allowBuilds:\n(?:[ \t]+.*\n?)*/m.exec(
      readFileSync(join(root, "pnpm-workspace.yaml"), "utf8"),
    )?.[0] ?? ""
  ).trimEnd()
  const typescript = readJson(join(root, "node_modules", "typescript", "package.json")).version
  const expectCaptured = (output, what) =>
    check(/^Captured 125\.50$/m.test(output), `${what} did not reach Captured:\n${output}`)

  const consumer = async (manager) => {
    const peerVersions = Object.fromEntries(
      Object.entries(peers).map(([peer, range]) => [
        peer,
        manager === "npm" ? lowest(range) : range,
      ]),
    )
    step(
      `${manager}: installing ${tarballs.map((t) => t.name).join(", ")} with ${JSON.stringify(peerVersions)}`,
    )
    const dir = project(
      `consumer-${manager}`,
      { ...Object.fromEntries(tarballs.map((t) => [t.name, `^${t.version}`])), ...peerVersions },
      { typescript, "@types/node": "^20.19.0" },
    )
    if (manager === "pnpm") {
      // pnpm asks about every dependency's build script: the same answers as this workspace's.
      writeFileSync(join(dir, "pnpm-workspace.yaml"), `${allowBuilds}\n`)
    }
    await install(manager, dir)

    const effects = copiesOf(dir, "effect")
    check(
      effects.length === 1,
      `${manager}: ${effects.length} copies of effect:\n${effects.join("\n")}`,
    )
    check(copiesOf(dir, "tsx").length === 0, `${manager}: tsx is installed`)
    process.stdout.write(
      `one copy of effect (${readJson(join(effects[0] ?? "", "package.json")).version}), no tsx\n`,
    )

    step(`${manager}: plain node runs a payment to Captured`)
    copyFileSync(join(fixtures, "main.mjs"), join(dir, "main.mjs"))
    expectCaptured(await run("node", ["main.mjs"], { cwd: dir, env: cleanEnv }), "main.mjs")

    step(`${manager}: the sandbox CLI runs compiled`)
    const help = await run(join(dir, "node_modules", ".bin", "mobilepay-sandbox"), ["--help"], {
      cwd: dir,
      env: cleanEnv,
    })
    check(help.includes("--port PORT"), `mobilepay-sandbox --help printed:\n${help}`)

    step(`${manager}: TypeScript with moduleResolution node16 and bundler, then its JavaScript`)
    copyFileSync(join(fixtures, "consumer.ts"), join(dir, "consumer.ts"))
    // Side by side: each check is one core's work for a while (the packed declarations and
    // effect's, as the consumer's compiler sees them).
    await Promise.all(
      ["node16", "bundler"].map(async (resolution) => {
        copyFileSync(
          join(fixtures, `tsconfig.${resolution}.json`),
          join(dir, `tsconfig.${resolution}.json`),
        )
        await typeCheck(() =>
          run(join(dir, "node_modules", ".bin", "tsc"), ["-p", `tsconfig.${resolution}.json`], {
            cwd: dir,
            env: cleanEnv,
          }),
        )
        const output = await run("node", [`out-${resolution}/consumer.js`], {
          cwd: dir,
          env: cleanEnv,
        })
        expectCaptured(output, `consumer.ts (${resolution})`)
        check(
          /^ePayment CREATED$/m.test(output),
          `consumer.ts (${resolution}) did not create an ePayment:\n${output}`,
        )
      }),
    )
  }

  const posAlone = async () => {
    step("npm: installing @effect-mobilepay/pos alone")
    const pos = tarballs.find((t) => t.name === "@effect-mobilepay/pos")
    check(pos !== undefined, "no @effect-mobilepay/pos tarball")
    const alone = project("pos-alone", {
      "@effect-mobilepay/pos": `^${pos?.version}`,
      effect: peers["effect"],
      "@effect/platform": peers["@effect/platform"],
    })
    await install("npm", alone)
    step("npm: @effect-mobilepay/pos alone brings nothing from Node")
    const nodeOnly = ["@effect/platform-node", "@effect/platform-node-shared", "undici"].filter(
      (name) => copiesOf(alone, name).length > 0,
    )
    check(nodeOnly.length === 0, `@effect-mobilepay/pos installs ${nodeOnly.join(", ")}`)
    check(
      copiesOf(alone, "effect").length === 1,
      "@effect-mobilepay/pos alone: more than one effect",
    )
    await run(
      "node",
      [
        "--input-type=module",
        "-e",
        'const { PosClient } = await import("@effect-mobilepay/pos"); if (!PosClient.PosClient) process.exit(1)',
      ],
      { cwd: alone, env: cleanEnv },
    )
  }

  await Promise.all([eachAtMost(2, tarballs, lint), consumer("npm"), consumer("pnpm"), posAlone()])

  step(`verify:pack: every check passed (${tarballs.length} packages, npm and pnpm)`)
} catch (error) {
  process.stderr.write(
    `\nverify:pack failed: ${error instanceof CheckFailed ? error.message : String(error)}\n`,
  )
  process.stderr.write(`(the projects are in ${work})\n`)
  process.exitCode = 1
} finally {
  registry?.closeAllConnections()
  registry?.close()
  if (process.exitCode !== 1 && process.env["VERIFY_PACK_KEEP"] !== "1") {
    rmSync(work, { recursive: true, force: true })
    step("removed the temporary projects")
  }
}
