#!/usr/bin/env bash
# Makes the JSON schemas that kubeconform validates the chart's manifests
# against, offline. kubeconform normally downloads them from GitHub, which
# this project's machines cannot reach; the Go module proxy can, and serves
# the sources they are generated from:
#
#   - k8s.io/kubernetes@vVERSION holds api/openapi-spec/swagger.json, the
#     API's OpenAPI document; swagger2jsonschema.py (beside this script)
#     turns it into kubeconform's standalone-strict layout,
#     .tools/kubernetes-schemas/vVERSION-standalone-strict/<kind>-<group>-<version>.json
#   - github.com/prometheus-operator/prometheus-operator holds the
#     ServiceMonitor CRD; kubeconform's own scripts/openapi2jsonschema.py
#     (from the kubeconform module that tools/go-tools.sh pins) turns it into
#     .tools/kubernetes-schemas/crds/monitoring.coreos.com/servicemonitor_v1.json
#
# Each is made once and kept (a stamp records its sources). Prints the
# schema directory; use it as
#
#   dir=$(deploy/helm/tools/kube-schemas.sh)
#   kubeconform -strict -kubernetes-version 1.31.14 -schema-location "$dir" \
#     -schema-location "$dir/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
#     manifests.yaml
#
# Usage: deploy/helm/tools/kube-schemas.sh [KUBERNETES_VERSION]  (default 1.31.14)
# Needs Debian's Go (module downloads only), python3 with python3-yaml, jq.
set -euo pipefail
cd "$(dirname "$0")/../../.."

kube_version=${1:-1.31.14}
prometheus_operator=github.com/prometheus-operator/prometheus-operator@v0.75.2
crd_path=example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml
kubeconform=$(grep -o 'github.com/yannh/kubeconform/cmd/kubeconform@v[0-9.]*' \
  tools/go-tools.sh)
kubeconform_module=github.com/yannh/kubeconform@${kubeconform##*@}
converter=deploy/helm/tools/swagger2jsonschema.py

root=$PWD/.tools/kubernetes-schemas
python=/usr/bin/python3
go_bin=/usr/bin/go
[[ -x "$go_bin" ]] || go_bin=$(command -v go || true)
[[ -n "$go_bin" ]] || { echo "kube-schemas.sh: no Go toolchain (run tools/deps.sh)" >&2; exit 1; }

# module_dir MODULE@VERSION: downloads the module through the Go module proxy
# (checked against the checksum database) and prints its directory.
module_dir() {
  local json dir
  json=$(cd "$tmp" && GOTOOLCHAIN=local "$go_bin" mod download -json "$1" 2>&1) || true
  dir=$(jq -r '.Dir // empty' <<<"$json" 2>/dev/null || true)
  if [[ -z "$dir" || ! -d "$dir" ]]; then
    echo "kube-schemas.sh: cannot download $1:" >&2
    echo "$json" | tail -5 >&2
    return 1
  fi
  echo "$dir"
}

tmp=$(mktemp -d -t datamgmt-kube-schemas.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Kubernetes' own kinds.
k8s_dir=$root/v$kube_version-standalone-strict
k8s_stamp="k8s.io/kubernetes@v$kube_version $(sha256sum "$converter" | cut -c1-16)"
if [[ "$(cat "$k8s_dir/.source" 2>/dev/null)" != "$k8s_stamp" ]]; then
  src=$(module_dir "k8s.io/kubernetes@v$kube_version")
  "$python" "$converter" "$src/api/openapi-spec/swagger.json" "$tmp/k8s" >&2
  echo "$k8s_stamp" >"$tmp/k8s/.source"
  mkdir -p "$root"
  rm -rf "$k8s_dir"
  mv "$tmp/k8s" "$k8s_dir"
fi

# The ServiceMonitor CRD (serviceMonitor.enabled).
crd_dir=$root/crds/monitoring.coreos.com
crd_stamp="$prometheus_operator $kubeconform_module"
if [[ "$(cat "$crd_dir/.source" 2>/dev/null)" != "$crd_stamp" ]]; then
  src=$(module_dir "$prometheus_operator")
  script=$(module_dir "$kubeconform_module")/scripts/openapi2jsonschema.py
  mkdir -p "$tmp/crd"
  # The script writes <kind>_<version>.json into the current directory;
  # DENY_ROOT_ADDITIONAL_PROPERTIES makes the top level strict as well.
  (cd "$tmp/crd" && FILENAME_FORMAT='{kind}_{version}' \
    DENY_ROOT_ADDITIONAL_PROPERTIES=1 "$python" "$script" "$src/$crd_path") >&2
  [[ -s "$tmp/crd/servicemonitor_v1.json" ]] || {
    echo "kube-schemas.sh: no servicemonitor_v1.json from $crd_path" >&2
    exit 1
  }
  echo "$crd_stamp" >"$tmp/crd/.source"
  mkdir -p "$root/crds"
  rm -rf "$crd_dir"
  mv "$tmp/crd" "$crd_dir"
fi

echo "$root"
