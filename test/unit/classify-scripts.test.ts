import { describe, expect, it } from 'vitest';
import { kindByContent } from '../../src/discover/classify.js';

describe('a shell script is a firewall script when it calls a firewall command', () => {
  const cases: [name: string, text: string][] = [
    ['the command stored in a variable', 'IPT=iptables\n$IPT -A INPUT -p tcp --dport 22 -j ACCEPT\n'],
    ['a path stored in a variable', 'IPTABLES=/sbin/iptables\n$IPTABLES -P INPUT DROP\n'],
    ['quoted', 'IP6T="ip6tables"\n"$IP6T" -P INPUT DROP\n'],
    ['looked up', 'NFT=$(command -v nft)\n$NFT -f /etc/nftables.conf\n'],
    ['looked up with which', 'IPT=$(which iptables-legacy)\n$IPT -F\n'],
    ['in backquotes', 'IPT=`which iptables`\n$IPT -F\n'],
    ['local', 'local ipt=ip6tables-nft; $ipt -F\n'],
    ['called plainly', 'iptables -P INPUT DROP\n'],
  ];
  for (const [name, text] of cases)
    it(name, () => {
      expect(kindByContent('fw.sh', text)).toBe('shell');
      expect(kindByContent('start.fw', `#!/bin/sh\n${text}`)).toBe('shell');
    });

  it('needs a shell name or a `#!` line', () => {
    expect(kindByContent('notes', 'IPT=iptables\n$IPT -A INPUT -j ACCEPT\n')).toBeUndefined();
    expect(kindByContent('README', 'Use nft to list the ruleset: nft list ruleset\n')).toBeUndefined();
  });

  it('does not take a word that only contains the command name', () => {
    expect(kindByContent('build.sh', '#!/bin/sh\nmake nftables-docs\necho "iptablesfoo"\nMYNFT_VERSION=2\n')).toBeUndefined();
    expect(kindByContent('build.sh', '#!/bin/sh\nCONF=/etc/nftables.conf\n')).toBeUndefined();
  });
});

describe('a script that sets WireGuard peers is read too (for the access rules)', () => {
  it('`wg set` makes it an input; other wg subcommands and words do not', () => {
    expect(kindByContent('add-peer.sh', '#!/bin/sh\nwg set wg0 peer KEY allowed-ips 10.0.0.2/32\n')).toBe('shell');
    expect(kindByContent('status.sh', '#!/bin/sh\nwg show wg0\n')).toBeUndefined();
    expect(kindByContent('build.sh', '#!/bin/sh\necho "awg set up"\n')).toBeUndefined();
  });
});
