/**
 * Which fields an object of a kind may have, in a compact form:
 * - `'*'`: anything (a scalar, int-or-string, a free-form object such as a CRD field with
 *   `x-kubernetes-preserve-unknown-fields`); nothing under it is checked;
 * - `[item]`: a list whose items have the shape `item`;
 * - `{ field: shape, … }`: an object with exactly these fields; the key `'*'` stands for any
 *   other key (a map such as `matchLabels`, or `additionalProperties` beside declared fields).
 */
export type Shape = '*' | readonly [Shape] | { readonly [field: string]: Shape };

/** A path inside an object: mapping keys and list indices. */
export type FieldPath = readonly (string | number)[];

/** Paths of the keys in `value` that `shape` does not define, outermost only, in document order. */
export function unknownFieldsIn(shape: Shape, value: unknown, path: FieldPath = [], out: FieldPath[] = []): FieldPath[] {
  if (shape === '*') return out;
  if (Array.isArray(shape)) {
    if (Array.isArray(value)) value.forEach((item, i) => unknownFieldsIn(shape[0] as Shape, item, [...path, i], out));
    return out;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  const fields = shape as { readonly [field: string]: Shape };
  for (const [key, child] of Object.entries(value)) {
    const sub = Object.hasOwn(fields, key) && key !== '*' ? fields[key] : fields['*'];
    if (sub === undefined) out.push([...path, key]);
    else unknownFieldsIn(sub, child, [...path, key], out);
  }
  return out;
}
