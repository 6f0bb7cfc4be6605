#!/usr/bin/env node
// The CLI is bundled to dist/nsl-lint.js by `npm run build`; the bundle is committed and shipped.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/nsl-lint.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('nsl-lint: dist/nsl-lint.js is missing; run `npm run build` in a checkout of the sources.\n');
  process.exit(2);
}
await import(entry.href);
