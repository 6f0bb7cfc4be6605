import fs from 'node:fs';
import path from 'node:path';
import { errorText } from '../core/errors.js';

/**
 * `explicit`: the user named this path, so it may lie anywhere. `within`: a folder the user
 * named outside the repository; files found in it may not lead out of it. `plain`: the walk
 * found a regular file (not a link) by descending through real folders only.
 */
export interface ReadOptions {
  explicit?: boolean;
  within?: string;
  plain?: boolean;
}

export type ReadResult = { ok: true; text: string } | { ok: false; level: 'note' | 'warning' | 'error'; reason: string };

/**
 * The one way nsl-lint opens a file, whether the walk found it or another file refers to it
 * (kustomize resources, `source`, nft `include`, the config). It resolves the real path and
 * refuses anything outside the repository root unless the user named the path; opens
 * regular files only, without blocking on FIFOs or devices; caps the size; and decodes
 * UTF-8 (with or without BOM) and UTF-16 with a BOM.
 */
export class GuardedReader {
  private readonly realRoot: string;

  constructor(
    root: string,
    readonly maxBytes: number,
  ) {
    this.realRoot = realpathOr(root);
  }

  read(abs: string, options: ReadOptions = {}): ReadResult {
    return this.open(abs, options, true);
  }

  /**
   * Everything `read` looks at, but the content: whether the file can be read, or why not.
   * Discovery checks manifests this way and leaves their reading to the model, which keeps
   * no text it does not need.
   */
  check(abs: string, options: ReadOptions = {}): { ok: true } | Extract<ReadResult, { ok: false }> {
    return this.open(abs, options, false);
  }

  private open(abs: string, { explicit = false, within, plain = false }: ReadOptions, content: boolean): ReadResult {
    let real: string;
    try {
      real = plain ? abs : fs.realpathSync(abs);
    } catch (err) {
      return { ok: false, level: 'error', reason: `could not read file: ${errorText(err)}` };
    }
    if (!explicit && !plain && !this.inside(real, within))
      return { ok: false, level: 'warning', reason: 'skipped: it links to a file outside the repository' };
    let fd: number | undefined;
    try {
      if (!content) {
        // A look without opening (the read that follows looks again): a regular file, small enough, readable.
        const stat = fs.statSync(real);
        const refused = this.refusal(stat);
        if (refused) return refused;
        fs.accessSync(real, fs.constants.R_OK);
        return { ok: true, text: '' };
      }
      // Look before opening (opening a device can have effects; the walk has looked already),
      // and again after (the path may change in between).
      const before = plain ? undefined : fs.statSync(real);
      if (before && !before.isFile()) return notRegular(before);
      fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      const stat = fs.fstatSync(fd);
      const refused = this.refusal(stat);
      if (refused) return refused;
      const bytes = readBounded(fd, stat.size, this.maxBytes);
      if (!bytes) return this.tooLarge();
      return { ok: true, text: decodeText(bytes) };
    } catch (err) {
      return { ok: false, level: 'error', reason: `could not read file: ${errorText(err)}` };
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /** Why a file is not read: not a regular file, or larger than the bound; undefined when it may be read. */
  private refusal(stat: fs.Stats): Extract<ReadResult, { ok: false }> | undefined {
    if (!stat.isFile()) return notRegular(stat);
    return stat.size > this.maxBytes ? this.tooLarge() : undefined;
  }

  private tooLarge(): Extract<ReadResult, { ok: false }> {
    return { ok: false, level: 'warning', reason: `skipped: larger than ${sizeText(this.maxBytes)}` };
  }

  /** Whether a regular file the walk found starts with `#!` (a script under any name). */
  hasShebang(abs: string): boolean {
    let fd: number | undefined;
    try {
      fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      if (!fs.fstatSync(fd).isFile()) return false;
      const head = Buffer.alloc(2);
      return fs.readSync(fd, head, 0, 2, 0) === 2 && head.toString('latin1') === '#!';
    } catch {
      return false;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /** Whether a path resolves (through every link) to somewhere inside the repository. */
  resolvesInside(abs: string): boolean {
    try {
      return this.inside(fs.realpathSync(abs));
    } catch {
      return false;
    }
  }

  private inside(real: string, within?: string): boolean {
    const rel = path.relative(within === undefined ? this.realRoot : realpathOr(within), real);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  }
}

/**
 * Reads go through one reused buffer: a fresh buffer per file (each counted as external
 * memory) made the collector run hundreds of times while a large repository was read.
 */
let scratch = Buffer.allocUnsafe(0);
const SCRATCH_MAX = 8 << 20;
const PROBE = Buffer.alloc(1);

/**
 * Read to the end, or undefined past `max` bytes (a file may grow while it is read). The
 * result may lie in the reused buffer: decode it before the next read.
 */
function readBounded(fd: number, expected: number, max: number): Buffer | undefined {
  const chunks: Buffer[] = [];
  let total = 0;
  // One read of the expected size, plus one byte to see whether the file grew.
  const first = Math.min(expected + 1, max + 1);
  if (scratch.length < first && first <= SCRATCH_MAX) scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(first, 64 << 10)));
  let chunk = first <= scratch.length ? scratch.subarray(0, first) : Buffer.allocUnsafe(first);
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    if (total > max) return undefined;
    chunks.push(chunk === PROBE ? Buffer.from(PROBE) : n === chunk.length ? chunk : chunk.subarray(0, n));
    // After a short read the end is near: one byte tells, before a buffer is allocated for more.
    chunk = n < chunk.length ? PROBE : Buffer.allocUnsafe(Math.max(1, Math.min(1 << 20, max + 1 - total)));
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
}

/** UTF-16 by its byte order mark, else UTF-8 (a UTF-8 BOM is dropped). */
export function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    return swapped.swap16().toString('utf16le');
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function notRegular(stat: fs.Stats): Extract<ReadResult, { ok: false }> {
  return { ok: false, level: 'warning', reason: `skipped: not a regular file (${fileType(stat)})` };
}

function fileType(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a file';
}

function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
