import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { checkShellSyntax } from '../../src/parse/shell-syntax.js';
import { runScript, scriptCommands } from './kernel-interp.js';
import { cleanup, describeKernel, firewallFixtures, inNs, netns, saveFamily } from './kernel-support.js';

/**
 * The kernel tools are the reference for syntax: what nsl-lint accepts, `nft -c`,
 * `iptables-restore` and `bash -n` accept; what it reports as `parse-error`, they reject.
 * iptables input is really loaded (into a throwaway network namespace), because
 * `iptables-restore --test` does not check that jump targets exist. Scripts are never run:
 * their commands, as the shell extraction finds them, are run one by one by the interpreter
 * of kernel-interp.ts.
 */
describeKernel('kernel syntax oracle', () => {
  afterAll(cleanup);
  let checks = 0;
  afterAll(() => console.log(`kernel syntax oracle: ${checks} inputs checked against nft / iptables-restore / bash -n`));

  for (const { dir, result, firewallFiles } of firewallFixtures()) {
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
          // The commands as the script runs them, through the interpreter (never nsl-lint's
          // rendering): each command nsl-lint refused, the tool refuses; each it accepted, the tool accepts.
          const own = netns(); // a script starts from an empty ruleset
          const ran = runScript(dir, scriptCommands(dir, file.path, file.text), (argv, input, cwd) => inNs(own, argv, input, cwd));
          const errorLines = new Set(ours.map((e) => e.span.start.line));
          for (const c of ran.commands) {
            if (c.file !== file.path) continue;
            checks++;
            expect({
              file: file.path,
              line: c.line,
              command: c.argv.join(' '),
              kernel: c.out,
              kernelAccepts: c.status === 0,
            }).toMatchObject({
              kernelAccepts: !errorLines.has(c.line),
            });
          }
        }
      }
    });
  }
});
