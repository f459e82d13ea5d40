#!/usr/bin/env node
// @ts-check
/**
 * The API reference a reader finds in the repository, `docs/api/`: written from the pages
 * `docgen` generates into each package's (gitignored) `docs/modules/`. Run by `pnpm docgen`
 * after docgen itself; run it alone after a docgen run with `node scripts/api-reference.mjs`.
 *
 * docgen writes pages for a Jekyll site; this turns them into Markdown that reads on GitHub:
 *
 * - no Jekyll front matter, a title per page, an index per package and one for all of them;
 * - every TSDoc `{@link X}` (which docgen leaves as it is) becomes a link to the page and
 *   anchor of `X`: an export of the same module, a module of the same package (`{@link
 *   PaymentJournal}`), a member of a namespace (`{@link PosClient.Service}`) or an export of a
 *   module (`{@link PosError.PosError}`), in this package or, failing that, in another one. A
 *   link that names nothing documented fails the run, so no raw `{@link` reaches a reader;
 * - "Added in v0.2.0" on an export newer than its package's version (changesets bumps the
 *   versions at release) says "(unreleased)": the reference documents `main`, and the release
 *   regenerates it;
 * - every relative link and anchor of the result points at something that exists;
 * - formatted with the repository's Prettier settings, so `pnpm lint` accepts it as written.
 *
 * With `--check` it writes nothing and fails when `docs/api/` is not what it would write (or
 * holds a raw `{@link`): the CI check that the committed reference is current.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, posix, relative } from "node:path"
import { fileURLToPath } from "node:url"
import * as prettier from "prettier"

const root = fileURLToPath(new URL("..", import.meta.url))
const outDir = join(root, "docs", "api")
const checkOnly = process.argv.includes("--check")
const regenerate = "pnpm docgen"

const problems = []

// ---------------------------------------------------------------------------------------------
// Packages and their docgen pages

/** Every published package with a docgen script, dependencies first (then by name). */
const readPackages = () => {
  const dirs = readdirSync(join(root, "packages")).sort()
  const all = dirs
    .map((dir) => ({
      dir,
      json: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")),
    }))
    .filter(({ json }) => json.private !== true && json.scripts?.docgen !== undefined)
  const byName = new Map(all.map((pkg) => [pkg.json.name, pkg]))
  const ordered = []
  const visit = (pkg) => {
    if (ordered.includes(pkg)) return
    for (const dep of Object.keys({
      ...pkg.json.dependencies,
      ...pkg.json.peerDependencies,
    }).sort()) {
      const sibling = byName.get(dep)
      if (sibling !== undefined) visit(sibling)
    }
    ordered.push(pkg)
  }
  all.forEach(visit)
  return ordered.map(({ dir, json }) => ({
    dir,
    name: json.name,
    version: json.version,
    description: json.description ?? "",
    modules: [],
  }))
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes, repeats numbered. */
const slugger = () => {
  const seen = new Map()
  return (text) => {
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-")
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    return count === 0 ? base : `${base}-${count}`
  }
}

/** Splits Markdown into fenced code and prose, so that rewriting never touches code. */
const segments = (markdown) => {
  const parts = []
  const lines = markdown.split("\n")
  let current = { code: false, lines: [] }
  for (const line of lines) {
    const fence = /^\s*(```|~~~)/.test(line)
    if (fence && !current.code) {
      parts.push(current)
      current = { code: true, lines: [line] }
    } else if (fence && current.code) {
      current.lines.push(line)
      parts.push(current)
      current = { code: false, lines: [] }
    } else current.lines.push(line)
  }
  parts.push(current)
  return parts
    .filter((part) => part.lines.length > 0)
    .map((part) => ({ code: part.code, text: part.lines.join("\n") }))
}

const mapSegments = (markdown, prose, code) =>
  segments(markdown)
    .map((part) => (part.code ? code(part.text) : prose(part.text)))
    .join("\n")

/** The headings of a page (outside code), each with its level, export name and anchor. */
const headings = (markdown) => {
  const slug = slugger()
  const found = []
  for (const part of segments(markdown)) {
    if (part.code) continue
    for (const line of part.text.split("\n")) {
      const match = /^(#{1,6}) (.+?)\s*$/.exec(line)
      if (match === null) continue
      const text = match[2]
      found.push({
        level: match[1].length,
        text,
        name: text.replace(/ \(.*\)$/, ""),
        anchor: slug(text),
      })
    }
  }
  return found
}

/** A docgen page without its Jekyll front matter (docgen's Prettier may turn the first `---` into `***`). */
const stripFrontMatter = (markdown) => markdown.replace(/^(?:---|\*\*\*)\n[\s\S]*?\n---\n/, "")

const readModules = (pkg) => {
  const dir = join(root, "packages", pkg.dir, "docs", "modules")
  if (!existsSync(dir)) {
    problems.push(
      `${pkg.name}: no docgen output in packages/${pkg.dir}/docs/modules (run \`${regenerate}\`)`,
    )
    return
  }
  for (const file of readdirSync(dir).sort()) {
    // index.ts only re-exports the modules, which the package's index lists.
    if (!file.endsWith(".ts.md") || file === "index.ts.md") continue
    const name = file.slice(0, -".ts.md".length)
    const body = stripFrontMatter(readFileSync(join(dir, file), "utf8")).trim()
    pkg.modules.push({ name, body, path: `${pkg.dir}/${name}.md` })
  }
}

// ---------------------------------------------------------------------------------------------
// Pages

/** The first sentence of a module's overview, for the package's index. */
const summary = (module) => {
  const match = /^## \S+ overview\n\n([\s\S]*?)(?:\n\n|(?![\s\S]))/m.exec(module.body)
  if (match === null) return ""
  // Links keep their text only: they point from the module's page, not from the index.
  const paragraph = match[1]
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\s*\n\s*/g, " ")
    .trim()
  const sentence = /^.*?[^.]{3}\.(?=\s|$)/.exec(paragraph)
  return sentence === null ? paragraph : sentence[0]
}

const compareVersions = (a, b) => {
  const pa = a.split(/[.-]/).map(Number)
  const pb = b.split(/[.-]/).map(Number)
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0)
  return 0
}

