import type { SpanLocation } from '../core/location.js';
import type { SourceFile } from '../discover/discover.js';
import { parseSshd, parseWireGuard } from '../parse/conf.js';
import type { ShellCommand } from '../parse/shell-run.js';

/** VPN and bastion access configuration found in the repository. */
export interface AccessModel {
  /** Committed WireGuard private keys: `PrivateKey = …` lines and `wg set … private-key` literals. */
  wireguardKeys: { at: SpanLocation; source: 'config' | 'script' }[];
  /** sshd directives in effect, per file and Match block (the first value of a keyword wins, as in sshd). */
  sshd: { file: string; section: string; key: string; value: string; at: SpanLocation }[];
}

export function emptyAccessModel(): AccessModel {
  return { wireguardKeys: [], sshd: [] };
}

/** A WireGuard key: 32 bytes in base64. Placeholders (`<key>`, `${KEY}`, `{{ … }}`) are not keys. */
export const WG_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const WG_KEY_IN_TEXT = /(?:^|[^A-Za-z0-9+/])([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)(?![A-Za-z0-9+/=])/;

export function loadAccess(access: AccessModel, files: SourceFile[]): void {
  for (const f of files) {
    if (f.kind === 'wireguard') {
      for (const e of parseWireGuard(f.path, f.text))
        if (e.section.toLowerCase() === 'interface' && e.key.toLowerCase() === 'privatekey' && WG_KEY.test(e.value))
          access.wireguardKeys.push({ at: e.at, source: 'config' });
    } else if (f.kind === 'sshd') {
      const seen = new Set<string>();
      for (const e of parseSshd(f.path, f.text)) {
        const key = `${e.section}\0${e.key}`;
        if (seen.has(key)) continue;
        seen.add(key);
        access.sshd.push({ file: f.path, section: e.section, key: e.key, value: e.value, at: e.at });
      }
    }
  }
}

/** `wg set IFACE private-key <(echo KEY)` and the like: a key literal on the command line. */
export function wgSetPrivateKey(cmd: ShellCommand): { at: SpanLocation; source: 'script' } | undefined {
  const words = cmd.args.map((a) => a.text);
  const i = words.indexOf('private-key');
  if (words[0] !== 'set' || i < 0) return undefined;
  const value = cmd.args[i + 1];
  if (!value) return undefined;
  return WG_KEY_IN_TEXT.test(value.text) ? { at: cmd.at, source: 'script' } : undefined;
}
