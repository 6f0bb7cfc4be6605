#!/usr/bin/env node
// The CLI is bundled to dist/ by `npm run build` (run automatically by `npm install`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/nsl-lint.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('nsl-lint: dist/nsl-lint.js is missing; run `npm install` (or `npm run build`) first.\n');
  process.exit(2);
}
await import(entry.href);
