import { describe, expect, it } from 'vitest';
import { isScalar, parseDocument } from 'yaml';
import { forwardDirectives, lexCorefile, parseCorefile, parseUpstream, readYamlScalar } from '../../src/parse/corefile.js';

/** Directives of each server block as `name arg…` lines, for compact expectations. */
function outline(text: string): string[][] {
  return parseCorefile(text).serverBlocks.map((b) => [
    b.keys.map((k) => k.text).join(' '),
    ...b.directives.map((d) => [d.name.text, ...d.args.map((a) => a.text)].join(' ')),
  ]);
}

function forwards(text: string): { from: string | undefined; to: string[]; except: string[] }[] {
  return forwardDirectives(parseCorefile(text)).map((f) => ({
    from: f.from?.text,
    to: f.to.map((u) => `${u.transport}:${u.kind}:${u.host}`),
    except: f.except.map((e) => e.text),
  }));
}

describe('Corefile lexing (CoreDNS / Caddy v1 lexer behaviour)', () => {
  it('splits on white space, keeps quoted words whole and drops comments', () => {
    const tokens = lexCorefile('a "b c" d # e f\n  g#h i\n"q\\"x"');
    expect(tokens.map((t) => t.text)).toEqual(['a', 'b c', 'd', 'g', 'q"x']);
    expect(tokens.map((t) => t.newline)).toEqual([true, false, false, true, true]);
    expect(tokens.map((t) => t.offset)).toEqual([0, 2, 8, 18, 24]);
  });
});

describe('Corefile server blocks and directives', () => {
  it('reads keys, directives and nested option blocks', () => {
    const text = [
      '.:53 {',
      '    errors',
      '    kubernetes cluster.local in-addr.arpa {',
      '        pods insecure',
      '    }',
      '    forward . 10.0.0.10 {',
      '        except example.org',
      '    }',
      '    cache 30',
      '}',
      'example.org:53, example.net {',
      '    whoami',
      '}',
    ].join('\n');
    expect(outline(text)).toEqual([
      ['.:53', 'errors', 'kubernetes cluster.local in-addr.arpa', 'forward . 10.0.0.10', 'cache 30'],
      ['example.org:53 example.net', 'whoami'],
    ]);
    const fwd = parseCorefile(text).serverBlocks[0]?.directives[2];
    expect(fwd?.block.map((l) => l.map((t) => t.text).join(' '))).toEqual(['except example.org']);
  });

  it('continues keys on the next line after a trailing comma', () => {
    expect(outline('a.example,\nb.example {\n  whoami\n}')).toEqual([['a.example b.example', 'whoami']]);
  });

  it('reads a Corefile without braces as one server block', () => {
    expect(outline('.\nforward . 10.0.0.1\nlog')).toEqual([['.', 'forward . 10.0.0.1', 'log']]);
  });

  it('ends a directive at the line break, so words joined onto another line belong to it', () => {
    // What a folded YAML scalar makes of two lines of equal indentation.
    expect(outline('.:53 {\nerrors forward . 192.0.2.1\n}')).toEqual([['.:53', 'errors forward . 192.0.2.1']]);
    expect(forwards('.:53 {\nerrors forward . 192.0.2.1\n}')).toEqual([]);
  });

  it('splices imported snippets and records imported files as unknown', () => {
    const text =
      '(up) {\n  forward . 8.8.8.8\n}\n(never) {\n  forward . 9.9.9.9\n}\n.:53 {\n  import up\n  import custom/*.server\n  log\n}\nb.example {\n  import up\n}';
    const parsed = parseCorefile(text);
    expect(outline(text)).toEqual([
      ['.:53', 'forward . 8.8.8.8', 'log'],
      ['b.example', 'forward . 8.8.8.8'],
    ]);
    expect(parsed.fileImports.map((t) => t.text)).toEqual(['custom/*.server']);
    // One line in the file: one forward, anchored in the snippet.
    const all = forwardDirectives(parsed);
    expect(all).toHaveLength(1);
    expect(all[0]?.directive.name.offset).toBe(text.indexOf('forward . 8.8.8.8'));
  });

  it('does not expand a snippet that imports itself forever', () => {
    const parsed = parseCorefile('(a) {\n  import a\n  log\n}\n.:53 {\n  import a\n}');
    expect(parsed.problems.join(' ')).toMatch(/too deeply/);
  });

  it('reports unclosed blocks and keeps what it read', () => {
    const parsed = parseCorefile('.:53 {\n  forward . 10.0.0.1 {\n    except a.example\n');
    expect(parsed.problems.length).toBeGreaterThan(0);
    expect(forwards('.:53 {\n  forward . 10.0.0.1 {\n    except a.example\n')).toEqual([
      { from: '.', to: ['dns:address:10.0.0.1'], except: ['a.example'] },
    ]);
  });
});

