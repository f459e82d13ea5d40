#!/usr/bin/env node
// The workspace's entry point: runs the TypeScript source through tsx, so `pnpm sandbox` needs
// no build. The published package's bin is the compiled dist/bin/main.js.
import { register } from "tsx/esm/api"

register()
await import("../src/bin/main.ts")
