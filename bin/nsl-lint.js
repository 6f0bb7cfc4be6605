#!/usr/bin/env node
// The CLI is bundled to dist/nsl-lint.js by `npm run build`; the bundle is committed and shipped.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

const entry = new URL('../dist/nsl-lint.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('nsl-lint: dist/nsl-lint.js is missing; run `npm run build` in a checkout of the sources.\n');
  process.exit(2);
}
// A run executes a wide program (parsers, the model, every rule), most of it briefly. By
// default V8 optimizes code early and inlines deeply, and compiling that much code costs more
// than it saves here: optimizing later and inlining less lints a repository in about a fifth
// less CPU time, and firewall and connectivity runs no slower (`npm run bench`). The flags
// change only how code is compiled, never what it does. They are set on the V8 they were
// measured on (Node 20); another V8 might not know them and would print an error.
if (process.versions.v8.startsWith('11.')) {
  setFlagsFromString('--max-inlined-bytecode-size-cumulative=200');
  setFlagsFromString('--interrupt-budget=270336');
}
await import(entry.href);