const linkFrom = (fromPath, toPath, anchor) => {
  const target = fromPath === toPath ? "" : posix.relative(posix.dirname(fromPath), toPath)
  return anchor === undefined ? target || "#" : `${target}#${anchor}`
}

const modulePage = (pkg, module) => `# ${module.name}

[API reference](../README.md) › [\`${pkg.name}\`](README.md) › \`${pkg.name}/${module.name}\`

${module.body.replace(/^Added in v(\S+)$/gm, (line, since) =>
  compareVersions(since, pkg.version) > 0 ? `${line} (unreleased)` : line,
)}
`

// `{@link X}`, `{@link X | text}` or `{@link X text}`, possibly wrapped across lines.
const linkTag = /\{@link(?:code|plain)?\s+([^\s|}]+)(?:\s*\|\s*([^}]*?)|\s+([^}]*?))?\s*\}/g

/** Resolves `{@link ...}` in every page of every package; records what names nothing. */
const resolveLinks = (packages) => {
  for (const pkg of packages)
    for (const module of pkg.modules) module.headings = headings(modulePage(pkg, module))
  const inPackage = (pkg, moduleName) => pkg.modules.find((module) => module.name === moduleName)
  // An export of a module: a top-level heading (##) below the title, the overview excluded.
  // Of a name that is a value and a type, the value (a class before its namespace).
  const rank = (h) =>
    ["(namespace)", "(type alias)", "(interface)"].indexOf(h.text.slice(h.name.length + 1))
  const exportOf = (module, name) =>
    module.headings
      .filter((h) => h.level === 2 && h.name === name && h.text !== `${module.name} overview`)
      .sort((a, b) => rank(a) - rank(b))[0]
  // A member of a namespace or class: a ### below the ## that names it.
  const memberOf = (module, owner, member) => {
    let inside = false
    for (const h of module.headings) {
      if (h.level <= 2) inside = h.level === 2 && h.name === owner
      else if (inside && h.level === 3 && h.name === member) return h
    }
    return undefined
  }
  // A member of a namespace or class, by its name alone (`Service` in the module of its namespace).
  const nested = (module, name) => module.headings.find((h) => h.level === 3 && h.name === name)
  const find = (pkg, module, target) => {
    const [first, ...rest] = target.split(".")
    const second = rest.join(".")
    const packagesInOrder = [pkg, ...packages.filter((other) => other !== pkg)]
    if (rest.length === 0) {
      const own = exportOf(module, first) ?? nested(module, first)
      if (own !== undefined) return { module, heading: own }
      for (const candidate of packagesInOrder) {
        const other = inPackage(candidate, first)
        if (other !== undefined) return { module: other }
      }
      for (const candidate of packagesInOrder) {
        const hits = candidate.modules.flatMap((other) => {
          const heading = exportOf(other, first)
          return heading === undefined ? [] : [{ module: other, heading }]
        })
        if (hits.length === 1) return hits[0]
        if (hits.length > 1) return undefined
      }
      return undefined
    }
    const member = memberOf(module, first, second)
    if (member !== undefined) return { module, heading: member }
    for (const candidate of packagesInOrder) {
      const other = inPackage(candidate, first)
      const heading = other === undefined ? undefined : exportOf(other, second)
      if (heading !== undefined) return { module: other, heading }
    }
    // A member that has no heading of its own (a field of an interface): its owner's.
    const owner = exportOf(module, first) ?? nested(module, first)
    if (owner !== undefined) return { module, heading: owner }
    return undefined
  }
  for (const pkg of packages) {
    for (const module of pkg.modules) {
      // In prose a link; in code (the doc comments of members in a signature) the name alone.
      const rewrite = (asLink) => (text) =>
        text.replace(linkTag, (raw, target, piped, spaced) => {
          const label = (piped ?? spaced)?.replace(/\s+/g, " ")
          const found = find(pkg, module, target)
          if (found === undefined) {
            problems.push(
              `${pkg.name}/${module.name}: ${raw.replace(/\s+/g, " ")} names nothing in the reference`,
            )
            return raw
          }
          if (!asLink) return label ?? target
          const href = linkFrom(module.path, found.module.path, found.heading?.anchor)
          return `[${label ?? `\`${target}\``}](${href})`
        })
      module.body = mapSegments(module.body, rewrite(true), rewrite(false))
    }
  }
}

const packageIndex = (pkg) => {
  const unreleased = pkg.modules.some((module) => / \(unreleased\)$/m.test(modulePage(pkg, module)))
  const rows = pkg.modules.map(
    (module) => `| [${module.name}](${module.name}.md) | ${summary(module)} |`,
  )
  return `# \`${pkg.name}\`

[API reference](../README.md) › \`${pkg.name}\` · [package README](../../../packages/${pkg.dir}/README.md)

${pkg.description}

Version ${pkg.version}${unreleased ? ", with the unreleased additions on `main` (marked “unreleased”)" : ""}.
Import a module as \`import { ${pkg.modules[0]?.name ?? "Module"} } from "${pkg.name}"\` or from its own subpath, \`"${pkg.name}/${pkg.modules[0]?.name ?? "Module"}"\`.

| Module | |
| --- | --- |
${rows.join("\n")}
`
}

const rootIndex = (packages) => `# API reference

Every public module of every published package: each export's signature, its documentation and
the version that first ships it. Generated from the doc comments in \`packages/*/src\` by
\`${regenerate}\` (docgen, then \`scripts/api-reference.mjs\`); do not edit these pages, edit the
comments and run \`${regenerate}\`. CI fails when they are not current.

This is the reference of \`main\`. An export marked “(unreleased)” is newer than the version
its package has on npm: it ships in the next release, whose \`pnpm changeset version\` bumps
the versions (and the release regenerates these pages).

| Package | Version | |
| --- | --- | --- |
${packages.map((pkg) => `| [\`${pkg.name}\`](${pkg.dir}/README.md) | ${pkg.version} | ${pkg.description} |`).join("\n")}
`

// ---------------------------------------------------------------------------------------------
// Checks on the result, then write or compare

/** Relative links and anchors of every page, against the pages and headings written. */
const checkLinks = (pages) => {
  const anchors = new Map(
    [...pages].map(([path, text]) => [path, new Set(headings(text).map((h) => h.anchor))]),
  )
  for (const [path, text] of pages) {
    text.split("\n").forEach((line, index) => {
      if (line.includes("{@link"))
        problems.push(`docs/api/${path}:${index + 1}: a raw {@link} is left`)
    })
    for (const part of segments(text)) {
      if (part.code) continue
      for (const [, href] of part.text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(href)) continue
        const [file, anchor] = href.split("#")
        const target = file === "" ? path : posix.normalize(posix.join(posix.dirname(path), file))
        if (target.startsWith("../")) {
          if (!existsSync(join(outDir, target)))
            problems.push(`docs/api/${path}: ${href} does not exist`)
        } else if (!anchors.has(target))
          problems.push(`docs/api/${path}: ${href} is no page of the reference`)
        else if (anchor !== undefined && !anchors.get(target).has(anchor))
          problems.push(`docs/api/${path}: ${href} names no heading of ${target}`)
      }
    }
  }
}

const listFiles = (dir, prefix = "") =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`)
          : [`${prefix}${entry.name}`],
      )
    : []

