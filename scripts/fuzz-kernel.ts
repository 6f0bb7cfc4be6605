/**
 * `npm run fuzz:kernel -- --count 500 --seed 7`: the randomised differential test of the
 * host firewall semantics against the kernel, at any size (test/host/fuzz-run.ts). Every
 * construct runs, including those listed in KNOWN_GAPS; disagreements are shrunk to a
 * minimal ruleset and grouped. Needs root and network namespaces.
 *
 *   --count N        rulesets to generate (default 500)
 *   --seed N         seed (default: the time)
 *   --without a,b    leave constructs out; --only a,b: only these
 *   --no-gaps        leave out the KNOWN_GAPS constructs (what `npm test` runs)
 *   --minimize N     shrink the disagreements of the first N rulesets that have some (default 12; 0: none)
 *   --keep DIR       keep the generated rulesets in DIR
 *   --list           print the constructs and exit
 *   --cases          replay the recorded disagreements (test/host/kernel-cases.ts) and exit
 */
import { ALL_CONSTRUCTS, CONSTRUCTS, type Construct } from '../test/host/fuzz-gen.js';
import { CASES, replayCase } from '../test/host/kernel-cases.js';
import { KNOWN_GAPS, constructsFrom, runFuzz, toolVersions, unsupportedConstructs, type FuzzFailure } from '../test/host/fuzz-run.js';
import { destroyAllLabs } from '../test/host/kernel-lab.js';
import { kernelUnavailable } from '../test/host/kernel-support.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const list = (name: string): string[] | undefined => arg(name)?.split(',').filter(Boolean);

if (flag('list')) {
  for (const c of ALL_CONSTRUCTS) console.log(`${c.padEnd(22)} ${CONSTRUCTS[c]}${KNOWN_GAPS[c] ? `  [known gap: ${KNOWN_GAPS[c]}]` : ''}`);
  process.exit(0);
}
const why = kernelUnavailable();
if (why) {
  console.error(`fuzz:kernel needs the kernel: ${why}`);
  process.exit(2);
}
if (flag('cases')) {
  process.on('exit', destroyAllLabs);
  let open = 0;
  for (const c of CASES) {
    const r = replayCase(c);
    if (r.agree !== true) open++;
    console.log(
      `${r.agree === 'uncertain' ? 'uncertain' : r.agree ? 'agrees   ' : 'DISAGREES'} ${r.construct.padEnd(20)} kernel ${r.kernel}${r.stale ? ' (NOT what the case records)' : ''}, nsl-lint ${r.nsl}: ${r.name}`,
    );
  }
  console.log(`${CASES.length} cases, ${open} without the kernel's verdict`);
  process.exit(0);
}
const count = Number(arg('count') ?? 500);
const seed = Number(arg('seed') ?? Date.now() % 2 ** 31);
const constructs = constructsFrom({
  only: list('only'),
  without: [...(list('without') ?? []), ...(flag('no-gaps') ? Object.keys(KNOWN_GAPS) : [])],
});
for (const [c, reason] of Object.entries(unsupportedConstructs())) {
  if (constructs.delete(c as Construct)) console.log(`left out ${c}: ${reason}`);
}
process.on('exit', destroyAllLabs);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    destroyAllLabs();
    process.exit(130);
  });
console.log(`fuzz:kernel: ${count} rulesets, seed ${seed}, ${constructs.size}/${ALL_CONSTRUCTS.length} constructs (${toolVersions()})`);
const summary = runFuzz({
  seed,
  count,
  constructs,
  minimize: Number(arg('minimize') ?? 12),
  log: (l) => console.log(l),
  ...(arg('keep') ? { keep: arg('keep') as string } : {}),
});

if (summary.untestable.length) console.log(`witnesses not sent (sample):\n  ${summary.untestable.join('\n  ')}`);
const byKind = new Map<string, FuzzFailure[]>();
for (const f of summary.failures) {
  // One group per kind of disagreement: the constructs of the minimal ruleset and the two verdicts.
  const d = f.minimal?.disagreement ?? f.disagreement;
  const key =
    f.kind === 'verdict'
      ? `verdict: kernel ${d?.kernel}, nsl-lint ${d?.nsl.split(' ')[0]} [${(f.minimal?.constructs ?? f.constructs).join(' ')}]`
      : `${f.kind}: ${f.text.replace(/\d+/g, 'N').slice(0, 120)}`;
  byKind.set(key, [...(byKind.get(key) ?? []), f]);
}
const verdictFailures = summary.failures.filter((f) => f.kind === 'verdict').length;
console.log(
  `\nfuzz:kernel seed ${seed}: ${summary.rulesets} rulesets, ${summary.packets} packets, ${summary.agreed} firm verdicts agreed, ${verdictFailures} disagreed, ${summary.uncertain} uncertain for nsl-lint; claims checked: ${summary.claims.portOpen} open-port witnesses, ${summary.claims.shadowed} shadowed, ${summary.claims.redundant} redundant, ${summary.claims.deletions} deletions (${summary.claims.untestable} witnesses not testable); ${summary.failures.length} failures in ${byKind.size} groups; ${summary.seconds.toFixed(0)} s`,
);
for (const [key, fs] of byKind) {
  const ex = fs.find((f) => f.minimal) ?? (fs[0] as FuzzFailure);
  console.log(`\n== ${fs.length} × ${key}`);
  console.log(`   ruleset ${ex.index}: ${ex.text}`);
  for (const file of ex.minimal?.files ?? ex.files) console.log(`   --- ${file.path}\n${file.text.replace(/^/gm, '   | ')}`);
  if (ex.minimal)
    console.log(
      `   packet: ${ex.minimal.disagreement.packet}: kernel ${ex.minimal.disagreement.kernel}, nsl-lint ${ex.minimal.disagreement.nsl}`,
    );
}
process.exit(summary.failures.length ? 1 : 0);
