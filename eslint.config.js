import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './scripts/layers.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'fixtures/', 'examples/', '.stryker-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts', 'rules/**/*.ts'],
    plugins: { layers: layersPlugin },
    rules: { 'layers/only-downward': 'error' },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.js', 'test/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', console: 'readonly' } },
  },
);
