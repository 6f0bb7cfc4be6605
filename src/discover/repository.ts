import fs from 'node:fs';
import path from 'node:path';
import type { Notice } from '../core/notice.js';
import type { SourceFile } from './discover.js';
import { GuardedReader } from './read.js';

/**
 * Files a loaded file refers to (kustomization resources, nft `include`, shell `source`):
 * the discovered text when there is one, else a read from the repository. Paths are
 * repository-relative; nothing outside the root is read.
 */
export class RepositoryReader {
  private readonly known = new Map<string, string>();
  /** Discovered files, whose texts are read only when asked for. */
  private readonly discovered = new Map<string, SourceFile>();
  private readonly refused = new Set<string>();
  private readonly reader: GuardedReader;

  constructor(
    private readonly root: string,
    files: readonly SourceFile[],
    /** Where refusals are reported (a link outside the repository, a FIFO, a huge file). */
    private readonly notices: Notice[],
    maxFileBytes: number,
  ) {
    for (const f of files) this.discovered.set(f.path, f);
    this.reader = new GuardedReader(root, maxFileBytes);
  }

  read(rel: string): string | undefined {
    const known = this.known.get(rel) ?? this.discovered.get(rel)?.text;
    if (known !== undefined) return known;
    const abs = this.resolve(rel);
    // A folder where a file was looked for (a folder named `Kustomization`) is simply not that file.
    if (!abs || !fs.existsSync(abs) || isFolder(abs)) return undefined;
    const read = this.reader.read(abs);
    if (read.ok) {
      this.known.set(rel, read.text);
      return read.text;
    }
    if (!this.refused.has(rel)) {
      this.refused.add(rel);
      this.notices.push({ level: read.level, file: rel, message: `${read.reason} (another file refers to it)` });
    }
    return undefined;
  }

  /** Entry names of a folder (empty when it does not exist or lies outside the repository). */
  list(relDir: string): string[] {
    const abs = this.resolve(relDir);
    if (!abs || !this.reader.resolvesInside(abs)) return [];
    try {
      return fs.readdirSync(abs);
    } catch {
      return [];
    }
  }

  private resolve(rel: string): string | undefined {
    const normal = path.posix.normalize(rel === '' ? '.' : rel);
    if (normal.startsWith('../') || normal === '..' || path.posix.isAbsolute(normal)) return undefined;
    return path.join(this.root, ...normal.split('/'));
  }
}

function isFolder(abs: string): boolean {
  try {
    return fs.lstatSync(abs).isDirectory();
  } catch {
    return false;
  }
}
