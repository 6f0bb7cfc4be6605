import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';

/**
 * Expectations written inside fixture files: `# expect: rule-a, rule-b` at the end of a
 * line expects those findings on that line; a marker alone on its line applies to the
 * next line that is not itself a marker or blank. JSON files, which cannot hold comments,
 * take a sidecar `<file>.expect` with lines `LINE rule-id[, rule-id]`.
 */
const MARKER = /(?:^|\s)#\s*expect:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)\s*$/;

export interface Expectation {
  file: string;
  line: number;
  ruleId: string;
}

export function expectationsIn(relPath: string, text: string): Expectation[] {
  const out: Expectation[] = [];
  const lines = text.split(/\r?\n/);
  let pending: string[] = [];
  lines.forEach((line, i) => {
    const m = MARKER.exec(line);
    const standalone = m !== null && line.trim().startsWith('#');
    if (m && standalone) {
      pending.push(...split(m[1] ?? ''));
      return;
    }
    if (line.trim() === '' && pending.length) return;
    const here = [...pending, ...(m ? split(m[1] ?? '') : [])];
    for (const ruleId of here) out.push({ file: relPath, line: i + 1, ruleId });
    pending = [];
  });
  return out;
}

function split(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function sidecarExpectations(relPath: string, text: string): Expectation[] {
  const out: Expectation[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+(.+)$/.exec(line);
    if (!m) continue;
    for (const ruleId of split(m[2] ?? '')) out.push({ file: relPath, line: Number(m[1]), ruleId });
  }
  return out;
}

/** All expectations of a fixture directory, paths relative to it. */
export function collectExpectations(dir: string): Expectation[] {
  const out: Expectation[] = [];
  const visit = (abs: string): void => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const full = path.join(abs, entry.name);
      if (entry.isDirectory()) visit(full);
      else {
        const rel = path.relative(dir, full).split(path.sep).join('/');
        const text = fs.readFileSync(full, 'utf8');
        if (rel.endsWith('.expect')) out.push(...sidecarExpectations(rel.slice(0, -'.expect'.length), text));
        else out.push(...expectationsIn(rel, text));
      }
    }
  };
  visit(dir);
  return out;
}

export function formatExpectation(e: Expectation): string {
  return `${e.file}:${e.line} ${e.ruleId}`;
}

/**
 * The quiet cases a fixture directory holds for a rule: Kubernetes objects whose
 * `metadata.name` starts with `quiet-`, files and folders whose name starts with `quiet`,
 * or the whole directory when it is a `<rule>--quiet-…` case. Each comes with the number
 * of markers for the rule inside it: a quiet case carries none.
 */
export function quietCases(dir: string, ruleId: string): { where: string; markers: number }[] {
  const all = collectExpectations(dir).filter((e) => e.ruleId === ruleId);
  const markersIn = (file: string, from = 1, to = Infinity): number =>
    all.filter((e) => (e.file === file || e.file.startsWith(`${file}/`)) && e.line >= from && e.line <= to).length;
  const out: { where: string; markers: number }[] = [];
  if (/--quiet-/.test(path.basename(dir))) out.push({ where: path.basename(dir), markers: all.length });
  const visit = (abs: string): void => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const full = path.join(abs, entry.name);
      const rel = path.relative(dir, full).split(path.sep).join('/');
      if (entry.name.startsWith('quiet')) out.push({ where: rel, markers: markersIn(rel) });
      if (entry.isDirectory()) visit(full);
      else if (/\.ya?ml$/.test(entry.name)) {
        const text = fs.readFileSync(full, 'utf8');
        const counter = new LineCounter();
        for (const doc of parseAllDocuments(text, { lineCounter: counter })) {
          if (!('contents' in doc)) continue;
          const name: unknown = doc.getIn(['metadata', 'name']);
          if (typeof name !== 'string' || !name.startsWith('quiet-') || !doc.range) continue;
          const from = counter.linePos(doc.range[0]).line;
          const to = counter.linePos(doc.range[2]).line;
          out.push({ where: `${rel}:${from} ${name}`, markers: markersIn(rel, from, to) });
        }
      }
    }
  };
  visit(dir);
  return out;
}
