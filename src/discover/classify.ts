import path from 'node:path';

/** What a file is read as. Discovery decides by name first and by a look at content second. */
export type FileKind = 'manifest' | 'shell' | 'iptables-save' | 'nft' | 'wireguard' | 'sshd';

/**
 * A firewall command as a word of a script: called (`iptables -A …`, `/sbin/nft -f`), stored
 * in a variable (`IPT=iptables`, `IPT="$(command -v iptables)"`) or looked up (`` `which nft` ``).
 */
const FIREWALL_COMMAND =
  /(^|[\s;&|`(/"'=])(iptables|ip6tables|iptables-legacy|iptables-nft|ip6tables-legacy|ip6tables-nft|nft)(\s|$|["'`);&|])/m;
/** `wg set …`: a script that configures WireGuard peers (read for the access rules). */
const WG_SET = /(^|[\s;&|`(/"'])wg\s+set\s/m;
const SAVE_TABLE = /^\s*\*(filter|nat|mangle|raw|security)\s*$/m;

/**
 * Extensions of files that are never firewall scripts (source code, documents, images,
 * archives): the walk does not even look for a `#!` line in them.
 */
const NEVER_SCRIPTS = new Set(
  (
    '.go .py .js .mjs .cjs .ts .tsx .jsx .java .kt .rs .c .h .cc .cpp .hpp .cs .rb .php .swift .scala .lua .pl ' +
    '.md .txt .rst .adoc .html .htm .css .scss .svg .xml .toml .ini .cfg .csv .tsv .lock .sum .mod .proto .tf .tfvars .tpl .j2 .gotmpl ' +
    '.png .jpg .jpeg .gif .ico .webp .pdf .zip .gz .tgz .tar .bz2 .xz .jar .war .so .a .o .bin .exe .dll .pyc .class .woff .woff2 .ttf .eot .mp4 .mp3 ' +
    '.pem .crt .key .pub .csr .der .p12 .asc .sig .patch .diff .log .out .golden .snap .cue .jsonnet .libsonnet .bzl .bazel .star .cmake .mk .gradle .properties .env .sql .graphql .ipynb .dot'
  ).split(' '),
);

/** A name that says nothing about the content: only a `#!` line could make it a script. */
export function mayBeScript(relPath: string): boolean {
  return !NEVER_SCRIPTS.has(path.posix.extname(relPath).toLowerCase());
}

/** Kind by name alone, or `needs-content` when only the text can tell. */
export function kindByName(relPath: string): FileKind | 'needs-content' | undefined {
  const base = path.posix.basename(relPath);
  const ext = path.posix.extname(base).toLowerCase();
  if (ext === '.yaml' || ext === '.yml' || ext === '.json' || base === 'Kustomization') return 'manifest';
  if (base === 'sshd_config' || (ext === '.conf' && path.posix.basename(path.posix.dirname(relPath)) === 'sshd_config.d')) return 'sshd';
  if (base === 'rules.v4' || base === 'rules.v6' || ext === '.v4' || ext === '.v6') return 'iptables-save';
  if (ext === '.nft' || base === 'nftables.conf') return 'nft';
  if (ext === '.sh' || ext === '.bash' || ext === '.rules' || ext === '.conf' || ext === '') return 'needs-content';
  return undefined;
}

/** Kind from content, for names that do not settle it. */
export function kindByContent(relPath: string, text: string): FileKind | undefined {
  const base = path.posix.basename(relPath);
  const ext = path.posix.extname(base).toLowerCase();
  const firstLine = text.slice(0, 200).split('\n', 1)[0] ?? '';
  if (ext === '.rules') return /^iptables.*\.rules$|^ip6tables.*\.rules$/.test(base) || SAVE_TABLE.test(text) ? 'iptables-save' : undefined;
  if (ext === '.conf') return /^\s*\[Interface\]\s*$/m.test(text) ? 'wireguard' : undefined;
  if (/^#!.*\bnft\b.*-f/.test(firstLine)) return 'nft';
  const shellName = ext === '.sh' || ext === '.bash';
  const shellBang = /^#!.*\b(ba|da|k|z)?sh\b/.test(firstLine);
  if ((shellName || shellBang) && (FIREWALL_COMMAND.test(text) || WG_SET.test(text))) return 'shell';
  if (ext === '' && SAVE_TABLE.test(firstStatement(text))) return 'iptables-save';
  return undefined;
}

function firstStatement(text: string): string {
  for (const line of text.split('\n', 50)) {
    const t = line.trim();
    if (t && !t.startsWith('#')) return t;
  }
  return '';
}
