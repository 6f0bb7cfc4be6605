import path from 'node:path';
import type { SpanLocation } from '../core/location.js';
import { LineIndex } from './conf-text.js';
import {
  parseShell,
  parseShellScript,
  literal,
  MAX_COMMAND_WORDS,
  ShellParseError,
  type ShNode,
  type Word,
  type WordPart,
} from './shell.js';
import type { Arg } from './iptables.js';

/**
 * Static extraction of firewall commands from a shell script. Nothing is executed: variables
 * assigned in the script are tracked, `for` loops over known words are unrolled, functions
 * defined in the script are followed with their arguments, scripts sourced from the
 * repository are read in place. Every branch of `if`/`case` and every loop body is taken
 * once. A firewall command with a word that cannot be known statically is reported as
 * unresolved and left out.
 *
 * Scripts may be hostile, so the expansion is bounded (see EXPANSION_LIMITS): past a budget
 * it stops where it is, says so in `unresolved`, and keeps what it found before.
 */

/** Bounds of the expansion of one script (with what it sources). */
export const EXPANSION_LIMITS = Object.freeze({
  /** Commands run (every node of the tree, each time it is run: loop bodies and function bodies count each time), beyond the commands written in the script. */
  commands: 100_000,
  /** Commands run in all, those written in the script included (a 10 MB script of iptables commands has 170,000). */
  totalCommands: 1_000_000,
  /** Text produced by expanding words (variable values, loop items, arguments, here-documents), beyond the size of the script. */
  bytes: 16 * 1024 * 1024,
  /** Function calls and `source`s nested in each other. */
  calls: 16,
  /** Compound commands nested in each other, counting those of the functions being called. */
  nesting: 1000,
});

/** A budget ran out: the expansion stops there. */
class BudgetExceeded extends Error {
  constructor(
    message: string,
    readonly at: SpanLocation,
  ) {
    super(message);
  }
}

export type FirewallProgram = 'iptables' | 'ip6tables' | 'nft' | 'iptables-restore' | 'ip6tables-restore' | 'wg';

export interface ShellCommand {
  program: FirewallProgram;
  args: Arg[];
  /** The whole command. */
  at: SpanLocation;
  /** The call site when the command sits in a function body. */
  via?: SpanLocation;
  /** Text fed on standard input by a here-document, with its position. */
  stdin?: { text: string; index: LineIndex };
  /** The command as written (after expansion), for messages. */
  text: string;
}

export interface ShellExtraction {
  commands: ShellCommand[];
  unresolved: { at: SpanLocation; message: string }[];
  /** Repository files read through `.`/`source`. */
  sourced: string[];
}

/** Returns the text of a repository file by repository-relative path, if it is one. */
export type FileReader = (relPath: string) => string | undefined;

const PROGRAMS: Record<string, FirewallProgram> = {
  iptables: 'iptables',
  'iptables-legacy': 'iptables',
  'iptables-nft': 'iptables',
  ip6tables: 'ip6tables',
  'ip6tables-legacy': 'ip6tables',
  'ip6tables-nft': 'ip6tables',
  nft: 'nft',
  'iptables-restore': 'iptables-restore',
  'iptables-legacy-restore': 'iptables-restore',
  'iptables-nft-restore': 'iptables-restore',
  'ip6tables-restore': 'ip6tables-restore',
  'ip6tables-legacy-restore': 'ip6tables-restore',
  'ip6tables-nft-restore': 'ip6tables-restore',
  wg: 'wg',
};

/** A variable whose value cannot be known statically. */
const UNKNOWN = Symbol('unknown');
type Value = string | string[] | typeof UNKNOWN;

interface Field {
  text: string;
  at: SpanLocation;
  unknown?: string;
}

interface Frame {
  positional: Value[] | undefined;
  locals: Map<string, Value | undefined>;
  via: SpanLocation | undefined;
}

/** Shells that run a script file given as their first argument. */
const SHELLS = new Set(['sh', 'bash', 'dash', 'ksh', 'zsh']);

