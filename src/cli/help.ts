import { FORMATS } from '../report/report.js';

export const HELP = `Usage: nsl-lint [options] [path ...]
       nsl-lint connectivity [options] [path ...]

Checks Kubernetes manifests, host firewall rulesets (iptables, ip6tables, nft,
iptables-save), WireGuard and sshd configs for network-security mistakes.
Paths are files or directories (default: the current directory). Directories are
walked recursively, skipping .git, node_modules and what .gitignore or the config's
\`ignore\` excludes. \`-\` reads one manifest stream from standard input.

Commands:
  (default)                 lint the paths and report findings
  connectivity              print which workloads and address ranges may connect,
                            as NetworkPolicies allow it (-f text|json|md|mermaid)

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
      --stdin-filename <p>  with \`-\`: the path to report standard input as
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

Rules and what they mean: rules/README.md, or \`nsl-lint --list-rules\`.
`;
