// The entry point GitHub runs (action.yml `runs.main`, bundled to dist/action.js).
import { run } from './main.js';

await run();