const WRAPPERS = new Set(['sudo', 'command', 'exec', 'nice', 'time', 'nohup', 'builtin']);

/** Number of nodes of a tree (what running it once costs). */
function countNodes(nodes: readonly ShNode[]): number {
  let n = 0;
  const todo: ShNode[][] = [nodes as ShNode[]];
  for (let list = todo.pop(); list; list = todo.pop()) {
    for (const node of list) {
      n++;
      if (node.type === 'group' || node.type === 'func' || node.type === 'for') todo.push(node.body);
      else if (node.type === 'loop') todo.push(node.cond, node.body);
      else if (node.type === 'if') todo.push(...node.branches);
      else if (node.type === 'case') todo.push(...node.arms);
    }
  }
  return n;
}

/**
 * Extract the firewall commands of a script. The script is read statement by statement and
 * each is run as soon as it is read, so it is never held whole; with `onCommand`, the
 * commands are handed to it as they are found instead of being collected in `commands`. Throws ShellParseError when
 * the script cannot be read (then commands may have been run already: check the script with
 * parseShellScript first to know); budgets running out are reported in `unresolved`, never thrown.
 */
export function extractShell(file: string, text: string, read: FileReader, onCommand?: (cmd: ShellCommand) => void): ShellExtraction {
  const out: ShellExtraction = { commands: [], unresolved: [], sourced: [] };
  const emit = onCommand ?? ((cmd: ShellCommand): void => void out.commands.push(cmd));
  const vars = new Map<string, Value>();
  const funcs = new Map<string, { body: ShNode[]; index: LineIndex }>();
  const reported = new Set<string>();
  const stack: Frame[] = [{ positional: undefined, locals: new Map(), via: undefined }];
  const sourcing = new Set<string>([file]);
  /** Sourced files read so far (undefined: it does not parse). */
  const sourcedFiles = new Map<string, { nodes: ShNode[]; index: LineIndex } | undefined>();
  let commandsLeft = EXPANSION_LIMITS.commands;
  let totalLeft = EXPANSION_LIMITS.totalCommands;
  let bytesLeft = EXPANSION_LIMITS.bytes + text.length;
  /** Compound commands open around the node being run. */
  let nesting = 0;

  const spendCommand = (node: ShNode, index: LineIndex): void => {
    const over = --commandsLeft < 0 ? EXPANSION_LIMITS.commands : --totalLeft < 0 ? EXPANSION_LIMITS.totalCommands : 0;
    if (over)
      throw new BudgetExceeded(
        `expansion budget exceeded (${over.toLocaleString('en-US')} commands): the rest of the script was not analysed`,
        index.at(node.start, node.type === 'simple' ? node.end : node.start),
      );
  };
  const spendBytes = (n: number, at: SpanLocation): void => {
    bytesLeft -= n;
    if (bytesLeft < 0)
      throw new BudgetExceeded(
        `expansion budget exceeded (${EXPANSION_LIMITS.bytes / 1024 / 1024} MiB of expanded text): the rest of the script was not analysed`,
        at,
      );
  };

  /** Why a function call or `source` at this depth is not followed, if it is not. */
  const callTooDeep = (depth: number): string | undefined => {
    if (depth >= EXPANSION_LIMITS.calls) return `function calls and sourced files nested deeper than ${EXPANSION_LIMITS.calls} levels`;
    if (nesting >= EXPANSION_LIMITS.nesting) return `commands nested deeper than ${EXPANSION_LIMITS.nesting} levels through function calls`;
    return undefined;
  };

  const run = (nodes: ShNode[], index: LineIndex, depth: number): void => {
    for (const n of nodes) exec(n, index, depth);
  };

  const frame = (): Frame => stack[stack.length - 1] as Frame;

  const lookup = (name: string, index: string | undefined): Value | undefined => {
    if (/^\d+$/.test(name)) {
      const pos = frame().positional;
      if (!pos) return UNKNOWN;
      return name === '0' ? UNKNOWN : (pos[Number(name) - 1] ?? '');
    }
    if (name === '@' || name === '*') {
      const pos = frame().positional;
      if (!pos) return UNKNOWN;
      if (pos.some((p) => p === UNKNOWN)) return UNKNOWN;
      return pos.flatMap((p) => (Array.isArray(p) ? p : [p as string]));
    }
    if (name === '#') {
      const pos = frame().positional;
      return pos ? String(pos.length) : UNKNOWN;
    }
    if (!/^[A-Za-z_]/.test(name)) return UNKNOWN;
    const v = vars.get(name);
    if (v === undefined) return undefined;
    if (index !== undefined && Array.isArray(v)) {
      if (index === '@' || index === '*') return v;
      if (/^\d+$/.test(index)) return v[Number(index)] ?? '';
      return UNKNOWN;
    }
    if (Array.isArray(v)) return v[0] ?? '';
    return v;
  };

  /** Expand a word into fields: quoted parts stay whole, unquoted expansions split on blanks. */
  const expand = (word: Word, index: LineIndex, split = true): Field[] => {
    const at = index.at(word.start, word.end);
    const fields: Field[] = [];
    let current = '';
    let started = false;
    let unknown: string | undefined;
    const pushLit = (s: string): void => {
      spendBytes(s.length + 1, at);
      current += s;
      started = true;
    };
    const pushSplit = (s: string): void => {
      const pieces = s.split(/[ \t\n]+/);
      pieces.forEach((piece, i) => {
        if (i > 0) {
          if (started || current) fields.push({ text: current, at });
          current = '';
          started = false;
        }
        if (piece) pushLit(piece);
      });
    };
    const parts = (list: WordPart[]): void => {
      for (const p of list) {
        if (p.kind === 'lit') pushLit(p.value);
        else if (p.kind === 'unknown') {
          unknown ??= `${p.what} ${p.raw}`;
          pushLit(p.raw);
        } else {
          let v = lookup(p.name, p.index);
          const unset = v === undefined || (p.op?.startsWith(':') && (v === '' || (Array.isArray(v) && v.length === 0)));
          // The word after `:-`, `:=`, `:+`: unknown when it holds something unknown (`${X:-$(cmd)}`).
          const operand = (): Value => {
            const sub = expand({ parts: p.arg ?? [], start: word.start, end: word.end }, index, false);
            const bad = sub.find((f) => f.unknown);
            if (bad) unknown ??= bad.unknown;
            return bad ? UNKNOWN : sub.map((f) => f.text).join(' ');
          };
          if (p.op && (p.op === '-' || p.op === ':-' || p.op === '=' || p.op === ':=')) {
            if (unset) {
              const value = operand();
              if (p.op.endsWith('=')) vars.set(p.name, value);
              v = value;
            }
          } else if (p.op === '+' || p.op === ':+') {
            v = unset ? '' : operand();
          } else if (p.op) v = unset ? UNKNOWN : v;
          if (v === undefined || v === UNKNOWN) {
            unknown ??= v === undefined ? `variable $${p.name} is not set in the script` : `$${p.name} has no static value`;
            pushLit(`$${p.name}`);
          } else if (Array.isArray(v)) {
            if (p.quoted && (p.name === '*' || p.index === '*')) pushLit(v.join(' '));
            else
              v.forEach((item, i) => {
                if (i > 0) {
                  fields.push({ text: current, at });
                  current = '';
                }
                if (p.quoted || !split) pushLit(item);
                else pushSplit(item);
              });
          } else if (p.quoted || !split) pushLit(v);
          else pushSplit(v);
        }
      }
    };
    parts(word.parts);
    if (started || current || word.parts.some((p) => p.quoted)) fields.push({ text: current, at });
    if (unknown) for (const f of fields) f.unknown = unknown;
    if (unknown && fields.length === 0) fields.push({ text: '', at, unknown });
    return fields;
  };

  const assign = (name: string, value: Value, index: LineIndex, local: boolean): void => {
    const f = frame();
    if (local && stack.length > 1 && !f.locals.has(name)) f.locals.set(name, vars.get(name));
    vars.set(name, value);
    void index;
  };

  const assignWord = (name: string, word: Word | undefined, index: LineIndex, local = false): void => {
    if (!word) {
      assign(name, UNKNOWN, index, local);
      return;
    }
    if (word.array) {
      if (word.truncated) {
        assign(name, UNKNOWN, index, local);
        return;
      }
      const items = word.array.flatMap((w) => expand(w, index));
      assign(name, items.some((f) => f.unknown) ? UNKNOWN : items.map((f) => f.text), index, local);
      return;
    }
    const fields = expand(word, index, false);
    assign(name, fields.some((f) => f.unknown) ? UNKNOWN : fields.map((f) => f.text).join(' '), index, local);
  };

  const unresolved = (at: SpanLocation, message: string): void => {
    const key = `${at.file}:${at.span.start.line}:${at.span.start.column}`;
    if (reported.has(key)) return;
    reported.add(key);
    out.unresolved.push({ at, message });
  };

  const exec = (node: ShNode, index: LineIndex, depth: number): void => {
    spendCommand(node, index);
    if (node.type === 'simple' || node.type === 'func') {
      step(node, index, depth);
      return;
    }
    nesting++;
    try {
      step(node, index, depth);
    } finally {
      nesting--;
    }
  };

  const step = (node: ShNode, index: LineIndex, depth: number): void => {
    switch (node.type) {
      case 'group':
        run(node.body, index, depth);
        return;
      case 'if':
        for (const b of node.branches) run(b, index, depth);
        return;
      case 'case':
        for (const arm of node.arms) run(arm, index, depth);
        return;
      case 'loop':
        run(node.cond, index, depth);
        run(node.body, index, depth);
        return;
      case 'func':
        funcs.set(node.name, { body: node.body, index });
        return;
      case 'for': {
        const fields = node.items && !node.truncated ? node.items.flatMap((w) => expand(w, index)) : undefined;
        const items: Value[] = node.truncated
          ? [UNKNOWN]
          : fields === undefined
            ? (frame().positional ?? [UNKNOWN])
            : fields.some((f) => f.unknown)
              ? [UNKNOWN]
              : fields.map((f) => f.text);
        for (const item of items.length ? items : []) {
          vars.set(node.name, item);
          run(node.body, index, depth);
        }
        return;
      }
      case 'simple':
        simple(node, index, depth);
        return;
    }
  };

  const simple = (node: Extract<ShNode, { type: 'simple' }>, index: LineIndex, depth: number): void => {
    const at = index.at(node.start, node.end);
    if (node.truncated) {
      unresolved(at, `a command of more than ${MAX_COMMAND_WORDS.toLocaleString('en-US')} words was left out`);
      return;
    }
    if (node.words.length === 0) {
      for (const a of node.assigns) assignWord(a.name, a.value, index);
      return;
    }
    const words = node.words.flatMap((w) => expand(w, index));
    // Strip wrappers (`sudo`, `command`, …) and `env VAR=value`; `command` and `builtin` skip functions.
    let skip = 0;
    let noFunctions = false;
    for (;;) {
      const head = words[skip];
      if (!head || head.unknown) break;
      const base = path.posix.basename(head.text);
      if (WRAPPERS.has(base)) {
        if (base === 'command' || base === 'builtin') noFunctions = true;
        skip++;
        while (words[skip]?.text.startsWith('-')) skip++;
        continue;
      }
      if (base === 'env') {
        skip++;
        for (let w = words[skip]; w && (w.text.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text)); w = words[skip]) skip++;
        continue;
      }
      break;
    }
    const argv = skip ? words.slice(skip) : words;
    const head = argv[0];
    if (!head) return;
    const name = path.posix.basename(head.text);
    const written = argv.map((f) => f.text).join(' ');
    if (head.unknown) {
      // `$IPT -A INPUT …` with `$IPT` unknown: reported when the arguments look like a firewall command.
      // A command flag needs its chain after it: `kubectl get pod -A` is not one.
      const chainCommand = argv.some(
        (f, i) => /^(-[AIDRPN]|--append|--insert|--policy)$/.test(f.text) && /^[A-Za-z_$]/.test(argv[i + 1]?.text ?? ''),
      );
      if (/IPT|NFT|IPTABLES|FIREWALL/i.test(head.text) || chainCommand) unresolved(at, `${head.unknown}; the command cannot be checked`);
      return;
    }
    if (['export', 'local', 'readonly', 'declare', 'typeset'].includes(name)) {
      const local = name === 'local' || ((name === 'declare' || name === 'typeset') && stack.length > 1);
      for (const w of node.words.slice(1)) {
        const lit = w.parts[0];
        const m = lit?.kind === 'lit' ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(lit.value) : null;
        if (m && lit?.kind === 'lit') {
          const rest = lit.value.slice(m[0].length);
          const value: Word = {
            parts: [...(rest ? [{ kind: 'lit' as const, value: rest, quoted: lit.quoted }] : []), ...w.parts.slice(1)],
            start: w.start,
            end: w.end,
          };
          if (w.array) value.array = w.array;
          if (w.truncated) value.truncated = true;
          assignWord(m[1] as string, value, index, local);
        } else {
          const plain = literal(w);
          if (plain && /^[A-Za-z_][A-Za-z0-9_]*$/.test(plain) && local && !vars.has(plain)) assign(plain, '', index, true);
        }
      }
      return;
    }
    if (name === 'read' || name === 'mapfile' || name === 'readarray') {
      for (const f of argv.slice(1)) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.text)) vars.set(f.text, UNKNOWN);
      return;
    }
    if (name === 'unset') {
      for (const f of argv.slice(1)) vars.delete(f.text);
      return;
    }
    // `. file` / `source file` run in this shell; `./other.sh`, `/opt/fw/start6.fw`, `bash other.sh`
    // run a child shell, whose firewall commands change the same kernel tables.
    const sourced = (name === '.' || name === 'source') && argv[1] && !argv[1].unknown ? argv[1].text : undefined;
    const shellRun = SHELLS.has(name) && argv[1] && !argv[1].unknown && !argv[1].text.startsWith('-') ? argv[1].text : undefined;
    const executed = shellRun ?? (head.text.includes('/') ? head.text : undefined);
    const target = sourced ?? executed;
    if (target !== undefined) {
      const dir = path.posix.dirname(index.file);
      // An absolute path is where the repository's file is installed: match it by its tail.
      const candidates = target.startsWith('/')
        ? target
            .split('/')
            .map((_, i, parts) => parts.slice(i).join('/'))
            .filter((tail) => tail !== '')
        : [path.posix.normalize(path.posix.join(dir, target)), path.posix.normalize(target)];
      for (const rel of candidates) {
        if (sourcing.has(rel) || rel.startsWith('..')) continue;
        let sub = sourcedFiles.get(rel);
        if (!sourcedFiles.has(rel)) {
          const subText = read(rel);
          if (subText === undefined) continue;
          spendBytes(subText.length, at);
          try {
            const subIndex = new LineIndex(rel, subText);
            const subNodes = parseShell(subText);
            commandsLeft += countNodes(subNodes);
            sub = { nodes: subNodes, index: subIndex };
          } catch (e) {
            // A file that does not parse is checked on its own if it is a firewall script.
            if (!(e instanceof ShellParseError)) throw e;
            sub = undefined;
          }
          sourcedFiles.set(rel, sub);
        }
        if (!out.sourced.includes(rel)) out.sourced.push(rel);
        if (!sub) break;
        const tooDeep = callTooDeep(depth);
        if (tooDeep) {
          unresolved(at, `${tooDeep}: ${rel} was not ${sourced !== undefined ? 'sourced' : 'run'} here`);
          break;
        }
        sourcing.add(rel);
        // A child shell starts without this script's variables and functions, and leaves them as they were.
        const saved = sourced === undefined ? { vars: new Map(vars), funcs: new Map(funcs) } : undefined;
        if (saved) {
          vars.clear();
          funcs.clear();
        }
        try {
          run(sub.nodes, sub.index, depth + 1);
        } finally {
          sourcing.delete(rel);
          if (saved) {
            vars.clear();
            funcs.clear();
            for (const [k, v] of saved.vars) vars.set(k, v);
            for (const [k, v] of saved.funcs) funcs.set(k, v);
          }
        }
        break;
      }
      if (sourced !== undefined || candidates.some((rel) => sourcedFiles.has(rel))) return;
    }
    const fn = noFunctions ? undefined : funcs.get(head.text);
    const tooDeep = fn ? callTooDeep(depth) : undefined;
    if (tooDeep) {
      unresolved(at, `${tooDeep}: this call of ${head.text} was not followed`);
      return;
    }
    if (fn) {
      const positional: Value[] = argv.slice(1).map((f) => (f.unknown ? UNKNOWN : f.text));
      stack.push({ positional, locals: new Map(), via: frame().via ?? at });
      try {
        run(fn.body, fn.index, depth + 1);
      } finally {
        const f = stack.pop() as Frame;
        for (const [k, v] of f.locals) {
          if (v === undefined) vars.delete(k);
          else vars.set(k, v);
        }
      }
      return;
    }
    const program = PROGRAMS[name];
    if (!program) return;
    if (program === 'wg') {
      // Only `wg set … private-key …` matters (the access rules); it is never unresolved.
      const cmd: ShellCommand = { program, args: argv.slice(1).map((f) => ({ text: f.text, at: f.at })), at, text: written };
      emit(cmd);
      return;
    }
    const bad = argv.find((f) => f.unknown);
    if (bad) {
      unresolved(at, `${bad.unknown}; the command cannot be checked`);
      return;
    }
    const cmd: ShellCommand = { program, args: argv.slice(1).map((f) => ({ text: f.text, at: f.at })), at, text: written };
    const via = frame().via;
    if (via) cmd.via = via;
    for (const r of node.redirs) {
      if (r.heredoc) {
        spendBytes(r.heredoc.text.length, at);
        if (r.heredoc.expand && /\$|`/.test(r.heredoc.text.replace(/\\[$`]/g, ''))) {
          unresolved(at, 'here-document with expansions; the command cannot be checked');
          return;
        }
        const pos = index.position(r.heredoc.start);
        cmd.stdin = { text: r.heredoc.text, index: new LineIndex(index.file, r.heredoc.text, pos.line - 1) };
      } else if (r.op === '<<<' && r.target) {
        const f = expand(r.target, index, false);
        if (f.some((x) => x.unknown)) {
          unresolved(at, 'here-string with expansions; the command cannot be checked');
          return;
        }
        const pos = index.position(r.target.start);
        cmd.stdin = {
          text: `${f.map((x) => x.text).join(' ')}\n`,
          index: new LineIndex(index.file, f.map((x) => x.text).join(' '), pos.line - 1),
        };
      } else if (r.op === '<' && r.target && (program === 'iptables-restore' || program === 'ip6tables-restore')) {
        const f = expand(r.target, index, false)[0];
        // Loading a file installed elsewhere: the file is checked on its own when it is in the repository.
        if (f && !f.unknown && f.text.startsWith('/')) return;
        const rel =
          f && !f.unknown && !f.text.startsWith('/')
            ? path.posix.normalize(path.posix.join(path.posix.dirname(index.file), f.text))
            : undefined;
        const sub = rel ? read(rel) : undefined;
        if (sub === undefined || !rel) {
          unresolved(at, `input file ${f?.text ?? ''} is not in the repository; the command cannot be checked`);
          return;
        }
        spendBytes(sub.length, at);
        cmd.stdin = { text: sub, index: new LineIndex(rel, sub) };
      }
    }
    emit(cmd);
  };

  const index = new LineIndex(file, text);
  try {
    parseShellScript(text, (node) => {
      // What the script itself says is read for free: the budget is for what expansion adds.
      commandsLeft += countNodes([node]);
      exec(node, index, 0);
    });
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    out.unresolved.push({ at: e.at, message: e.message });
  }
  return out;
}
