/**
 * Chains long enough that what is left of the input can no longer be kept as a handful of
 * boxes: the evaluator then subtracts what earlier rules took at the end, through its
 * index. The accepted and dropped sets are written out by hand.
 */
import { describe, expect, it } from 'vitest';
import { cidr, expectSameSet, judge, pt, region, save, type Region } from './firewall-helpers.js';

const N = 40;
const host = (k: number): string => `10.1.0.${k}`;
const rules = Array.from({ length: N }, (_, k) => `-A INPUT -s ${host(k)}/32 -p tcp --dport ${1000 + k} -j ACCEPT`);
const text = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':SUB - [0:0]',
  ...rules.slice(0, 20),
  // After twenty rules: 10.3.0.0/16 goes through SUB, which sends port 22 back and accepts the rest.
  '-A INPUT -s 10.3.0.0/16 -j SUB',
  ...rules.slice(20),
  '-A SUB -p tcp --dport 22 -j RETURN',
  '-A SUB -j ACCEPT',
  'COMMIT',
  '',
].join('\n');

describe('long chains', () => {
  const a = save(text);
  const opened: Region[] = Array.from({ length: N }, (_, k) => ({ src: cidr(`${host(k)}/32`), proto: pt(6), dport: pt(1000 + k) }));

  it('the hook accepts exactly what the rules open, and drops the rest', () => {
    const run = a.hook(4, 'input');
    const sub = region(a, 4, { src: cidr('10.3.0.0/16') }).subtract(
      region(a, 4, { src: cidr('10.3.0.0/16'), proto: pt(6), dport: pt(22) }),
    );
    const accepted = region(a, 4, ...opened).union(sub);
    expectSameSet(run.accepted, accepted);
    expectSameSet(run.dropped, a.universe(4).subtract(accepted));
  });

  it('single packets agree', () => {
    expect(judge(a, { src: host(7), dport: 1007 }).verdict).toBe('accept');
    expect(judge(a, { src: host(7), dport: 1008 }).verdict).toBe('drop');
    expect(judge(a, { src: host(33), dport: 1033 }).verdict).toBe('accept');
    expect(judge(a, { src: '10.3.9.9', dport: 22 }).verdict).toBe('drop');
    expect(judge(a, { src: '10.3.9.9', dport: 23 }).verdict).toBe('accept');
  });
});
