import { defineRule } from '../src/rule/rule.js';
import { NON_ENFORCING_CNIS, configuredCni, detectCni } from '../src/analysis/cni.js';
import { kubernetesNetworkPolicies } from '../src/analysis/isolation.js';

export default defineRule({
  id: 'cni-no-policy-support',
  title: 'CNI does not enforce NetworkPolicy',
  severity: 'high',
  rationale:
    'NetworkPolicy objects are only data until the network plugin enforces them. Flannel (without Calico, as in Canal) and kubenet accept the objects and enforce none of them, so every policy in the repository is silently void.',
  remediation: 'Run a CNI that enforces policy (Calico, Cilium, Canal = Flannel + Calico, Antrea), or add a policy engine beside Flannel.',
  precision: 'high',
  tags: ['kubernetes', 'cni', 'network-policy'],
  *check({ model }) {
    const configured = configuredCni(model);
    if (configured !== undefined && !NON_ENFORCING_CNIS.has(configured)) return;
    const detected = detectCni(model);
    const policies = kubernetesNetworkPolicies(model).length;
    const unenforced = `${policies} NetworkPolic${policies === 1 ? 'y' : 'ies'} in this repository will not be enforced`;
    if (configured === undefined && detected.enforcingCni) return;
    const anchor = detected.flannelDaemonSets[0] ?? detected.flannelConfigMaps[0];
    if (anchor) {
      const at = anchor.metadata?.get('name')?.loc;
      if (at)
        yield { at, message: `${anchor.kind} "${anchor.name}" deploys Flannel, which does not enforce NetworkPolicy: ${unenforced}.` };
      return;
    }
    const source = model.config.source;
    if (configured !== undefined && source) {
      yield {
        at: { file: source.file, doc: 0, path: ['cluster', 'cni'], part: 'value' },
        message: `The configured CNI "${configured}" does not enforce NetworkPolicy: ${unenforced}.`,
      };
    }
  },
});
