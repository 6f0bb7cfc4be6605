// Regenerates rules/README.md from the rules' metadata.
import fs from 'node:fs';
import { RULES } from '../rules/index.js';
import { renderRuleDocs } from '../src/report/rule-docs.js';

const target = new URL('../rules/README.md', import.meta.url);
fs.writeFileSync(target, renderRuleDocs(RULES));
console.log(`wrote rules/README.md (${RULES.length} rules)`);
