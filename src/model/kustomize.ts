import path from 'node:path';
import type { Notice } from '../core/notice.js';
import type { SourceFile } from '../discover/discover.js';
import { RepositoryReader } from '../discover/repository.js';
import { parseYamlStream } from '../parse/yaml.js';
import { isPlainObject } from './node.js';

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

interface Kustomization {
  dir: string;
  namespace: string | undefined;
  /** Entries of `resources`, `bases` and `components`, resolved to repository-relative paths. */
  entries: string[];
}

/**
 * The namespace a kustomization gives to the files it lists. A file takes the `namespace:`
 * of the nearest kustomization in its own or a parent directory that lists it, directly or
 * through a directory (and that directory's kustomization) it lists.
 */
export class KustomizationIndex {
  private readonly byDir = new Map<string, Kustomization | null>();
  private readonly repository: RepositoryReader;

  constructor(root: string, files: SourceFile[], notices: Notice[], maxFileBytes: number) {
    this.repository = new RepositoryReader(root, files, notices, maxFileBytes);
  }

  namespaceFor(file: string): string | undefined {
    let dir = path.posix.dirname(file);
    for (;;) {
      const k = this.at(dir);
      if (k?.namespace && this.lists(k, file, new Set())) return k.namespace;
      if (dir === '.' || dir === '' || dir.startsWith('..')) return undefined;
      dir = path.posix.dirname(dir);
    }
  }

  private lists(k: Kustomization, file: string, seen: Set<string>): boolean {
    if (seen.has(k.dir)) return false;
    seen.add(k.dir);
    for (const entry of k.entries) {
      if (entry === file) return true;
      if (!file.startsWith(entry === '.' ? '' : `${entry}/`)) continue;
      const inner = this.at(entry);
      // A listed directory brings what its own kustomization lists; without one, everything in it.
      if (inner ? this.lists(inner, file, seen) : true) return true;
    }
    return false;
  }

  private at(dir: string): Kustomization | undefined {
    const cached = this.byDir.get(dir);
    if (cached !== undefined) return cached ?? undefined;
    let found: Kustomization | null = null;
    for (const name of KUSTOMIZATION_NAMES) {
      const rel = dir === '.' ? name : `${dir}/${name}`;
      const text = this.repository.read(rel);
      if (text === undefined) continue;
      found = parseKustomization(dir, text);
      break;
    }
    this.byDir.set(dir, found);
    return found ?? undefined;
  }
}

function parseKustomization(dir: string, text: string): Kustomization | null {
  const parsed = parseYamlStream(text);
  if (!parsed.ok) return null;
  const doc = parsed.docs[0];
  if (!isPlainObject(doc)) return null;
  const entries: string[] = [];
  for (const field of ['resources', 'bases', 'components']) {
    const list = doc[field];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      // Remote bases (URLs, git refs) cannot be followed from the repository.
      if (typeof item !== 'string' || /^[a-z]+:\/\/|^github\.com\/|^git@/.test(item)) continue;
      entries.push(path.posix.normalize(path.posix.join(dir, item)).replace(/\/$/, ''));
    }
  }
  const namespace = typeof doc['namespace'] === 'string' && doc['namespace'] ? doc['namespace'] : undefined;
  return { dir, namespace, entries };
}
