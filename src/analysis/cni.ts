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

/** A way CNI traffic crosses between nodes. */
export interface Transport {
  proto: number;
  port?: number;
  label: string;
}

const VXLAN_8472: Transport = { proto: 17, port: 8472, label: 'VXLAN udp 8472' };
const VXLAN_4789: Transport = { proto: 17, port: 4789, label: 'VXLAN udp 4789' };
const GENEVE: Transport = { proto: 17, port: 6081, label: 'Geneve udp 6081' };
const BGP: Transport = { proto: 6, port: 179, label: 'BGP tcp 179' };
const IPIP: Transport = { proto: 4, label: 'IP-in-IP (protocol 4)' };
const WG_CALICO: Transport = { proto: 17, port: 51820, label: 'WireGuard udp 51820' };
const WG_CILIUM: Transport = { proto: 17, port: 51871, label: 'WireGuard udp 51871' };

/** The transports a CNI may use between nodes; accepting any one of them is enough. */
export function cniOverlay(cni: string): Transport[] {
  switch (cni) {
    case 'flannel':
    case 'canal':
      return [VXLAN_8472, VXLAN_4789, WG_CALICO, { proto: 17, port: 8285, label: 'udp 8285 (udp backend)' }];
    case 'calico':
      return [BGP, IPIP, VXLAN_4789, WG_CALICO];
    case 'cilium':
      return [VXLAN_8472, GENEVE, WG_CILIUM];
    case 'antrea':
      return [GENEVE, VXLAN_4789];
    case 'kube-router':
      return [BGP, IPIP];
    case 'weave':
      return [
        { proto: 6, port: 6783, label: 'Weave tcp 6783' },
        { proto: 17, port: 6784, label: 'Weave udp 6784' },
      ];
    default:
      return [];
  }
}
