#!/usr/bin/env bash
# Installs the standard Go tools the tests and operators use, pinned, with
# `go install` through the Go module proxy, into .tools/bin of this checkout.
# Idempotent: a tool already built at its pinned version is left alone.
#
#   tools/go-tools.sh grpcurl      # prints the tool's path on success
#
# Uses Debian's Go (golang-go, installed by tools/deps.sh); GOTOOLCHAIN=local
# so nothing but modules is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A MODULE=(
  [grpcurl]=github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.8.7
)

tool=${1:?usage: tools/go-tools.sh TOOL (one of: ${!MODULE[*]})}
module=${MODULE[$tool]:-}
[[ -n "$module" ]] || { echo "go-tools.sh: unknown tool $tool" >&2; exit 2; }

bin_dir="$PWD/.tools/bin"
stamp="$bin_dir/.$tool.version"
if [[ -x "$bin_dir/$tool" && "$(cat "$stamp" 2>/dev/null)" == "$module" ]]; then
  echo "$bin_dir/$tool"
  exit 0
fi

go_bin=/usr/bin/go
[[ -x "$go_bin" ]] || go_bin=$(command -v go || true)
[[ -n "$go_bin" ]] || { echo "go-tools.sh: no Go toolchain (run tools/deps.sh)" >&2; exit 1; }

mkdir -p "$bin_dir"
log=$(mktemp -t datamgmt-go-tools.XXXXXX)
if ! GOBIN="$bin_dir" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    "$go_bin" install "$module" >"$log" 2>&1; then
  echo "go-tools.sh: go install $module failed:" >&2
  tail -20 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "$module" >"$stamp"
echo "$bin_dir/$tool"
