import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/core/config.js';
import { isActive } from '../../src/core/finding.js';
import { lint } from '../../src/engine/lint.js';
import { findRenderer } from '../../src/engine/render.js';
import { scanDirectives, type CommentSyntax } from '../../src/parse/directives.js';
import { RULES } from '../../rules/index.js';

/** `line: form rules -- reason [target] (problem)` for each directive, for compact expectations. */
function scan(text: string, syntax: CommentSyntax): string[] {
  return scanDirectives(text, syntax).map(
    (d) =>
      `${d.span.start.line}: ${d.form ?? '?'} ${d.ruleIds.join(',')} -- ${d.reason} [${d.target ?? '-'}]${d.problem ? ' (problem)' : ''}`,
  );
}

describe('directives in comments (expected readings written from each format’s comment rules)', () => {
  it('YAML: comments only, not quoted strings or block scalars; next-line skips comment lines', () => {
    const text = [
      'a: "# nsl-lint-disable-line x -- in a double-quoted string"',
      "b: '# nsl-lint-disable-line x -- in a single-quoted string'",
      'c: |',
      '  # nsl-lint-disable-line x -- inside a block scalar',
      'd: 1  # nsl-lint-disable-line rule-a, rule-b -- two rules',
      '# nsl-lint-disable-next-line rule-c -- skips the comment below',
      '# a plain comment',
      'e: 2',
      '--- # nsl-lint-disable-file rule-d -- on the document marker',
      'f: [1, 2]  # nsl-lint-disable-line rule-e',
    ].join('\n');
    expect(scan(text, 'yaml')).toEqual([
      '5: disable-line rule-a,rule-b -- two rules [5]',
      '6: disable-next-line rule-c -- skips the comment below [8]',
      '9: disable-file rule-d -- on the document marker [-]',
      '10: disable-line rule-e --  [10]',
    ]);
  });

  it('YAML: a blank line is not a comment (RULES.md: the next line that is not a comment)', () => {
    expect(scan('# nsl-lint-disable-next-line r -- why\n\nkey: v\n', 'yaml')).toEqual(['1: disable-next-line r -- why [2]']);
  });

  it('misplaced and misspelt directives are read, with a problem', () => {
    expect(scan('a: 1  # nsl-lint-disable-next-line r -- why\n# nsl-lint-disable-line r -- why\nb: 2\n', 'yaml')).toEqual([
      '1: disable-next-line r -- why [3] (problem)',
      '2: disable-line r -- why [2] (problem)',
    ]);
    expect(scan('# nsl-lint-disable-lines r -- why\n# nsl-lint-disable-file -- why\n', 'yaml')).toEqual([
      '1: ?  --  [-] (problem)',
      '2: disable-file  -- why [-] (problem)',
    ]);
    // Prose that mentions a directive is not one.
    expect(scan('# see nsl-lint-disable-line in the docs\n# nsl-lint-disable-linefeed\n', 'yaml')).toEqual(['2: ?  --  [-] (problem)']);
  });

  it('shell: quotes, here-documents and `$#` are not comments', () => {
    const text = [
      '#!/bin/sh',
      'echo "# nsl-lint-disable-line a -- double quotes"',
      "echo '# nsl-lint-disable-line a -- single quotes'",
      'cat <<EOF',
      '# nsl-lint-disable-line a -- here-document',
      'EOF',
      'echo $# # nsl-lint-disable-line rule-a -- after $#',
      'iptables -A INPUT -j ACCEPT;# nsl-lint-disable-line rule-b -- after a semicolon',
    ].join('\n');
    expect(scan(text, 'shell')).toEqual(['7: disable-line rule-a -- after $# [7]', '8: disable-line rule-b -- after a semicolon [8]']);
  });

  it('shell that does not parse: the fallback lexer still respects quotes', () => {
    const text = 'if then fi "# nsl-lint-disable-line a -- quoted" # nsl-lint-disable-line rule-a -- real\n';
    expect(scan(text, 'shell')).toEqual(['1: disable-line rule-a -- real [1]']);
  });

  it('nft: a `#` outside a double-quoted string starts a comment anywhere', () => {
    const text =
      'tcp dport 22 accept comment "a # nsl-lint-disable-line b -- quoted"\ntcp dport 23 accept# nsl-lint-disable-line rule-a -- glued\n';
    expect(scan(text, 'nft')).toEqual(['2: disable-line rule-a -- glued [2]']);
  });

  it('iptables-save: only whole-line comments (iptables-restore reads a trailing `#` as an argument)', () => {
    const text =
      '*filter\n-A INPUT -j ACCEPT # nsl-lint-disable-line a -- not a comment here\n# nsl-lint-disable-next-line rule-a -- above\n-A INPUT -j DROP\nCOMMIT\n';
    expect(scan(text, 'iptables-save')).toEqual(['3: disable-next-line rule-a -- above [4]']);
  });

  it('sshd: a `#` that starts a word, outside quotes; WireGuard: any `#`', () => {
    expect(scan('Banner "/etc/a#b" # nsl-lint-disable-line rule-a -- why\nX a#nsl-lint-disable-line b -- mid-word\n', 'sshd')).toEqual([
      '1: disable-line rule-a -- why [1]',
    ]);
    expect(scan('PrivateKey = abc# nsl-lint-disable-line rule-a -- glued\n', 'wireguard')).toEqual(['1: disable-line rule-a -- glued [1]']);
  });
});

