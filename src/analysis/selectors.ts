import type { Node } from '../model/node.js';

/**
 * Kubernetes label selectors: `matchLabels` AND `matchExpressions`; an empty selector
 * selects everything. Matching is three-valued so that labels nobody defined (those of a
 * namespace that is not in the repository) give `unknown`, never a guess.
 */

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export interface LabelSelector {
  requirements: Requirement[];
  /** `{}` or absent fields: selects every object. */
  isEmpty: boolean;
  /** An operator the API server would reject; such a selector matches nothing. */
  invalid?: string;
  node?: Node;
}

export type Tri = true | false | 'unknown';

export function parseLabelSelector(node: Node | undefined): LabelSelector {
  const requirements: Requirement[] = [];
  let invalid: string | undefined;
  for (const [key, value] of Object.entries(node?.get('matchLabels')?.stringMap() ?? {})) {
    requirements.push({ key, operator: 'In', values: [value] });
  }
  for (const expr of node?.get('matchExpressions')?.items() ?? []) {
    const key = expr.get('key')?.str();
    const operator = expr.get('operator')?.str();
    const values = (expr.get('values')?.items() ?? []).map((v) => v.str()).filter((v): v is string => v !== undefined);
    if (key === undefined || !isOperator(operator)) {
      invalid = `unsupported selector operator ${JSON.stringify(operator)}`;
      continue;
    }
    requirements.push({ key, operator, values });
  }
  const selector: LabelSelector = { requirements, isEmpty: requirements.length === 0 && invalid === undefined };
  if (invalid !== undefined) selector.invalid = invalid;
  if (node) selector.node = node;
  return selector;
}

function isOperator(op: string | undefined): op is Operator {
  return op === 'In' || op === 'NotIn' || op === 'Exists' || op === 'DoesNotExist';
}

/** Exact match against a complete label set. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return matchesPartially(selector, labels, true) === true;
}

/**
 * Match against labels that may be incomplete: `complete = false` means keys missing from
 * `labels` may still exist with any value.
 */
export function matchesPartially(selector: LabelSelector, labels: Readonly<Record<string, string>>, complete: boolean): Tri {
  if (selector.invalid !== undefined) return false;
  let result: Tri = true;
  for (const req of selector.requirements) {
    const r = requirementMatches(req, labels, complete);
    if (r === false) return false;
    if (r === 'unknown') result = 'unknown';
  }
  return result;
}

function requirementMatches(req: Requirement, labels: Readonly<Record<string, string>>, complete: boolean): Tri {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  if (!has && !complete) return 'unknown';
  switch (req.operator) {
    case 'In':
      return has && req.values.includes(value as string);
    case 'NotIn':
      return !has || !req.values.includes(value as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}
