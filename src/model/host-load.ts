import path from 'node:path';
import type { SpanLocation } from '../core/location.js';
import type { SourceFile } from '../discover/discover.js';
import type { Family } from '../core/ip.js';
import { LineIndex } from '../parse/conf-text.js';
import { IptError, parseIptables } from '../parse/iptables.js';
import { IptablesState } from '../parse/iptables-ruleset.js';
import { readIptablesSave } from '../parse/iptables-save.js';
import { NftError, NftReader, type NftFiles } from '../parse/nft.js';
import { checkShellSyntaxParts } from '../parse/shell-syntax.js';
import { extractShell, type ShellCommand } from '../parse/shell-run.js';
import { ShellParseError, parseShellScript, type ParsedScript } from '../parse/shell.js';
import { RepositoryReader } from '../discover/repository.js';
import type { Model, ParseErrorRecord } from './model.js';
import type { FwTable } from '../parse/netfilter.js';
import { emptyHostModel, type HostModel, type Ruleset } from './firewall.js';
import { loadAccess, wgSetPeers, wgSetPrivateKey } from './access.js';

/**
 * Parse the host firewall files of the model into rulesets, and fill `model.access` with
 * the WireGuard and sshd settings (including keys set by scripts). Parse errors go to
 * `model.parseErrors`. Part of building the model; called once by `loadModel`.
 */
export function loadHost(model: Model): HostModel {
  const host = emptyHostModel();
  const repo = new RepositoryReader(model.root, model.files, model.notices, model.config.maxFileBytes);
  const errors = model.parseErrors;
  loadAccess(model.access, model.files);

  // nftables files included by another one are analysed as part of it, not on their own;
  // files that include each other (a loop, reported as a parse error) stay on their own.
  const nftFiles = model.files.filter((f) => f.kind === 'nft');
  const includes = new Map<string, Set<string>>();
  for (const f of nftFiles) {
    const reader = new NftReader(repo);
    try {
      reader.readFile(f.path, f.text);
    } catch {
      // Reported below when the file is analysed on its own.
    }
    includes.set(f.path, new Set(reader.files.filter((other) => other !== f.path)));
  }
  const included = new Set<string>();
  for (const [parent, children] of includes) for (const child of children) if (!includes.get(child)?.has(parent)) included.add(child);

  const saveFiles = model.files.filter((f) => f.kind === 'iptables-save');
  const paired = pairSaveFiles(saveFiles);

  for (const file of model.files) {
    // One file's failure is a notice for that file; the others are still read.
    try {
      const rs = loadHostFile(file, repo, errors, model, included, paired);
      if (rs) host.rulesets.push(rs);
    } catch (err) {
      model.notices.push({
        level: 'error',
        file: file.path,
        message: `internal error while reading this file (${(err as Error)?.message ?? String(err)}); it was not checked`,
        internal: true,
      });
    }
  }
  return host;
}

function loadHostFile(
  file: SourceFile,
  repo: RepositoryReader,
  errors: ParseErrorRecord[],
  model: Model,
  included: ReadonlySet<string>,
  paired: ReadonlyMap<string, SourceFile[]>,
): Ruleset | undefined {
  if (file.kind === 'shell') return loadScript(file, repo, errors, model);
  if (file.kind === 'nft' && !included.has(file.path)) return loadNftFile(file, repo, errors);
  // The second file of an iptables-save pair is read with the first.
  const group = file.kind === 'iptables-save' ? paired.get(file.path) : undefined;
  return group ? loadSaveGroup(group, errors) : undefined;
}

function pushError(errors: ParseErrorRecord[], e: unknown, fallback: SpanLocation): void {
  if (e instanceof IptError || e instanceof NftError) {
    const at = e.at ?? fallback;
    errors.push({ file: at.file, message: e.message, span: at.span });
  } else if (e instanceof ShellParseError) {
    errors.push({ file: fallback.file, message: e.message, span: fallback.span });
  } else throw e;
}

function saveFamily(file: SourceFile): Family {
  const base = path.posix.basename(file.path);
  if (base.endsWith('.v6') || base.startsWith('ip6tables')) return 6;
  if (base.endsWith('.v4') || base.startsWith('iptables')) return 4;
  // Any other name: decide by what the rules hold.
  return /^-A .*(\s-[sd]\s+[0-9a-fA-F]*:[0-9a-fA-F:]*[:/]|ipv6-icmp|icmpv6)/m.test(file.text) ? 6 : 4;
}

/** The partner name of an iptables-save file in the same directory (`rules.v4` ↔ `rules.v6`, …). */
function partnerName(base: string): string | undefined {
  if (base.endsWith('.v4')) return `${base.slice(0, -3)}.v6`;
  if (base.endsWith('.v6')) return `${base.slice(0, -3)}.v4`;
  if (/^iptables.*\.rules$/.test(base)) return `ip6${base.slice(2)}`;
  if (/^ip6tables.*\.rules$/.test(base)) return base.replace(/^ip6/, 'ip');
  return undefined;
}

