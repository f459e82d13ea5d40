/**
 * Summarises a `node --cpu-prof` profile: the share of samples by self time per function and
 * per package (effect, @effect/platform, undici, node internals, GC, this project).
 *
 *   node --conditions=@effect-mobilepay/dist --cpu-prof --cpu-prof-dir=/tmp/prof \
 *     node_modules/.cache/pos-bench/solo.mjs posPlatform 30000 32
 *   pnpm exec tsx harness/cpuProfile.ts /tmp/prof/<file>.cpuprofile
 */
import { readFileSync } from "node:fs"
import { Schema } from "effect"

const Profile = Schema.Struct({
  nodes: Schema.Array(
    Schema.Struct({
      id: Schema.Number,
      callFrame: Schema.Struct({
        functionName: Schema.String,
        url: Schema.String,
        lineNumber: Schema.Number,
      }),
      children: Schema.optional(Schema.Array(Schema.Number)),
    }),
  ),
  samples: Schema.Array(Schema.Number),
})

const file = process.argv[2]
if (file === undefined) throw new Error("usage: harness/cpuProfile.ts <file.cpuprofile> [top]")
const top = Number(process.argv[3] ?? 30)
// Inclusive time is shown for the frames whose location matches this (default: this project's
// packages and @effect/platform).
const inclusivePattern = new RegExp(process.argv[4] ?? "packages/|@effect/platform")
const profile = Schema.decodeUnknownSync(Profile)(JSON.parse(readFileSync(file, "utf8")))
const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))

const packageOf = (url: string, name: string): string => {
  if (url === "") return name.startsWith("(") ? name : "(native)"
  if (url.startsWith("node:")) return "node internals"
  const scoped = /node_modules\/(@[^/]+\/[^/]+|[^@/][^/]*)\/(?!.*node_modules)/.exec(url)
  if (scoped !== null) return scoped[1] ?? url
  const own = /packages\/([^/]+)\//.exec(url)
  return own === null ? url.replace(/^.*\//, "") : `@effect-mobilepay/${own[1]}`
}

const parents = new Map<number, number>()
for (const node of profile.nodes)
  for (const child of node.children ?? []) parents.set(child, node.id)
const nameOf = (frame: { functionName: string; url: string; lineNumber: number }) =>
  `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*(node_modules|packages)\//, "")}:${frame.lineNumber + 1}`

const inclusive = new Map<string, number>()
for (const id of profile.samples) {
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    const frame = nodes.get(at)
    if (frame !== undefined && inclusivePattern.test(frame.url)) seen.add(nameOf(frame))
  }
  for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + 1)
}

const byFunction = new Map<string, number>()
const byPackage = new Map<string, number>()
for (const id of profile.samples) {
  const frame = nodes.get(id)
  if (frame === undefined) continue
  const where = nameOf(frame)
  byFunction.set(where, (byFunction.get(where) ?? 0) + 1)
  const pkg = packageOf(frame.url, frame.functionName)
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1)
}
const total = profile.samples.length
const show = (map: Map<string, number>, n: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .forEach(([name, count]) =>
      console.log(`${((count / total) * 100).toFixed(1).padStart(5)} %  ${name}`),
    )
console.log(`${total} samples\n\nby package (self time):`)
show(byPackage, 15)
console.log(`\nby function (self time):`)
show(byFunction, top)
console.log(`\ninclusive (total) time of the frames matching ${inclusivePattern}:`)
show(inclusive, top)