describe('forward upstreams (CoreDNS forward plugin documentation)', () => {
  it('reads several upstreams with ports and a bracketed IPv6 address as plain DNS', () => {
    expect(forwards('. {\n    forward . 10.0.0.10:53 10.0.0.11:1053 [2003::1]:53\n}')).toEqual([
      { from: '.', to: ['dns:address:10.0.0.10', 'dns:address:10.0.0.11', 'dns:address:2003::1'], except: [] },
    ]);
  });

  it('reads tls:// as DNS-over-TLS, https:// as DNS-over-HTTPS, dns:// as plain', () => {
    const out = forwards(
      '. {\n  forward . tls://9.9.9.9 https://9.9.9.9 dns://8.8.8.8:53 tls://9.9.9.9%dns.quad9.net:10853 {\n    tls_servername dns.quad9.net\n  }\n}',
    );
    expect(out[0]?.to).toEqual(['tls:address:9.9.9.9', 'https:address:9.9.9.9', 'dns:address:8.8.8.8', 'tls:address:9.9.9.9']);
  });

  it('keeps except names out of the upstreams', () => {
    expect(forwards('. {\n  forward . /etc/resolv.conf {\n    except example.org 8.8.8.8.in-addr.arpa\n  }\n}')).toEqual([
      { from: '.', to: ['dns:file:/etc/resolv.conf'], except: ['example.org', '8.8.8.8.in-addr.arpa'] },
    ]);
  });

  it('tells files, host names and environment placeholders apart', () => {
    const kinds = [
      '/etc/resolv.conf',
      'my-dns.svc.cluster.local',
      '{$UPSTREAM}',
      'dns://{env.DNS}',
      '2001:4860:4860::8888',
      'grpc://8.8.8.8',
    ].map((text) => {
      const u = parseUpstream({ text, offset: 0, newline: false });
      return `${u.transport}:${u.kind}`;
    });
    expect(kinds).toEqual(['dns:file', 'dns:name', 'dns:placeholder', 'dns:placeholder', 'dns:address', 'other:address']);
  });

  it('ignores a commented-out forward line', () => {
    expect(forwards('.:53 {\n  # forward . 8.8.8.8\n  #forward . 1.1.1.1\n  forward . 10.0.0.1\n}').map((f) => f.to)).toEqual([
      ['dns:address:10.0.0.1'],
    ]);
  });
});

/** The value the `yaml` package (a full YAML 1.2 parser) gives the scalar under key `k`, and its source. */
function parsed(yamlText: string): { value: string; source: string } {
  const doc = parseDocument(yamlText);
  const node = doc.get('k', true);
  if (!isScalar(node) || !node.range || typeof node.value !== 'string') throw new Error('no scalar');
  return { value: node.value, source: yamlText.slice(node.range[0], node.range[1]) };
}