/** Groups of iptables-save files that form one ruleset, keyed by the file that names the group. */
function pairSaveFiles(files: SourceFile[]): Map<string, SourceFile[]> {
  const out = new Map<string, SourceFile[]>();
  const byPath = new Map(files.map((f) => [f.path, f]));
  const taken = new Set<string>();
  for (const f of files) {
    if (taken.has(f.path)) continue;
    const dir = path.posix.dirname(f.path);
    const partner = partnerName(path.posix.basename(f.path));
    const other = partner ? byPath.get(dir === '.' ? partner : `${dir}/${partner}`) : undefined;
    const group = other && !taken.has(other.path) ? [f, other] : [f];
    group.sort((a, b) => saveFamily(a) - saveFamily(b));
    for (const g of group) taken.add(g.path);
    out.set(f.path, group);
  }
  return out;
}

function loadSaveGroup(group: SourceFile[], errors: ParseErrorRecord[]): Ruleset | undefined {
  const tables: FwTable[] = [];
  const filters: Record<Family, SpanLocation | undefined> = { 4: undefined, 6: undefined };
  let failed = false;
  for (const file of group) {
    const family = saveFamily(file);
    const index = new LineIndex(file.path, file.text);
    const state = new IptablesState(family, true);
    try {
      readIptablesSave(index, state, family);
      const local: IptError[] = [];
      const t = state.toTables((e) => local.push(e));
      if (local[0]) throw local[0];
      tables.push(...t);
      filters[family] ??= state.firstPolicy ?? state.firstFilter;
    } catch (e) {
      pushError(errors, e, index.at(0));
      failed = true;
    }
  }
  if (failed) return undefined;
  const first = group[0] as SourceFile;
  return finish({
    file: first.path,
    files: group.map((g) => g.path),
    source: 'iptables-save',
    tables,
    unresolved: [],
    filters,
    interfaces: [],
    rendered: {},
  });
}

function loadNftFile(file: SourceFile, repo: NftFiles, errors: ParseErrorRecord[]): Ruleset | undefined {
  const reader = new NftReader(repo);
  try {
    reader.readFile(file.path, file.text);
    const invalid = reader.validate();
    if (invalid) throw invalid;
  } catch (e) {
    pushError(errors, e, new LineIndex(file.path, file.text).at(0));
    return undefined;
  }
  return finish({
    file: file.path,
    files: reader.files,
    source: 'nft',
    tables: reader.tablesOut(),
    unresolved: [],
    filters: { ...reader.firstTable },
    interfaces: [...reader.interfaces],
    rendered: {},
  });
}

/**
 * A shell script: nsl-lint's own parser reads it (and says where it can be cut between
 * statements), sh-syntax checks its syntax piece by piece, and the firewall commands are
 * extracted within the expansion budgets. A syntax error is a parse error; a script the own
 * parser cannot read, or parts sh-syntax gave no verdict on, are notices.
 */
function loadScript(file: SourceFile, repo: RepositoryReader, errors: ParseErrorRecord[], model: Model): Ruleset | undefined {
  const index = new LineIndex(file.path, file.text);
  // A first reading by the own parser, keeping nothing but where the script can be cut.
  let parsed: ParsedScript | undefined;
  let unreadable: ShellParseError | undefined;
  try {
    parsed = parseShellScript(file.text, () => undefined);
  } catch (e) {
    if (!(e instanceof ShellParseError)) throw e;
    unreadable = e;
  }
  const syntax = checkShellSyntaxParts(file.text, parsed);
  if (syntax.error) {
    const { message, line, column } = syntax.error;
    errors.push({ file: file.path, message, span: { start: { line, column }, end: { line, column } } });
    return undefined;
  }
  if (!parsed) {
    const line = index.position(unreadable?.offset ?? 0).line;
    model.notices.push({
      level: 'note',
      file: file.path,
      line,
      message: `shell construct nsl-lint cannot read (${unreadable?.message ?? 'unknown'}, line ${line}); firewall commands in it were not checked`,
    });
    return undefined;
  }
  const first = syntax.unchecked[0];
  if (first) noteUnchecked(file, first, syntax.unchecked.length - 1, model);
  const v4 = new IptablesState(4, false);
  const v6 = new IptablesState(6, false);
  const nft = new NftReader(repo);
  const nftText: string[] = [];
  let nftUsed = false;
  let extraction;
  try {
    // Each command is applied as it is found: a large script's commands are never held all at once.
    extraction = extractShell(
      file.path,
      file.text,
      (rel) => repo.read(rel),
      (cmd) => {
        try {
          applyScriptCommand(cmd, v4, v6, nft, nftText, repo, model);
          if (cmd.program === 'nft') nftUsed = true;
        } catch (e) {
          pushError(errors, e, cmd.at);
        }
      },
    );
  } catch (e) {
    if (e instanceof ShellParseError) {
      model.notices.push({
        level: 'note',
        file: file.path,
        message: `shell construct nsl-lint cannot read (${e.message}); firewall commands in it were not checked`,
      });
      return undefined;
    }
    throw e;
  }
  const tables: FwTable[] = [];
  for (const state of [v4, v6]) {
    tables.push(
      ...state.toTables((e) => {
        pushError(errors, e, index.at(0));
      }),
    );
  }
  const invalid = nft.validate();
  const nftTables = invalid ? [] : nft.tablesOut();
  if (invalid) pushError(errors, invalid, index.at(0));
  else tables.push(...nftTables);
  const whole = v4.firstWhole ?? v6.firstWhole ?? nftTables.find((t) => t.chains.some((c) => c.hook !== undefined));
  const filters: Record<Family, SpanLocation | undefined> = {
    4: earliest(v4.firstPolicy ?? v4.firstFilter, nft.firstTable[4]),
    6: earliest(v6.firstPolicy ?? v6.firstFilter, nft.firstTable[6]),
  };
  const rendered: Ruleset['rendered'] = {};
  const r4 = v4.render();
  const r6 = v6.render();
  if (r4) rendered.iptables = r4;
  if (r6) rendered.ip6tables = r6;
  if (nftUsed || nftText.length) rendered.nft = nftText.join('\n') + '\n';
  return finish({
    file: file.path,
    files: [file.path, ...extraction.sourced],
    source: 'script',
    tables,
    unresolved: extraction.unresolved,
    filters,
    interfaces: [...nft.interfaces],
    rendered,
    ...(whole ? {} : { fragment: true }),
  });
}

