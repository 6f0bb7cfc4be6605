import { defineRule } from '../src/rule/rule.js';
import type { Node } from '../src/model/node.js';
import { resourcesOf } from '../src/model/model.js';
import { decodeBase64, isConfigurationKey, isPlaceholder } from '../src/analysis/secrets.js';

export default defineRule({
  id: 'secrets-committed',
  title: 'Secret with clear-text data committed',
  severity: 'high',
  rationale:
    "A `Secret` manifest with `data` or `stringData` puts the credential in the repository's history for everyone who can read it. `data` is base64, an encoding anyone can reverse, not encryption.",
  remediation:
    'Remove the values from the repository and rotate them. Keep secrets encrypted (SOPS, Sealed Secrets) or fetch them at run time (External Secrets Operator, Vault).',
  precision: 'high',
  tags: ['kubernetes', 'secrets'],
  *check({ model }) {
    for (const secret of resourcesOf(model, 'Secret', [''])) {
      // SOPS keeps its metadata beside the encrypted values.
      if (secret.root.get('sops') !== undefined) continue;
      // `data` is base64: a placeholder is judged on the decoded text.
      const placeholder = (field: string, value: unknown): boolean =>
        isPlaceholder(value) || (field === 'data' && typeof value === 'string' && isPlaceholder(decodeBase64(value) ?? value));
      // What the Secret holds besides its settings (url, type, username, …).
      const secretEntries = (field: string, map: Node | undefined): [string, Node][] =>
        (map?.entries() ?? []).filter(([key, v]) => !isConfigurationKey(key) && !placeholder(field, v.value));
      const maps = ['data', 'stringData'].map((field) => [field, secret.root.get(field)] as const).filter(([, m]) => m?.isMap);
      const filled = maps.flatMap(([field, m]) => secretEntries(field, m));
      if (filled.length === 0) continue;
      const firstMap = maps.find(([field, m]) => secretEntries(field, m).length > 0)?.[1];
      const firstKey = firstMap?.entries()[0]?.[1];
      if (!firstKey) continue;
      const keys = filled.map(([k]) => k);
      yield {
        at: firstKey.keyLoc,
        message: `Secret "${secret.namespace}/${secret.name}" commits ${keys.length} value${keys.length === 1 ? '' : 's'} in clear (${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}); base64 is not encryption.`,
      };
    }
  },
});
