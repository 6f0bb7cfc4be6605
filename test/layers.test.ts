import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { LAYERS, layerOf, layerViolation } from '../scripts/layers.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Every source file of the product and what it imports (type-only imports included), read by TypeScript's own scanner. */
function importGraph(): Map<string, string[]> {
  const files = ['src', 'rules'].flatMap((dir) =>
    fs
      .readdirSync(path.join(ROOT, dir), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(ROOT, dir, f)),
  );
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((i) => i.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => path.resolve(path.dirname(file), name).replace(/\.js$/, '.ts'))
      .filter((target) => target.endsWith('.ts') && fs.existsSync(target));
    graph.set(file, targets);
  }
  return graph;
}

/** Strongly connected components with more than one member (or a self-edge): the cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.map((f) => path.relative(ROOT, f)).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('layers: imports go only downwards', () => {
  const graph = importGraph();

  it('every source file belongs to a layer', () => {
    const orphans = [...graph.keys()].filter((f) => !layerOf(f)).map((f) => path.relative(ROOT, f));
    expect(orphans, `add these files' folders to LAYERS in scripts/layers.js`).toEqual([]);
  });

  it('every import respects the layer table', () => {
    const violations: string[] = [];
    for (const [file, targets] of graph)
      for (const t of targets) {
        const why = layerViolation(file, t);
        if (why) violations.push(`${path.relative(ROOT, file)} -> ${path.relative(ROOT, t)}: ${why}`);
      }
    expect(violations).toEqual([]);
  });

  it('has no import cycle between files, type-only imports included', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no cycle between layer folders', () => {
    const folders = new Map<string, string[]>();
    for (const [file, targets] of graph) {
      const from = layerOf(file)!.name;
      const list = folders.get(from) ?? [];
      for (const t of targets) if (layerOf(t)!.name !== from) list.push(layerOf(t)!.name);
      folders.set(from, list);
    }
    expect(cycles(folders)).toEqual([]);
  });

  it('each layer may import only layers below it in the table', () => {
    LAYERS.forEach((layer, i) => {
      const below = new Set(LAYERS.slice(0, i).map((l) => l.name));
      expect(
        layer.may.filter((m) => !below.has(m)),
        `${layer.name} lists a layer that is not below it`,
      ).toEqual([]);
    });
  });

  it('the linter fails a back edge with a message that names the layers', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const [result] = await eslint.lintText("import type { LintResult } from '../engine/lint.js';\nexport type X = LintResult;\n", {
      filePath: path.join(ROOT, 'src/model/back-edge-probe.ts'),
    });
    const messages = (result?.messages ?? []).filter((m) => m.ruleId === 'layers/only-downward').map((m) => m.message);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('layer "model" (src/model/) may import core, discover, parse; "engine" (src/engine/) is not below it');
    const [clean] = await eslint.lintText("import type { Span } from '../core/location.js';\nexport type X = Span;\n", {
      filePath: path.join(ROOT, 'src/model/back-edge-probe.ts'),
    });
    expect((clean?.messages ?? []).filter((m) => m.ruleId === 'layers/only-downward')).toEqual([]);
  });
});
