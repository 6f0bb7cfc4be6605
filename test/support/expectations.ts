import fs from 'node:fs';
import path from 'node:path';

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
