#!/usr/bin/env bash
# Installs the standard Go tools the tests and operators use, pinned, with
# `go install` through the Go module proxy, into .tools/bin of this checkout.
# Idempotent: a tool already built at its pinned version is left alone.
#
#   tools/go-tools.sh grpcurl      # prints the tool's path on success
#   tools/go-tools.sh helm         # Helm 3 (deploy/helm, tests/e2e/helm_test.sh)
#   tools/go-tools.sh kubeconform  # Kubernetes manifest validator
#
# Uses Debian's Go (golang-go, installed by tools/deps.sh); GOTOOLCHAIN=local
# so nothing but modules is downloaded. Every version here builds with
# Debian bookworm's Go 1.19: Helm 3.14 and kubeconform 0.6.4 and later need a
# newer Go (their go.mod says so).
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A MODULE=(
  [grpcurl]=github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.8.7
  [helm]=helm.sh/helm/v3/cmd/helm@v3.13.3
  [kubeconform]=github.com/yannh/kubeconform/cmd/kubeconform@v0.6.3
)

# Link-time settings a tool's own release build makes (its Makefile), so that
# `go install` gives the same binary: Helm's version, and the Kubernetes
# version it assumes without a cluster (`helm template`, `helm lint`), taken
# from its k8s.io/client-go (v0.28 -> 1.28) instead of the source default 1.20.
helm_ldflags=(
  -X helm.sh/helm/v3/internal/version.version=v3.13.3
  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1
  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=28
  -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1
  -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=28
)
declare -A LDFLAGS=(
  [helm]="${helm_ldflags[*]}"
  [kubeconform]="-X main.version=v0.6.3"
)

tool=${1:?usage: tools/go-tools.sh TOOL (one of: ${!MODULE[*]})}
module=${MODULE[$tool]:-}
[[ -n "$module" ]] || { echo "go-tools.sh: unknown tool $tool" >&2; exit 2; }

ldflags=${LDFLAGS[$tool]:-}
build_id=$module${ldflags:+ $ldflags}  # what the stamp records

bin_dir="$PWD/.tools/bin"
stamp="$bin_dir/.$tool.version"
if [[ -x "$bin_dir/$tool" && "$(cat "$stamp" 2>/dev/null)" == "$build_id" ]]; then
  echo "$bin_dir/$tool"
  exit 0
fi

go_bin=/usr/bin/go
[[ -x "$go_bin" ]] || go_bin=$(command -v go || true)
[[ -n "$go_bin" ]] || { echo "go-tools.sh: no Go toolchain (run tools/deps.sh)" >&2; exit 1; }

mkdir -p "$bin_dir"
log=$(mktemp -t datamgmt-go-tools.XXXXXX)
if ! GOBIN="$bin_dir" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    "$go_bin" install ${ldflags:+-ldflags="$ldflags"} "$module" >"$log" 2>&1; then
  echo "go-tools.sh: go install $module failed:" >&2
  tail -20 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "$build_id" >"$stamp"
echo "$bin_dir/$tool"
