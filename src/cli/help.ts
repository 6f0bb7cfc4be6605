import { FORMATS } from '../report/report.js';

export const HELP = `Usage: nsl-lint [options] [path ...]
       nsl-lint connectivity [options] [path ...]

Checks Kubernetes manifests, host firewall rulesets (iptables, ip6tables, nft,
iptables-save), WireGuard and sshd configs for network-security mistakes.
Paths are files or directories (default: the current directory). Directories are
walked recursively, skipping .git, node_modules and what .gitignore or the config's
\`ignore\` excludes. \`-\` reads one input from standard input: a manifest
stream, or what --stdin-filename's name says (a script, an nftables file, …).

Commands:
  (default)                 lint the paths and report findings
  connectivity              print which workloads and address ranges may connect,
                            as NetworkPolicies and AdminNetworkPolicies allow it
                            (-f text|json|md|mermaid|dot|csv)
  connectivity --diff <rev> the connections added, removed and changed since a git
                            revision (branch, tag, commit): the revision's files
                            are read into a temporary folder, the working tree,
                            index and branches are left alone (-f text|json|md)
  connectivity --diff-dir <dir>
                            the same against a folder holding the base version
  connectivity --explain ['SRC=>DST']
                            which policies and rules (NetworkPolicy, Calico,
                            Cilium, AdminNetworkPolicy tiers) allow or deny each
                            connection, with file:line; alone: every pair of
                            workloads (denied ones too) and address range; with
                            a pair (quote it): that pair only. SRC and DST are
                            ns/name (owner or workload, optionally ns/name[Kind])
                            or an address/CIDR (-f text|json|md)

Options:
  -f, --format <name>       report format: ${FORMATS.join(', ')} (default: stylish)
  -o, --output-file <file>  write the report to a file instead of standard output
  -c, --config <file>       config file (default: the first .nsl-lint.yaml found
                            upward from the current directory)
      --namespace <name>    namespace for objects that set none (default: config
                            \`defaultNamespace\`, else "default")
      --fail-on <level>     lowest severity that makes the exit code 1:
                            low, medium, high or none (default: low)
      --render <mode>       kustomize: build each top-level kustomization with the
                            kustomize (else kubectl) on PATH and check what it
                            builds, findings mapped back to the source files;
                            none: read kustomizations natively (default: config
                            \`render\`, else none)
      --stdin-filename <p>  with \`-\`: the path to report standard input as; its
                            name decides how it is read (.yaml, .sh, .nft, …)
      --only-files          check the whole repository, but report only findings
                            in the files given as paths (pre-commit, editors)
      --write-baseline <f>  write the fingerprints of the current findings to <f>
                            (JSON, one entry per finding with its rule, file and
                            message, for review) and exit 0
      --baseline <f>        hide the findings whose fingerprint <f> holds: they do
                            not count for the exit code; the summary counts them
                            and SARIF marks results "unchanged" or "new"
      --list-rules          list every rule with its severity and exit
      --verbose             list every note on stderr (by default the first 10,
                            then a count; json and sarif always hold them all)
      --debug               show stack traces of internal errors
  -h, --help                show this help
  -v, --version             show the version

Exit codes:
  0  no finding at or above --fail-on
  1  at least one finding at or above --fail-on
  2  usage, configuration or internal error

Suppressing a finding (always with a reason, after \` -- \`):
  # nsl-lint-disable-next-line <rule-id>[, <rule-id>] -- <reason>
                            on its own line: silences those rules on the next
                            line that is not a comment
  <line>  # nsl-lint-disable-line <rule-id>[, <rule-id>] -- <reason>
                            at the end of the line it silences
  # nsl-lint-disable-file <rule-id>[, <rule-id>] -- <reason>
                            anywhere: silences those rules in the whole file
  metadata.annotations: { ignore-check.nsl-lint.io/<rule-id>: "<reason>" }
                            silences that rule inside the Kubernetes object
  Directives work in every input with # comments (YAML, shell, nft,
  iptables-save, sshd, WireGuard; not JSON). Suppressed findings do not count
  for the exit code; SARIF keeps them as suppressed. A suppression without a
  reason or naming an unknown rule is reported (suppression-invalid), one that
  silences nothing too (suppression-unused).

Config (.nsl-lint.yaml):
  rules:            { <rule-id>: off | on | low | medium | high }
  ignore:           [ gitignore-style patterns ]
  include:          [ test-data folders to check anyway (testdata, __fixtures__, __snapshots__ are skipped) ]
  defaultNamespace: default
  failOn:           low
  render:           none | kustomize
  cluster:          { cni: flannel, namespaceLabels: { <ns>: { k: v } }, dnsSelector: { k8s-app: kube-dns } }
  mesh:             { rootNamespace: istio-system }
  host:             { privateInterfaces: [ eth1 ], sensitivePorts: [ 8443, "9000-9100/tcp" ] }
  connectivity:     { assertions: [ { from: shop/web, to: payments/db, port: tcp/5432, expect: deny } ] }
                    expected connections, checked on every run (rule
                    netpol-assertion-failed): from/to are ns/name, ns/*, a CIDR,
                    or { namespace, namespaceLabels, podLabels } / { cidr };
                    port is tcp/N, udp/N, sctp/N-M or N (TCP), absent = any
                    connection; expect is allow or deny

Rules and what they mean: rules/README.md, or \`nsl-lint --list-rules\`.
`;
