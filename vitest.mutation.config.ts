import { defineConfig } from 'vitest/config';

// The tests that exercise src/analysis/ without root or external tools: what the mutation
// check (`npm run mutation`) runs against each mutant.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/netpol/**/*.test.ts', 'test/analysis/**/*.test.ts', 'test/fixtures.test.ts'],
    testTimeout: 30_000,
  },
});