const fail = (lines) => {
  process.stderr.write(`${lines.join("\n")}\n`)
  process.exit(1)
}

const packages = readPackages()
packages.forEach(readModules)
if (problems.length > 0) fail(problems)
resolveLinks(packages)

const pages = new Map([["README.md", rootIndex(packages)]])
for (const pkg of packages) {
  pages.set(`${pkg.dir}/README.md`, packageIndex(pkg))
  for (const module of pkg.modules) pages.set(module.path, modulePage(pkg, module))
}
const options = (await prettier.resolveConfig(join(outDir, "README.md"))) ?? {}
// Until it settles: Prettier can format a signature in a code block differently the second time.
const format = async (text, filepath, passes = 5) => {
  const formatted = await prettier.format(text, { ...options, filepath })
  if (formatted === text) return text
  if (passes === 1) throw new Error(`Prettier does not settle on ${filepath}`)
  return format(formatted, filepath, passes - 1)
}
for (const [path, text] of pages) pages.set(path, await format(text, join(outDir, path)))
checkLinks(pages)
if (problems.length > 0)
  fail(["The API reference cannot be written:", ...problems.map((p) => `- ${p}`)])

const existing = listFiles(outDir)
const stale = [...pages].filter(
  ([path, text]) =>
    !existsSync(join(outDir, path)) || readFileSync(join(outDir, path), "utf8") !== text,
)
const extra = existing.filter((path) => !pages.has(path))
if (checkOnly) {
  const raw = existing.filter((path) => readFileSync(join(outDir, path), "utf8").includes("{@link"))
  const report = [
    ...raw.map((path) => `- docs/api/${path}: holds a raw {@link}`),
    ...stale.map(
      ([path]) =>
        `- docs/api/${path}: ${existsSync(join(outDir, path)) ? "not current" : "missing"}`,
    ),
    ...extra.map((path) => `- docs/api/${path}: no longer generated`),
  ]
  if (report.length > 0)
    fail([
      `The API reference in docs/api is not current. Run \`${regenerate}\` and commit docs/api:`,
      ...report,
    ])
  process.stdout.write(`docs/api is current (${pages.size} pages)\n`)
} else {
  // Only what changed is written: a current reference is left untouched.
  for (const [path, text] of stale) {
    mkdirSync(dirname(join(outDir, path)), { recursive: true })
    writeFileSync(join(outDir, path), text)
  }
  for (const path of extra) rmSync(join(outDir, path))
  for (const dir of new Set(extra.map((path) => dirname(join(outDir, path)))))
    if (existsSync(dir) && readdirSync(dir).length === 0) rmSync(dir, { recursive: true })
  process.stdout.write(
    `docs/api: ${pages.size} pages, ${stale.length} written, ${extra.length} removed (${relative(root, outDir)})\n`,
  )
}
