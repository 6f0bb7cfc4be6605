/* global process, console */
// The floor nsl-lint is measured against: read every manifest file under the given folder
// and parse it with js-yaml's loadAll (JSON files with JSON.parse), nothing else. Plain
// JavaScript, so that it starts like the bundled CLI does.
import fs from 'node:fs';
import path from 'node:path';
import jsyaml from 'js-yaml';

let files = 0;
let documents = 0;
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(abs);
    else if (entry.isFile() && /\.(ya?ml|json)$/i.test(entry.name)) {
      const text = fs.readFileSync(abs, 'utf8');
      files++;
      try {
        if (/\.json$/i.test(entry.name)) documents += JSON.parse(text) === null ? 0 : 1;
        else jsyaml.loadAll(text, () => documents++);
      } catch {
        // A file that does not parse costs what it cost.
      }
    }
  }
};
walk(path.resolve(process.argv[2] ?? '.'));
if (process.env.NSL_BENCH_VERBOSE) console.log(`${files} files, ${documents} documents`);