const SECRET = (name: string, extra = '', value = 'tk-4f9a0c2e7b'): string =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: shop\n${extra}stringData:\n  token: ${value}\n`;

function lintRepo(files: Record<string, string>, config: Config = defaultConfig(), rules = RULES) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-sup-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const { findings } = lint({ paths: ['.'], cwd: dir, root: dir, config, rules });
  return {
    findings,
    shown: findings.filter(isActive).map((f) => `${f.file}:${f.span.start.line} ${f.ruleId}`),
    suppressed: findings
      .filter((f) => f.suppressed)
      .map((f) => `${f.file}:${f.span.start.line} ${f.ruleId} (${f.suppressed?.justification})`),
  };
}

describe('applying suppressions', () => {
  it('an annotation silences its rule inside its own object only', () => {
    const annotated = SECRET('a', '  annotations:\n    ignore-check.nsl-lint.io/secrets-committed: "test data"\n');
    const run = lintRepo({ 's.yaml': `${annotated}---\n${SECRET('b')}` });
    expect(run.suppressed).toEqual(['s.yaml:9 secrets-committed (test data)']);
    expect(run.shown).toEqual(['s.yaml:17 secrets-committed']);
  });

  it('a file directive covers every line of its file and no other file', () => {
    const run = lintRepo({
      'a.yaml': `# nsl-lint-disable-file secrets-committed -- fixtures\n${SECRET('a')}---\n${SECRET('b')}`,
      'b.yaml': SECRET('c'),
    });
    expect(run.suppressed).toEqual(['a.yaml:8 secrets-committed (fixtures)', 'a.yaml:16 secrets-committed (fixtures)']);
    expect(run.shown).toEqual(['b.yaml:7 secrets-committed']);
  });

  it('a directive for another rule does not silence, and is unused', () => {
    const run = lintRepo({
      's.yaml': SECRET('a').replace('  token:', '  # nsl-lint-disable-next-line netpol-allow-all -- wrong rule\n  token:'),
    });
    expect(run.shown).toEqual(['s.yaml:7 suppression-unused', 's.yaml:8 secrets-committed']);
  });

  it('without a reason nothing is silenced; the directive is invalid, not unused', () => {
    const run = lintRepo({
      's.yaml': SECRET('a').replace('  token: tk-4f9a0c2e7b', '  token: tk-4f9a0c2e7b  # nsl-lint-disable-line secrets-committed --'),
    });
    expect(run.shown).toEqual(['s.yaml:7 secrets-committed', 's.yaml:7 suppression-invalid']);
  });

  it('a rule turned off in the config makes its directives neither used nor unused', () => {
    const config = defaultConfig();
    config.rules['secrets-committed'] = 'off';
    const run = lintRepo({ 's.yaml': SECRET('a', '', '${TOKEN}  # nsl-lint-disable-line secrets-committed -- moved to Vault') }, config);
    expect(run.shown).toEqual([]);
    // With the rule on, the same directive silences nothing: unused.
    expect(lintRepo({ 's.yaml': SECRET('a', '', '${TOKEN}  # nsl-lint-disable-line secrets-committed -- moved to Vault') }).shown).toEqual([
      's.yaml:7 suppression-unused',
    ]);
  });

  it('a rule left out of the run (rule selection) is treated like one turned off', () => {
    const only = RULES.filter((r) => r.id === 'secrets-committed' || r.judgesSuppressions);
    const run = lintRepo({ 's.yaml': SECRET('a', '', 'x  # nsl-lint-disable-line netpol-allow-all -- not run') }, defaultConfig(), only);
    expect(run.shown).toEqual(['s.yaml:7 secrets-committed']);
  });

  it('suppression findings cannot be silenced in the source', () => {
    const run = lintRepo({
      's.yaml': `# nsl-lint-disable-file suppression-unused, suppression-invalid -- noisy\n${SECRET('a', '', '${TOKEN}  # nsl-lint-disable-line secrets-committed -- gone')}`,
    });
    expect(run.shown).toEqual(['s.yaml:1 suppression-invalid', 's.yaml:1 suppression-invalid', 's.yaml:8 suppression-unused']);
  });

  it('the justification comes from the most specific suppression, and every matching one is used', () => {
    const run = lintRepo({
      's.yaml': `# nsl-lint-disable-file secrets-committed -- file reason\n${SECRET('a', '  annotations:\n    ignore-check.nsl-lint.io/secrets-committed: "object reason"\n', 'x  # nsl-lint-disable-line secrets-committed -- line reason')}`,
    });
    expect(run.suppressed).toEqual(['s.yaml:10 secrets-committed (line reason)']);
    expect(run.shown).toEqual([]);
  });

  it('in scripts and configs the directive covers the line a host finding is anchored at', () => {
    const run = lintRepo({
      'fw.sh':
        '#!/bin/sh\n# nsl-lint-disable-next-line host-port-open-to-world -- bastion\niptables -A INPUT -p tcp --dport 22 -j ACCEPT\niptables -A INPUT -p tcp --dport 6443 -j ACCEPT\n',
    });
    expect(run.suppressed).toEqual(['fw.sh:3 host-port-open-to-world (bastion)']);
    expect(run.shown).toEqual(['fw.sh:4 host-port-open-to-world']);
  });
});

