import type { Model } from '../model/model.js';
import type { Resource } from '../model/k8s.js';
import { podTemplate } from '../model/k8s.js';
import { isPlainObject } from '../model/node.js';

/** CNIs that do not implement NetworkPolicy. */
export const NON_ENFORCING_CNIS = new Set(['flannel', 'kubenet']);
const ENFORCING_CNI_IMAGE = /calico\/node|calico-node|cilium\/cilium|cilium-agent|weaveworks\/weave-npc|kube-router|antrea/i;
/** Which policy engine a resource runs, from its name, API group and images. */
const ENGINE_NAMES: [RegExp, string][] = [
  [/cilium/, 'cilium'],
  [/calico|tigera/, 'calico'],
  [/antrea/, 'antrea'],
  [/kube-router/, 'kube-router'],
  [/weave/, 'weave'],
];

export function containerImages(resource: Resource): string[] {
  const { spec } = podTemplate(resource.root, resource.kind);
  const images: string[] = [];
  for (const field of ['containers', 'initContainers']) {
    for (const c of spec?.get(field)?.items() ?? []) {
      const image = c.get('image')?.str();
      if (image) images.push(image);
    }
  }
  return images;
}

export interface CniDetection {
  /** Flannel DaemonSets without a policy engine beside them (Canal bundles Calico). */
  flannelDaemonSets: Resource[];
  flannelConfigMaps: Resource[];
  /** A policy-enforcing CNI (Calico, Cilium, …) is deployed somewhere in the repository. */
  enforcingCni: Resource | undefined;
  /** Its name: `calico`, `canal` (Calico with Flannel in one DaemonSet), `cilium`, `antrea`, `kube-router`, `weave`. */
  enforcingCniName: string | undefined;
}

/** What the repository says about the cluster's CNI. */
export function detectCni(model: Model): CniDetection {
  const flannelDaemonSets: Resource[] = [];
  const flannelConfigMaps: Resource[] = [];
  let enforcingCni: Resource | undefined;
  for (const r of model.resources) {
    if (r.kind === 'DaemonSet' || r.kind === 'Deployment') {
      const images = containerImages(r);
      const enforcing = images.some((i) => ENFORCING_CNI_IMAGE.test(i)) || /^(calico-node|cilium)$/.test(r.name);
      if (enforcing) enforcingCni ??= r;
      const flannel = r.kind === 'DaemonSet' && (r.name.startsWith('kube-flannel') || images.some((i) => /flannel/i.test(i)));
      if (flannel && !enforcing) flannelDaemonSets.push(r);
    } else if (
      r.group === 'projectcalico.org' ||
      r.group === 'crd.projectcalico.org' ||
      r.group === 'operator.tigera.io' ||
      r.group === 'cilium.io'
    ) {
      // Calico or Cilium resources mean that engine runs in the cluster.
      if (!['NetworkPolicy', 'GlobalNetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy'].includes(r.kind))
        enforcingCni ??= r;
    } else if (r.kind === 'ConfigMap' && r.group === '') {
      const data = r.root.get('data')?.value;
      if (r.name.startsWith('kube-flannel') || (isPlainObject(data) && 'net-conf.json' in data)) flannelConfigMaps.push(r);
    }
  }
  return {
    flannelDaemonSets,
    flannelConfigMaps,
    enforcingCni,
    enforcingCniName: enforcingCni && engineName(enforcingCni, flannelDaemonSets.length > 0),
  };
}

function engineName(r: Resource, flannelBeside: boolean): string | undefined {
  const images = r.kind === 'DaemonSet' || r.kind === 'Deployment' ? containerImages(r) : [];
  const text = `${r.name} ${r.group} ${images.join(' ')}`.toLowerCase();
  const name = ENGINE_NAMES.find(([re]) => re.test(text))?.[1];
  // Canal: Calico enforcing policy over Flannel networking.
  return name === 'calico' && (flannelBeside || text.includes('flannel')) ? 'canal' : name;
}

/** The CNI the cluster runs: config `cluster.cni` first, then what the manifests deploy. */
export function clusterCni(model: Model): string | undefined {
  const configured = configuredCni(model);
  if (configured) return configured;
  const detected = detectCni(model);
  if (detected.enforcingCniName) return detected.enforcingCniName;
  return detected.flannelDaemonSets.length || detected.flannelConfigMaps.length ? 'flannel' : undefined;
}

/** The CNI named in the config (`cluster.cni`), lower-cased. */
export function configuredCni(model: Model): string | undefined {
  return model.config.cluster.cni?.toLowerCase();
}