describe('YAML scalar values and where their characters come from', () => {
  const samples: Record<string, string> = {
    literal: 'k: |\n  .:53 {\n      forward . 8.8.8.8\n  }\n',
    'literal strip, comment in header': 'k: |-  # c\n  a\n\n  b\n\n\n',
    'literal keep': 'k: |+\n  a\n\n  b\n\n\n',
    'literal CRLF': 'k: |\r\n  a\r\n  b\r\n',
    'literal with indentation indicator': 'k: |2\n     x\n    y\n',
    folded: 'k: >\n  a\n  b\n\n  c\n    d\n  e\n',
    'folded, leading empty lines': 'k: >\n\n  a\n  b\n\n\n  c\n',
    'folded strip, more-indented lines': 'k: >-\n  .:53 {\n      errors\n      forward . 1.1.1.1\n  }\n',
    'double quoted with escapes and breaks': 'k: "a\\n  b\n    c  \n\n   d \\\n   e\\t\\u00e9\\x41 "\n',
    'double quoted, escaped break keeps the white space before it': 'k: "a \\\n   b"\n',
    'double quoted astral escape': 'k: "\\U0001F600 x"\n',
    'single quoted': "k: 'it''s\n   here\n\n  x  '\n",
    plain: 'k: plain\n  more\n\n  text\n',
  };
  for (const [name, text] of Object.entries(samples)) {
    it(`${name}: the value equals the YAML parser's, and copied characters point at themselves`, () => {
      const { value, source } = parsed(text);
      const read = readYamlScalar(source);
      expect(read.value).toBe(value);
      expect(read.offsets).toHaveLength(value.length + 1);
      // Every non-space value character that is not the product of an escape is the source character at its offset.
      for (let i = 0; i < value.length; i++) {
        const ch = value[i] as string;
        const at = read.offsets[i] as number;
        if (/\s/.test(ch) || source[at] === '\\') continue;
        expect(source[at], `${name}: character ${i} (${JSON.stringify(ch)})`).toBe(ch);
      }
      // Offsets never go backwards.
      for (let i = 1; i < read.offsets.length; i++) expect(read.offsets[i]).toBeGreaterThanOrEqual(read.offsets[i - 1] as number);
    });
  }

  it('uses the parent indentation with an explicit indentation indicator', () => {
    // Parent mapping at 2: `|2` means content at 4, so two more spaces stay in the value.
    const text = 'data:\n  k: |2\n      x\n     y\n';
    const doc = parseDocument(text);
    const node = doc.getIn(['data', 'k'], true);
    if (!isScalar(node) || !node.range) throw new Error('no scalar');
    const read = readYamlScalar(text.slice(node.range[0], node.range[1]), 2);
    expect(read.value).toBe('  x\n y\n');
    expect(read.value).toBe(node.value);
  });

  it('maps hand-picked characters to hand-counted offsets', () => {
    // `|`: source "|\n  .:53 {\n      forward . 8.8.8.8\n  }\n"; "forward" is value offset 11, source offset 17.
    const lit = readYamlScalar('|\n  .:53 {\n      forward . 8.8.8.8\n  }\n');
    expect(lit.value.indexOf('forward')).toBe(11);
    expect(lit.offsets[11]).toBe(17);
    // `>`: "a\n  b" folds to "a b"; the space comes from the line break at source offset 5.
    const folded = readYamlScalar('>\n  a\n  b\n');
    expect(folded.value).toBe('a b\n');
    expect(folded.offsets.slice(0, 3)).toEqual([4, 5, 8]);
    // `"…"`: "\x41" decodes to "A" at the backslash (offset 1); "b" follows at 5.
    const dq = readYamlScalar('"\\x41b"');
    expect(dq.value).toBe('Ab');
    expect(dq.offsets).toEqual([1, 5, 6]);
    // `'…'`: "''" is one quote, from the first of the pair.
    const sq = readYamlScalar("'a''b'");
    expect(sq.value).toBe("a'b");
    expect(sq.offsets).toEqual([1, 2, 4, 5]);
  });
});
