import type { SourceFile } from '../discover/discover.js';
import { scanDirectives, type CommentSyntax } from '../parse/directives.js';
import type { Resource } from './k8s.js';
import type { Suppression } from './model.js';

/** The annotation prefix that silences a rule for one Kubernetes object. */
export const IGNORE_ANNOTATION = 'ignore-check.nsl-lint.io/';

/**
 * The comment directives of one file (`text` is its content), if it takes `#` comments. The
 * model lists every file's directives in path order, then the objects' annotations.
 */
export function fileSuppressions(file: Pick<SourceFile, 'path' | 'kind'>, text: string): Suppression[] {
  const out: Suppression[] = [];
  const syntax = commentSyntax(file);
  if (syntax) {
    for (const d of scanDirectives(text, syntax)) {
      out.push({
        at: { file: file.path, span: d.span },
        form: d.form ? `nsl-lint-${d.form}` : d.text.split(/\s/, 1)[0] || 'nsl-lint-disable',
        ruleIds: d.ruleIds,
        reason: d.reason,
        scope: d.form === 'disable-file' ? { kind: 'file', file: file.path } : { kind: 'line', file: file.path, line: d.target },
        ...(d.problem !== undefined ? { problem: d.problem } : {}),
      });
    }
  }
  return out;
}

/** The objects' suppression annotations, in object order. */
export function annotationSuppressions(resources: readonly Resource[]): Suppression[] {
  const out: Suppression[] = [];
  // One source object can stand for several (once per kustomize build that reaches it): its
  // annotations are one suppression each.
  const seen = new Set<string>();
  for (const r of resources) {
    for (const [key, node] of r.metadata?.get('annotations')?.entries() ?? []) {
      if (!key.startsWith(IGNORE_ANNOTATION)) continue;
      const at = node.keyLoc;
      const id = JSON.stringify([at, r.root.loc]);
      if (seen.has(id)) continue;
      seen.add(id);
      const ruleId = key.slice(IGNORE_ANNOTATION.length);
      const value = node.value;
      out.push({
        at,
        form: key,
        ruleIds: ruleId ? [ruleId] : [],
        reason: typeof value === 'string' ? value.trim() : '',
        scope: { kind: 'object', object: r.root.loc },
        ...(typeof value !== 'string' && value !== null && value !== undefined
          ? { problem: 'takes the reason as its value, a string' }
          : ruleId === ''
            ? { problem: 'names no rule after the `/`' }
            : {}),
      });
    }
  }
  return out;
}

/** How a discovered file writes comments; JSON has none. */
function commentSyntax(file: Pick<SourceFile, 'path' | 'kind'>): CommentSyntax | undefined {
  switch (file.kind) {
    case 'manifest':
      return file.path.toLowerCase().endsWith('.json') ? undefined : 'yaml';
    case 'shell':
    case 'nft':
    case 'iptables-save':
    case 'sshd':
    case 'wireguard':
      return file.kind;
  }
}
