import { describe, expect, it } from 'vitest';
import { peerAdmitsEverything, type Peer } from '../../src/analysis/netpol-types.js';
import { parseCidr } from '../../src/core/ip.js';
import { Node } from '../../src/model/node.js';
import { Net, cilium, np, pod, type Obj } from './netpol-helpers.js';

/**
 * Peers that admit every address or endpoint by themselves: an ipBlock of a whole address
 * family without `except`, the Cilium entities `all` (every endpoint) and `world` (every
 * address outside the cluster).
 */

function firstPeer(policy: Obj, direction: 'Ingress' | 'Egress' = 'Ingress'): Peer {
  const n = Net.of([pod('x/a'), policy]);
  const peer = n.a.policies[0]?.[direction]?.rules[0]?.peers[0];
  if (!peer) throw new Error('no peer');
  return peer;
}
const k8sFrom = (peer: Obj): Peer => firstPeer(np('x/p', { podSelector: {}, ingress: [{ from: [peer] }] }));
const ciliumFrom = (rule: Obj): Peer => firstPeer(cilium('x/p', { endpointSelector: {}, ingress: [rule] }));
const admits = (peer: Peer) => {
  const r = peerAdmitsEverything(peer);
  return r && { at: r.node.value, what: r.what, everyone: r.everyone };
};

describe('peerAdmitsEverything', () => {
  it('an IPv4 or IPv6 ipBlock of the whole family without except', () => {
    expect(admits(k8sFrom({ ipBlock: { cidr: '0.0.0.0/0' } }))).toEqual({
      at: '0.0.0.0/0',
      what: '0.0.0.0/0 without `except`',
      everyone: 'every address',
    });
    expect(admits(k8sFrom({ ipBlock: { cidr: '::/0' } }))).toEqual({
      at: '::/0',
      what: '::/0 without `except`',
      everyone: 'every address',
    });
    expect(admits(ciliumFrom({ fromCIDR: ['0.0.0.0/0'] }))).toEqual({
      at: '0.0.0.0/0',
      what: '0.0.0.0/0 without `except`',
      everyone: 'every address',
    });
  });

  it('not with an except, and not for a smaller block', () => {
    expect(admits(k8sFrom({ ipBlock: { cidr: '0.0.0.0/0', except: ['192.0.2.0/24'] } }))).toBeUndefined();
    expect(admits(k8sFrom({ ipBlock: { cidr: '0.0.0.0/1' } }))).toBeUndefined();
    expect(admits(k8sFrom({ ipBlock: { cidr: '128.0.0.0/1' } }))).toBeUndefined();
    expect(admits(ciliumFrom({ fromCIDRSet: [{ cidr: '::/0', except: ['2001:db8::/32'] }] }))).toBeUndefined();
  });

  it('the Cilium entities all and world, named as written', () => {
    expect(admits(ciliumFrom({ fromEntities: ['all'] }))).toEqual({ at: 'all', what: 'the entity "all"', everyone: 'every endpoint' });
    expect(admits(ciliumFrom({ fromEntities: ['world'] }))).toEqual({
      at: 'world',
      what: 'the entity "world"',
      everyone: 'every address outside the cluster',
    });
    expect(admits(ciliumFrom({ fromEntities: ['world-ipv6'] }))).toEqual({
      at: 'world-ipv6',
      what: 'the entity "world-ipv6"',
      everyone: 'every address outside the cluster',
    });
  });

  it('other entities and peers admit less', () => {
    expect(admits(ciliumFrom({ fromEntities: ['cluster'] }))).toBeUndefined();
    expect(admits(ciliumFrom({ fromEntities: ['host'] }))).toBeUndefined();
    expect(admits(k8sFrom({ namespaceSelector: {} }))).toBeUndefined();
    expect(admits({ kind: 'all' })).toBeUndefined();
    expect(admits({ kind: 'unknown' })).toBeUndefined();
  });

  it('needs a node to anchor on', () => {
    const range = parseCidr('0.0.0.0/0');
    if (!range) throw new Error('cidr');
    expect(admits({ kind: 'cidr', range, except: [], node: undefined })).toBeUndefined();
    expect(admits({ kind: 'entity', entity: 'all', node: undefined })).toBeUndefined();
    // A node that is not a scalar: the entity's own name is used.
    const odd = new Node({ weird: true }, 'p.yaml', 0, []);
    expect(peerAdmitsEverything({ kind: 'entity', entity: 'world', node: odd })?.what).toBe('the entity "world"');
  });
});
