#!/usr/bin/env bash
# Benchmarks dht-service: a local network of N dht-service processes (default
# 10) on loopback, optimised build; put/get of 1 KiB and 64 KiB values,
# sequential latency p50/p90/p99 and concurrent ops/s with 20 calls in flight.
#
#   bench/run_dht_bench.sh [--nodes N] [--k K] [--ops N]
#
# Puts go to node 1; gets go round-robin to nodes 2..N, so they exercise
# another node than the writer. With the default k = 20 and N <= 21 every
# node holds every value (the seed's "broadcast to healthy peers"), so gets
# are local reads on the serving node; pass --k 3 to make most gets remote
# FIND_VALUE lookups. Results go to stdout and to bench/results/.
# Every loop is bounded; every process is stopped by PID.
set -uo pipefail
cd "$(dirname "$0")/.."

nodes=10 k=20 ops=300
while [[ $# -gt 0 ]]; do
  case $1 in
    --nodes) nodes=$2; shift 2 ;;
    --k) k=$2; shift 2 ;;
    --ops) ops=$2; shift 2 ;;
    *) echo "usage: $0 [--nodes N] [--k K] [--ops N]" >&2; exit 2 ;;
  esac
done

tools/deps.sh || exit 1
echo "building (optimised)..."
bazel build -c opt //services/dht:dht-service //bench:dht_bench 2>&1 |
  grep -E '^(ERROR|FAILED)' && exit 1
E2E_BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
GRPCURL=$(tools/go-tools.sh grpcurl) || exit 1
export E2E_BIN GRPCURL
source tests/e2e/lib.sh
e2e_init dht_bench

declare -a P2P API
e2e_free_port PM_PORT
for ((i = 1; i <= nodes; i++)); do
  e2e_free_port "P2P[$i]"
  e2e_free_port "API[$i]"
  e2e_start "node$i" "$E2E_BIN/services/dht/dht-service" \
    --p2p_listen_host=127.0.0.1 --p2p_port="${P2P[$i]}" \
    --advertise_address="127.0.0.1:${P2P[$i]}" \
    --api_port="${API[$i]}" --data_dir="$E2E_WORK/node$i" \
    --peer_manager_address="127.0.0.1:$PM_PORT" --k="$k" --log_level=warn
done
for ((i = 1; i <= nodes; i++)); do
  e2e_wait_serving "127.0.0.1:${API[$i]}" 60 || { echo "node $i not ready"; exit 1; }
done
# Everyone pings node 1, then node 1 pings everyone: full introduction.
for ((i = 2; i <= nodes; i++)); do
  e2e_grpc "127.0.0.1:${API[$i]}" datamgmt.dht.v1.PeerDialer/PingPeer \
    "{\"address\": \"127.0.0.1:${P2P[1]}\"}" >/dev/null
  e2e_grpc "127.0.0.1:${API[1]}" datamgmt.dht.v1.PeerDialer/PingPeer \
    "{\"address\": \"127.0.0.1:${P2P[$i]}\"}" >/dev/null
done

targets=$(for ((i = 1; i <= nodes; i++)); do printf '127.0.0.1:%s,' "${API[$i]}"; done)
results=$(mktemp)
for size in 1024 65536; do
  label="N=$nodes k=$k $((size / 1024))KiB"
  echo "running: $label"
  "$E2E_BIN/bench/dht_bench" --targets="${targets%,}" --value_bytes="$size" \
    --sequential_ops="$ops" --concurrent_ops=$((ops * 10)) --concurrency=20 \
    --max_seconds=60 --label="$label" | tee -a "$results"
done

mkdir -p bench/results
out="bench/results/dht-$(date -u +%Y-%m-%d)-n${nodes}-k${k}.md"
{
  echo "# dht-service benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$(nproc) cores; $nodes dht-service processes on loopback; k=$k;"
  echo "optimised build (-c opt). Puts on node 1, gets on nodes 2..$nodes."
  echo
  echo '```'
  cat "$results"
  echo '```'
} >"$out"
rm -f "$results"
echo "results written to $out"