/** One notice for the lines of a script sh-syntax gave no verdict on. */
function noteUnchecked(file: SourceFile, first: { line: number; endLine: number; reason: string }, others: number, model: Model): void {
  const lines = first.line === first.endLine ? `line ${first.line}` : `lines ${first.line}-${first.endLine}`;
  const more = others > 0 ? ` (and ${others} other part${others === 1 ? '' : 's'})` : '';
  model.notices.push({
    level: 'note',
    file: file.path,
    line: first.line,
    message: `syntax of ${lines}${more} not checked: ${first.reason}; read with nsl-lint's own parser, which does not report every syntax error`,
  });
}

function earliest(a: SpanLocation | undefined, b: SpanLocation | undefined): SpanLocation | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.file !== b.file) return a;
  return a.span.start.line <= b.span.start.line ? a : b;
}

function applyScriptCommand(
  cmd: ShellCommand,
  v4: IptablesState,
  v6: IptablesState,
  nft: NftReader,
  nftText: string[],
  repo: RepositoryReader,
  model: Model,
): void {
  switch (cmd.program) {
    case 'iptables':
    case 'ip6tables': {
      const state = cmd.program === 'iptables' ? v4 : v6;
      const parsed = parseIptables(cmd.args, state.family, cmd.at);
      if (parsed) state.apply(parsed, cmd.at, cmd.text, cmd.via);
      return;
    }
    case 'iptables-restore':
    case 'ip6tables-restore': {
      if (!cmd.stdin) return;
      const state = cmd.program === 'iptables-restore' ? v4 : v6;
      readIptablesSave(cmd.stdin.index, state, state.family);
      return;
    }
    case 'nft': {
      const words: string[] = [];
      let file: string | undefined;
      for (let i = 0; i < cmd.args.length; i++) {
        const a = cmd.args[i]?.text ?? '';
        if (a === '-f' || a === '--file') {
          file = cmd.args[++i]?.text;
          continue;
        }
        if (/^-[a-zA-Z]+$/.test(a) && words.length === 0) {
          if (a === '-I' || a === '-D') i++;
          continue;
        }
        words.push(a);
      }
      if (file !== undefined) {
        if (file === '-' && cmd.stdin) {
          nft.readEmbedded(cmd.stdin.index);
          nftText.push(cmd.stdin.text);
        } else if (file !== '-' && !file.startsWith('/')) {
          const rel = path.posix.normalize(path.posix.join(path.posix.dirname(cmd.at.file), file));
          const text = repo.read(rel);
          if (text !== undefined) {
            nft.readFile(rel, text);
            nftText.push(text);
          }
        }
        return;
      }
      if (words.length === 0 || ['list', 'monitor', 'describe', 'export'].includes(words[0] ?? '')) return;
      nft.readCommand(words, cmd.at);
      nftText.push(words.join(' '));
      return;
    }
    case 'wg': {
      const key = wgSetPrivateKey(cmd);
      if (key) model.access.wireguardKeys.push(key);
      model.access.wireguardPeers.push(...wgSetPeers(cmd));
      return;
    }
  }
}

/** Collect the interface names rules mention. */
function finish(rs: Ruleset): Ruleset {
  const names = new Set(rs.interfaces);
  for (const t of rs.tables)
    for (const c of t.chains)
      for (const r of c.rules)
        for (const cond of r.conds) if (cond.dim === 'iif' || cond.dim === 'oif') for (const n of cond.names) names.add(n);
  rs.interfaces = [...names].sort();
  return rs;
}
