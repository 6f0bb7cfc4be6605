import { describe, expect, it } from 'vitest';
import { clusterCni } from '../../src/analysis/cni.js';
import { defaultConfig } from '../../src/core/config.js';
import { loadModel } from '../../src/model/load.js';

const daemonSet = (name: string, ...images: string[]) => `apiVersion: apps/v1
kind: DaemonSet
metadata: { name: ${name}, namespace: kube-system }
spec:
  template:
    spec:
      containers: [${images.map((image, i) => `{ name: c${i}, image: "${image}" }`).join(', ')}]
`;

function cniOf(manifests: string[], configured?: string): string | undefined {
  const config = defaultConfig();
  if (configured) config.cluster.cni = configured;
  const files = manifests.map((text, i) => ({ path: `m${i}.yaml`, abs: `m${i}.yaml`, kind: 'manifest' as const, text }));
  return clusterCni(loadModel('.', files, config));
}

describe('the CNI the cluster runs', () => {
  it.each([
    ['calico', [daemonSet('calico-node', 'docker.io/calico/node:v3.29.0')]],
    ['cilium', [daemonSet('cilium', 'quay.io/cilium/cilium:v1.16.0')]],
    ['canal', [daemonSet('canal', 'docker.io/calico/node:v3.29.0', 'quay.io/coreos/flannel:v0.15.1')]],
    [
      'canal',
      [daemonSet('kube-flannel-ds', 'docker.io/flannel/flannel:v0.26.0'), daemonSet('calico-node', 'docker.io/calico/node:v3.29.0')],
    ],
    ['flannel', [daemonSet('kube-flannel-ds', 'docker.io/flannel/flannel:v0.26.0')]],
    [undefined, [daemonSet('node-exporter', 'quay.io/prometheus/node-exporter:v1.8.0')]],
  ])('%s', (expected, manifests) => {
    expect(cniOf(manifests)).toBe(expected);
  });

  it('the config wins over the manifests', () => {
    expect(cniOf([daemonSet('kube-flannel-ds', 'docker.io/flannel/flannel:v0.26.0')], 'Cilium')).toBe('cilium');
  });
});
