import type { Rule } from '../src/rule/rule.js';
import accessSshPasswordAuth from './access-ssh-password-auth.js';
import accessWireguardPrivateKey from './access-wireguard-private-key.js';
import cniNoPolicySupport from './cni-no-policy-support.js';
import hostCniOverlayBlocked from './host-cni-overlay-blocked.js';
import hostDefaultAllow from './host-default-allow.js';
import hostEstablishedMissing from './host-established-missing.js';
import hostIpv6Unfiltered from './host-ipv6-unfiltered.js';
import hostLoopbackMissing from './host-loopback-missing.js';
import hostPortOpenToWorld from './host-port-open-to-world.js';
import hostRuleRedundant from './host-rule-redundant.js';
import hostRuleShadowed from './host-rule-shadowed.js';
import hostStateMatchDeprecated from './host-state-match-deprecated.js';
import hostUnresolved from './host-unresolved.js';
import netpolAllowAll from './netpol-allow-all.js';
import netpolDefaultDenyEgressMissing from './netpol-default-deny-egress-missing.js';
import netpolDefaultDenyIngressMissing from './netpol-default-deny-ingress-missing.js';
import netpolEgressDnsBlocked from './netpol-egress-dns-blocked.js';
import netpolEgressDnsTcpMissing from './netpol-egress-dns-tcp-missing.js';
import netpolHostnetworkSelected from './netpol-hostnetwork-selected.js';
import netpolPeerAllNamespaces from './netpol-peer-all-namespaces.js';
import netpolSelectsNothing from './netpol-selects-nothing.js';
import parseError from './parse-error.js';
import secretsCommitted from './secrets-committed.js';

/** Every rule nsl-lint ships, sorted by id. Adding a rule: one import and one entry here. */
export const RULES: readonly Rule[] = [
  accessSshPasswordAuth,
  accessWireguardPrivateKey,
  cniNoPolicySupport,
  hostCniOverlayBlocked,
  hostDefaultAllow,
  hostEstablishedMissing,
  hostIpv6Unfiltered,
  hostLoopbackMissing,
  hostPortOpenToWorld,
  hostRuleRedundant,
  hostRuleShadowed,
  hostStateMatchDeprecated,
  hostUnresolved,
  netpolAllowAll,
  netpolDefaultDenyEgressMissing,
  netpolDefaultDenyIngressMissing,
  netpolEgressDnsBlocked,
  netpolEgressDnsTcpMissing,
  netpolHostnetworkSelected,
  netpolPeerAllNamespaces,
  netpolSelectsNothing,
  parseError,
  secretsCommitted,
];
