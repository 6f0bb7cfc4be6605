import { defineRule } from '../src/rule/rule.js';
import { resourcesOf } from '../src/model/model.js';
import {
  decodeBase64,
  holdsPrivateKey,
  isCredentialKey,
  isFlagValue,
  isPlaceholder,
  jsonHoldsCredential,
  urlPassword,
} from '../src/analysis/secrets.js';

export default defineRule({
  id: 'secrets-in-configmap',
  title: 'Credential stored in a ConfigMap',
  severity: 'high',
  rationale: `A ConfigMap is plain configuration: it is committed in clear, readable by anyone who may read
ConfigMaps in the namespace (a far wider group than Secret readers), printed by \`kubectl describe\` and copied
into logs and support bundles. A key named like a credential (\`DB_PASSWORD\`, \`STRIPE_API_KEY\`,
\`redisPassword\`) with a real value, a PEM private key, or a URL with an embedded password
(\`postgres://app:…@db/app\`) in one leaks that credential. Settings about a credential (\`PASSWORD_MIN_LENGTH\`,
\`token_ttl\`, \`secret_name\`, \`password_file\`) and references resolved elsewhere (\`\${VAR}\`, \`$(VAR)\`,
\`{{ … }}\`, file paths, \`vault:\`/\`ref+\` references, placeholders) are not reported.`,
  remediation:
    'Move the value into a Secret (encrypted with SOPS or Sealed Secrets, or fetched by External Secrets Operator) and reference it with `secretKeyRef`, or point the setting at a mounted file; rotate the exposed credential.',
  precision: 'high',
  tags: ['kubernetes', 'secrets'],
  *check({ model }) {
    for (const map of resourcesOf(model, 'ConfigMap', [''])) {
      const name = `${map.namespace}/${map.name}`;
      for (const [key, node] of map.root.get('data')?.entries() ?? []) {
        const value = node.str();
        if (value === undefined) continue;
        const why = leak(key, value);
        if (why)
          yield {
            at: node.keyLoc,
            message: `ConfigMap "${name}" key "${key}" ${why}; anyone who may read ConfigMaps in the namespace can read the credential.`,
          };
      }
      // binaryData is base64 of the file: judged by its key, and by a private key inside.
      for (const [key, node] of map.root.get('binaryData')?.entries() ?? []) {
        const value = node.str() ?? '';
        const text = decodeBase64(value) ?? '';
        const why =
          text && holdsPrivateKey(text)
            ? 'holds a PEM private key'
            : isCredentialKey(key) && value.trim() !== '' && !isPlaceholder(text)
              ? 'is named like a credential and holds a value'
              : undefined;
        if (why)
          yield {
            at: node.keyLoc,
            message: `ConfigMap "${name}" binaryData key "${key}" ${why}; anyone who may read ConfigMaps in the namespace can read the credential.`,
          };
      }
    }
  },
});

/** Why a `data` entry leaks a credential, or undefined when it does not. */
function leak(key: string, value: string): string | undefined {
  if (holdsPrivateKey(value)) return 'holds a PEM private key';
  if (urlPassword(value) !== undefined) return 'holds a URL with an embedded password';
  if (!isCredentialKey(key) || isPlaceholder(value) || isFlagValue(value)) return undefined;
  // A JSON settings document under the key (names of Secrets, file names) is judged by what it holds.
  const inner = jsonHoldsCredential(value);
  if (inner === false) return undefined;
  return inner ? 'holds a JSON document with a credential in it' : 'is named like a credential and holds a value';
  return undefined;
}
