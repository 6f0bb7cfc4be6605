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
