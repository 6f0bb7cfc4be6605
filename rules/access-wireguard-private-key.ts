import { defineRule } from '../src/rule/rule.js';

export default defineRule({
  id: 'access-wireguard-private-key',
  title: 'WireGuard private key committed',
  severity: 'high',
  rationale:
    'A WireGuard private key is the identity of a VPN endpoint. Anyone who can read the repository, or any of its clones and backups, can impersonate that peer and reach whatever its `AllowedIPs` open up, and the key stays in the history after it is removed from the file.',
  remediation:
    'Rotate the key (`wg genkey`), keep the new one out of the repository (a secret store, `PostUp = wg set %i private-key /etc/wireguard/private.key`), and update the public key on every peer.',
  precision: 'high',
  tags: ['vpn', 'secrets'],
  *check({ model: { access } }) {
    for (const k of access.wireguardKeys)
      yield {
        at: k.at,
        message:
          k.source === 'config'
            ? 'WireGuard `PrivateKey` is committed in clear.'
            : 'A WireGuard private key is passed literally to `wg set … private-key`.',
      };
  },
});
