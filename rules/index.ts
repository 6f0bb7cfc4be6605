import type { Rule } from '../src/engine/rule.js';
import cniNoPolicySupport from './cni-no-policy-support.js';
import netpolDefaultDenyEgressMissing from './netpol-default-deny-egress-missing.js';
import netpolDefaultDenyIngressMissing from './netpol-default-deny-ingress-missing.js';
import parseError from './parse-error.js';
import secretsCommitted from './secrets-committed.js';

/** Every rule nsl-lint ships, sorted by id. Adding a rule: one import and one entry here. */
export const RULES: readonly Rule[] = [
  cniNoPolicySupport,
  netpolDefaultDenyEgressMissing,
  netpolDefaultDenyIngressMissing,
  parseError,
  secretsCommitted,
];
