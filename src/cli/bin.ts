import fs from 'node:fs';
import { main } from './main.js';

process.exitCode = main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => fs.readFileSync(0, 'utf8'),
});
