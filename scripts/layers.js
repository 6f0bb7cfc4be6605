// The layers of nsl-lint, bottom up, and what each may import. Data flows one way:
// a layer imports only the layers listed for it (all of them below it), never one above.
// eslint.config.js enforces this table; test/layers.test.ts checks the whole import graph.
import path from 'node:path';

export const LAYERS = [
  { name: 'core', dir: 'src/core', may: [] },
  { name: 'discover', dir: 'src/discover', may: ['core'] },
  { name: 'parse', dir: 'src/parse', may: ['core'] },
  { name: 'model', dir: 'src/model', may: ['core', 'discover', 'parse'] },
  { name: 'analysis', dir: 'src/analysis', may: ['core', 'parse', 'model'] },
  { name: 'rule', dir: 'src/rule', may: ['core', 'parse', 'model', 'analysis'] },
  { name: 'rules', dir: 'rules', may: ['core', 'parse', 'model', 'analysis', 'rule'] },
  { name: 'engine', dir: 'src/engine', may: ['core', 'discover', 'parse', 'model', 'analysis', 'rule', 'rules'] },
  { name: 'report', dir: 'src/report', may: ['core', 'rule'] },
  { name: 'cli', dir: 'src/cli', may: ['core', 'discover', 'parse', 'model', 'analysis', 'rule', 'rules', 'engine', 'report'] },
  {
    name: 'action',
    dir: 'src/action',
    may: ['core', 'discover', 'parse', 'model', 'analysis', 'rule', 'rules', 'engine', 'report', 'cli'],
  },
];

const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));

/** The layer a file (absolute path) belongs to, if any. */
export function layerOf(file) {
  const rel = path.relative(ROOT, file).split(path.sep).join('/');
  return LAYERS.find((l) => rel === l.dir || rel.startsWith(`${l.dir}/`));
}

/** Why importing `target` from `file` breaks the layering, or undefined when it does not. */
export function layerViolation(file, target) {
  const from = layerOf(file);
  const to = layerOf(target);
  if (!from || !to || from === to || from.may.includes(to.name)) return undefined;
  const allowed = from.may.length ? from.may.join(', ') : 'nothing of the project';
  return `layer "${from.name}" (${from.dir}/) may import ${allowed}; "${to.name}" (${to.dir}/) is not below it. Layers, bottom up: ${LAYERS.map((l) => l.name).join(' < ')}.`;
}

/** ESLint rule: every relative import (type-only ones too) must respect the table above. */
export const layersPlugin = {
  rules: {
    'only-downward': {
      meta: { type: 'problem', docs: { description: 'imports go only to the layers below' }, schema: [] },
      create(context) {
        const check = (node, source) => {
          if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
          const target = path.resolve(path.dirname(context.filename), source.value);
          const message = layerViolation(context.filename, target);
          if (message) context.report({ node, message });
        };
        return {
          ImportDeclaration: (node) => check(node, node.source),
          ExportNamedDeclaration: (node) => check(node, node.source),
          ExportAllDeclaration: (node) => check(node, node.source),
          ImportExpression: (node) => check(node, node.source),
          TSImportType: (node) => check(node, node.argument?.literal ?? node.argument),
        };
      },
    },
  },
};