const TREE = path.resolve(import.meta.dirname, '../render/overlay-tree');
const renderer = findRenderer(process.env['PATH'] ?? '', TREE);

describe.skipIf(!renderer)('annotations after rendering (kustomize or kubectl on PATH)', () => {
  it('silence findings in the built object, mapped back to its source range', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsl-sup-render-'));
    fs.cpSync(TREE, dir, { recursive: true });
    const file = path.join(dir, 'overlay/allow-api.yaml');
    const annotated = fs
      .readFileSync(file, 'utf8')
      .replace(
        '  name: allow-api\n',
        '  name: allow-api\n  annotations:\n    ignore-check.nsl-lint.io/netpol-allow-all: "health checks from every node"\n',
      );
    fs.writeFileSync(file, annotated);
    const config = { ...defaultConfig(), render: 'kustomize' as const };
    const { findings } = lint({ paths: ['.'], cwd: dir, root: dir, config, rules: RULES });
    const allowAll = findings.filter((f) => f.ruleId === 'netpol-allow-all');
    expect(allowAll.map((f) => [f.file, f.span.start.line, f.suppressed?.justification])).toEqual([
      ['overlay/allow-api.yaml', 12, 'health checks from every node'],
    ]);
    expect(findings.filter((f) => f.ruleId.startsWith('suppression-'))).toEqual([]);
  });
});
