import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkShellSyntax } from '../../src/parse/shell-syntax.js';
import { extractShell } from '../../src/parse/shell-run.js';
import { cleanup, firewallFixtures, inNs, kernelUnavailable, netns, saveFamily } from './kernel-support.js';

/**
 * The kernel tools are the reference for syntax: what nsl-lint accepts, `nft -c`,
 * `iptables-restore` and `bash -n` accept; what it reports as `parse-error`, they reject.
 * iptables input is really loaded (into a throwaway network namespace), because
 * `iptables-restore --test` does not check that jump targets exist. Scripts are never run:
 * the commands nsl-lint extracts are rendered to iptables-restore / nft input.
 */
const unavailable = kernelUnavailable();
if (unavailable) console.log(`kernel syntax oracle skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('kernel tools agree with nsl-lint on what parses', () => {
  afterAll(cleanup);
  let checks = 0;
  afterAll(() => console.log(`kernel syntax oracle: ${checks} inputs checked against nft / iptables-restore / bash -n`));

  for (const { dir, result, firewallFiles } of unavailable ? [] : firewallFixtures()) {
    it(path.basename(dir), () => {
      const ns = netns();
      const errors = result.model.parseErrors;
      for (const file of firewallFiles) {
        const ours = errors.filter((e) => e.file === file.path);
        const abs = path.join(dir, file.path);
        if (file.kind === 'nft') {
          const root = result.model.host.rulesets.some((rs) => rs.file === file.path);
          if (!root && ours.length === 0) continue; // included by another file, checked through it
          const r = inNs(ns, ['nft', '-c', '-I', path.dirname(abs), '-f', abs], undefined, path.dirname(abs));
          checks++;
          expect({ file: file.path, kernelAccepts: r.status === 0, kernel: r.out.trim().split('\n')[0] }).toMatchObject({
            kernelAccepts: ours.length === 0,
          });
        } else if (file.kind === 'iptables-save') {
          const r = inNs(ns, [saveFamily(file) === 6 ? 'ip6tables-restore' : 'iptables-restore'], file.text);
          checks++;
          expect({ file: file.path, kernelAccepts: r.status === 0, kernel: r.out.trim() }).toMatchObject({
            kernelAccepts: ours.length === 0,
          });
        } else {
          const syntax = checkShellSyntax(file.text);
          const bash = spawnSync('bash', ['-n', abs]);
          checks++;
          expect({ file: file.path, bashAccepts: bash.status === 0 }).toEqual({ file: file.path, bashAccepts: syntax === undefined });
          if (syntax) continue;
          const rs = result.model.host.rulesets.find((r) => r.file === file.path);
          if (rs?.rendered.iptables) {
            checks++;
            const r = inNs(ns, ['iptables-restore'], rs.rendered.iptables);
            expect({ file: file.path, rendered: rs.rendered.iptables, kernel: r.out.trim(), ok: r.status === 0 }).toMatchObject({
              ok: true,
            });
          }
          if (rs?.rendered.ip6tables) {
            checks++;
            const r = inNs(ns, ['ip6tables-restore'], rs.rendered.ip6tables);
            expect({ file: file.path, rendered: rs.rendered.ip6tables, kernel: r.out.trim(), ok: r.status === 0 }).toMatchObject({
              ok: true,
            });
          }
          if (rs?.rendered.nft) {
            checks++;
            const r = inNs(ns, ['nft', '-c', '-f', '-'], rs.rendered.nft, dir);
            expect({ file: file.path, rendered: rs.rendered.nft, kernel: r.out.trim(), ok: r.status === 0 }).toMatchObject({ ok: true });
          }
          // Each command nsl-lint refused must be refused by the tool too.
          const commands = extractShell(file.path, file.text, () => undefined).commands;
          for (const e of ours) {
            const cmd = commands.find(
              (c) =>
                c.at.span.start.line === e.span.start.line ||
                (c.at.span.start.line <= e.span.start.line && e.span.start.line <= c.at.span.end.line),
            );
            if (!cmd || (cmd.program !== 'iptables' && cmd.program !== 'ip6tables' && cmd.program !== 'nft')) continue;
            let r;
            if (cmd.program === 'nft') r = inNs(ns, ['nft', '-c', '-f', '-'], `${cmd.args.map((a) => a.text).join(' ')}\n`);
            else {
              const words = cmd.args.map((a) => a.text);
              const t = words.indexOf('-t');
              const table = t >= 0 ? (words[t + 1] ?? 'filter') : 'filter';
              if (t >= 0) words.splice(t, 2);
              const quoted = words.map((w) => (/^[^\s"']+$/.test(w) ? w : `"${w}"`)).join(' ');
              r = inNs(ns, [cmd.program === 'iptables' ? 'iptables-restore' : 'ip6tables-restore'], `*${table}\n${quoted}\nCOMMIT\n`);
            }
            checks++;
            expect({ file: file.path, line: e.span.start.line, kernelRejects: r.status !== 0 }).toMatchObject({ kernelRejects: true });
          }
        }
      }
    });
  }
});
