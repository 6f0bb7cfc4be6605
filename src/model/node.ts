import type { DocPath, PathLocation } from '../core/location.js';

/**
 * A value inside a parsed manifest that knows where it came from. Rules navigate with
 * `get`/`items`/`entries` and report `.loc` (the value) or `.keyLoc` (its mapping key);
 * the engine turns those paths into line and column only for findings.
 */
export class Node {
  /**
   * Paths are built only when a location is needed: a node keeps its parent and key,
   * so walking a document allocates no path arrays.
   */
  constructor(
    readonly value: unknown,
    readonly file: string,
    readonly doc: number,
    private readonly basePath: DocPath = [],
    private readonly parent?: Node,
    private readonly key?: string | number,
  ) {}

  /** The same place in the source holding another value (an object as a kustomize build makes it). */
  withValue(value: unknown): Node {
    return new Node(value, this.file, this.doc, this.path);
  }

  get path(): DocPath {
    if (!this.parent || this.key === undefined) return this.basePath;
    return [...this.parent.path, this.key];
  }

  get isMap(): boolean {
    return isPlainObject(this.value);
  }

  get isSeq(): boolean {
    return Array.isArray(this.value);
  }

  /** Child by mapping key or sequence index; several arguments walk a path. */
  get(...keys: (string | number)[]): Node | undefined {
    const [key, ...rest] = keys;
    if (key === undefined) return this;
    const v: unknown = this.value;
    let child: unknown;
    if (typeof key === 'number' && Array.isArray(v)) child = v[key];
    else if (typeof key === 'string' && isPlainObject(v) && Object.hasOwn(v, key)) child = v[key];
    else return undefined;
    if (child === undefined) return undefined;
    const node = new Node(child, this.file, this.doc, [], this, key);
    return rest.length ? node.get(...rest) : node;
  }

  /** Sequence items (empty when not a sequence). */
  items(): Node[] {
    const v = this.value;
    if (!Array.isArray(v)) return [];
    return v.map((item, i) => new Node(item, this.file, this.doc, [], this, i));
  }

  /** Mapping entries in document order (empty when not a mapping). */
  entries(): [string, Node][] {
    const v = this.value;
    if (!isPlainObject(v)) return [];
    return Object.keys(v).map((k) => [k, new Node(v[k], this.file, this.doc, [], this, k)]);
  }

  keys(): string[] {
    return isPlainObject(this.value) ? Object.keys(this.value) : [];
  }

  /** The value as a string when it is a scalar (numbers and booleans are stringified). */
  str(): string | undefined {
    const v = this.value;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return undefined;
  }

  /** String-valued mapping (labels, annotations); non-scalar values are dropped. */
  stringMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, n] of this.entries()) {
      const s = n.str();
      if (s !== undefined) out[k] = s;
    }
    return out;
  }

  get loc(): PathLocation {
    return { file: this.file, doc: this.doc, path: this.path, part: 'value' };
  }

  /** The mapping key this value sits under (for a sequence item, the item itself). */
  get keyLoc(): PathLocation {
    const path = this.path;
    const last = path[path.length - 1];
    return { file: this.file, doc: this.doc, path, part: typeof last === 'string' ? 'key' : 'value' };
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
