#!/usr/bin/env bash
# Installs the Debian packages that building and testing DataMgmt Node needs.
#
# Idempotent and quiet: when every package is present it prints nothing and
# changes nothing. Otherwise it runs `apt-get update` once and installs only
# the missing packages. Needs root (or sudo). Everything comes from Debian's
# archive as the machine's apt is configured; nothing else is downloaded.
#
# Usage: tools/deps.sh [--bench] [--fuzz] [--print]
#   --bench  also the packages of bench/compare_opendht.sh: OpenDHT (dhtnode,
#            python3-opendht) and gnuplot. Debian's dhtnode package ships a
#            system service; it is installed with a policy-rc.d that forbids
#            starting services, so the install never starts it.
#   --fuzz   also the packages of tools/fuzz.sh: Debian's clang 14 and its
#            compiler-rt (libFuzzer, ASan and UBSan runtimes) and lld.
#   --print  lists the packages and exits
set -euo pipefail

PACKAGES=(
  # Build system: Bazel 4.2.3 and the rule sets it needs offline.
  bazel-bootstrap bazel-rules-java
  g++ git ca-certificates
  # Debian's Go, only to build pinned standard tools (tools/go-tools.sh).
  golang-go
  # End-to-end tests: JSON from grpcurl, HTTP to the gateway, client
  # certificates for the P2P port's mutual TLS, throwaway TLS certificates
  # (gateway_auth_test, bench/run_gateway_bench.sh --tls).
  jq curl openssl
  # Code generation and the libraries we link against.
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev libspdlog-dev libfmt-dev librocksdb-dev libssl-dev
  libgtest-dev libgmock-dev nlohmann-json3-dev
  # .proto files we import: google/api, google/rpc, grpc/health/v1.
  golang-github-grpc-ecosystem-grpc-gateway-dev grpc-proto
  # The REST gateway: Boost.Beast/Asio (headers), prometheus-cpp, and
  # protoc-gen-swagger for its OpenAPI document.
  libboost-dev prometheus-cpp-dev golang-grpc-gateway
  # Benchmarks: HTTP load generator.
  wrk
  # Helm chart checks (tests/e2e/helm_test.sh): YAML for kubeconform's CRD
  # schema script and for reading rendered manifests.
  python3-yaml
)

BENCH_PACKAGES=(dhtnode python3-opendht gnuplot-nox)
# libclang-rt-14-dev is only a recommendation of clang-14, and we install
# without recommendations; it holds libclang_rt.fuzzer and the sanitizers.
FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev lld-14)

print=0
for arg in "$@"; do
  case $arg in
    --bench) PACKAGES+=("${BENCH_PACKAGES[@]}") ;;
    --fuzz) PACKAGES+=("${FUZZ_PACKAGES[@]}") ;;
    --print) print=1 ;;
    *) echo "usage: tools/deps.sh [--bench] [--fuzz] [--print]" >&2; exit 2 ;;
  esac
done
if ((print)); then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || {
    echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  }
  SUDO=(sudo)
fi

echo "deps.sh: installing ${#missing[@]} Debian package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# No package we install may start a service (dhtnode ships one): a
# policy-rc.d that denies every start, removed again afterwards. An existing
# policy-rc.d is left as it is.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  "${SUDO[@]}" sh -c "printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy"
  trap '"${SUDO[@]}" rm -f '"$policy" EXIT
fi
log=$(mktemp -t datamgmt-deps.XXXXXX)
"${SUDO[@]}" apt-get update -qq >"$log" 2>&1 || {
  echo "deps.sh: apt-get update failed; see $log" >&2
  tail -20 "$log" >&2
  exit 1
}
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" \
  >>"$log" 2>&1 || {
  echo "deps.sh: apt-get install failed; see $log" >&2
  tail -20 "$log" >&2
  exit 1
}
rm -f "$log"
echo "deps.sh: done"
