import type { Rule } from '../src/rule/rule.js';
import accessSshPasswordAuth from './access-ssh-password-auth.js';
import accessWireguardPeerAllowsAny from './access-wireguard-peer-allows-any.js';
import accessWireguardPrivateKey from './access-wireguard-private-key.js';
import cniNoPolicySupport from './cni-no-policy-support.js';
import dnsCorednsExposed from './dns-coredns-exposed.js';
import dnsCorednsRbacBroad from './dns-coredns-rbac-broad.js';
import dnsUpstreamPlaintext from './dns-upstream-plaintext.js';
import edgeIngressNoRateLimit from './edge-ingress-no-rate-limit.js';
import edgeIngressNoTls from './edge-ingress-no-tls.js';
import edgeIngressSnippet from './edge-ingress-snippet.js';
import edgeIngressSourceRangeOpen from './edge-ingress-source-range-open.js';
import edgeIngressSslRedirectDisabled from './edge-ingress-ssl-redirect-disabled.js';
import edgeLoadbalancerUnrestricted from './edge-loadbalancer-unrestricted.js';
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
import meshAuthzAllowAll from './mesh-authz-allow-all.js';
import meshAuthzDefaultDenyMissing from './mesh-authz-default-deny-missing.js';
import meshAuthzDenyBypassable from './mesh-authz-deny-bypassable.js';
import meshAuthzSelectsNothing from './mesh-authz-selects-nothing.js';
import meshJwtNotRequired from './mesh-jwt-not-required.js';
import meshLinkerdUnauthenticated from './mesh-linkerd-unauthenticated.js';
import meshMtlsDisabled from './mesh-mtls-disabled.js';
import meshMtlsPermissive from './mesh-mtls-permissive.js';
import meshMtlsStrictMissing from './mesh-mtls-strict-missing.js';
import meshPortExclusion from './mesh-port-exclusion.js';
import meshSidecarInjectionDisabled from './mesh-sidecar-injection-disabled.js';
import netpolAllowAll from './netpol-allow-all.js';
import netpolAssertionFailed from './netpol-assertion-failed.js';
import netpolDefaultDenyEgressMissing from './netpol-default-deny-egress-missing.js';
import netpolDefaultDenyIngressMissing from './netpol-default-deny-ingress-missing.js';
import netpolEgressDnsBlocked from './netpol-egress-dns-blocked.js';
import netpolEgressDnsTcpMissing from './netpol-egress-dns-tcp-missing.js';
import netpolHostnetworkSelected from './netpol-hostnetwork-selected.js';
import netpolPeerAllNamespaces from './netpol-peer-all-namespaces.js';
import netpolSelectsNothing from './netpol-selects-nothing.js';
import parseError from './parse-error.js';
import secretsCommitted from './secrets-committed.js';
import secretsInConfigmap from './secrets-in-configmap.js';
import suppressionInvalid from './suppression-invalid.js';
import suppressionUnused from './suppression-unused.js';
import unknownField from './unknown-field.js';

/** Every rule nsl-lint ships, sorted by id. Adding a rule: one import and one entry here. */
export const RULES: readonly Rule[] = [
  accessSshPasswordAuth,
  accessWireguardPeerAllowsAny,
  accessWireguardPrivateKey,
  cniNoPolicySupport,
  dnsCorednsExposed,
  dnsCorednsRbacBroad,
  dnsUpstreamPlaintext,
  edgeIngressNoRateLimit,
  edgeIngressNoTls,
  edgeIngressSnippet,
  edgeIngressSourceRangeOpen,
  edgeIngressSslRedirectDisabled,
  edgeLoadbalancerUnrestricted,
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
  meshAuthzAllowAll,
  meshAuthzDefaultDenyMissing,
  meshAuthzDenyBypassable,
  meshAuthzSelectsNothing,
  meshJwtNotRequired,
  meshLinkerdUnauthenticated,
  meshMtlsDisabled,
  meshMtlsPermissive,
  meshMtlsStrictMissing,
  meshPortExclusion,
  meshSidecarInjectionDisabled,
  netpolAllowAll,
  netpolAssertionFailed,
  netpolDefaultDenyEgressMissing,
  netpolDefaultDenyIngressMissing,
  netpolEgressDnsBlocked,
  netpolEgressDnsTcpMissing,
  netpolHostnetworkSelected,
  netpolPeerAllNamespaces,
  netpolSelectsNothing,
  parseError,
  secretsCommitted,
  secretsInConfigmap,
  suppressionInvalid,
  suppressionUnused,
  unknownField,
];
