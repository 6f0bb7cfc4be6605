import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'parse-error',
  title: 'File could not be parsed',
  severity: 'high',
  rationale:
    'A manifest or firewall file that does not parse is not checked at all, and the tool that applies it will reject it or, worse, read something else than intended (a duplicated key silently keeps only one value).',
  remediation:
    'Fix the syntax at the reported position; run the file through the tool that consumes it (`kubectl apply --dry-run=server`, `nft -c -f`, `iptables-restore --test`).',
  precision: 'very-high',
  tags: ['syntax'],
  *check({ model: { parseErrors } }) {
    for (const e of parseErrors) yield { at: { file: e.file, span: e.span }, message: `Cannot parse: ${e.message}` };
  },
});
