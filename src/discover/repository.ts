import fs from 'node:fs';
import path from 'node:path';
import type { SourceFile } from './discover.js';

/**
 * Files a loaded file refers to (kustomization resources, nft `include`, shell `source`):
 * the discovered text when there is one, else a read from the repository. Paths are
 * repository-relative; nothing outside the root is read.
 */
export class RepositoryReader {
  private readonly known = new Map<string, string>();

  constructor(
    private readonly root: string,
    files: readonly SourceFile[],
  ) {
    for (const f of files) this.known.set(f.path, f.text);
  }

  read(rel: string): string | undefined {
    const known = this.known.get(rel);
    if (known !== undefined) return known;
    const abs = this.resolve(rel);
    if (!abs) return undefined;
    try {
      return fs.readFileSync(abs, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Entry names of a folder (empty when it does not exist). */
  list(relDir: string): string[] {
    const abs = this.resolve(relDir);
    if (!abs) return [];
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
