#!/usr/bin/env bash
# DataMgmt Node side by side with OpenDHT 2.4.12 (Debian's dhtnode and
# python3-opendht), same machine, same run, same workloads, on loopback:
#
#   bench/compare_opendht.sh                  # N = 10 and 50
#   bench/compare_opendht.sh --nodes "10"     # one size only
#
# For each N and each system: bootstrap time (every node has min(N-1, 8)
# contacts), idle RSS of a whole node (our four processes; one dhtnode),
# sequential put/get latency p50/p90/p99 and concurrent ops/s (20 in flight)
# for 1 KiB and 64,000-byte values, node CPU seconds per 1,000 operations,
# REST GET of a 1 KiB value (our gateway vs OpenDHT's proxy, wrk, one
# keep-alive connection and many), and churn (kill 20% of the nodes, then
# after 30 s the share of earlier values still readable and the get p99).
# Prints progress and the tables; writes bench/results/compare-opendht-DATE.md
# and PNG plots beside it.
#
# Options: --nodes "N..." (default "10 50"), --ops N (sequential ops per
# phase, default 300; concurrent phases do 10x), --phase-seconds S (bound of
# each phase, default 20), --rest-seconds S (each wrk run, default 10),
# --connections C (the "many" REST case, default 64), --systems "S..."
# (default "datamgmt opendht").
#
# Safety: every OpenDHT node binds and bootstraps on 127.0.0.1 only, in a
# random private network id; the dhtnode system service is never started
# (installing the package here starts nothing: see tools/deps.sh --bench).
# Every phase is bounded in count and time; every process is stopped by PID.
set -uo pipefail
cd "$(dirname "$0")/.."

SYSTEMS="datamgmt opendht" NODE_COUNTS="10 50" OPS=300 PHASE_SECONDS=20 REST_SECONDS=10 REST_CONNECTIONS=64
usage() {
  echo "usage: $0 [--nodes \"N...\"] [--ops N] [--phase-seconds S]" \
    "[--rest-seconds S] [--connections C] [--systems \"S...\"]" >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  [[ $# -ge 2 ]] || usage
  case $1 in
    --nodes) NODE_COUNTS=$2 ;;
    --ops) OPS=$2 ;;
    --phase-seconds) PHASE_SECONDS=$2 ;;
    --rest-seconds) REST_SECONDS=$2 ;;
    --connections) REST_CONNECTIONS=$2 ;;
    --systems) SYSTEMS=$2 ;;
    *) usage ;;
  esac
  shift 2
done
for v in $NODE_COUNTS $OPS $PHASE_SECONDS $REST_SECONDS $REST_CONNECTIONS; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || usage
done
for s in $SYSTEMS; do
  [[ $s == datamgmt || $s == opendht ]] || usage
done
for n in $NODE_COUNTS; do
  ((n >= 5 && n <= 80)) || { echo "--nodes: each N must be 5..80" >&2; exit 2; }
done

# 64,000 bytes, not 65,536: OpenDHT refuses values whose packed form exceeds
# 64 KiB, and both systems must move the same bytes.
SIZES=(1024 64000)
IDLE_SECONDS=5 CHURN_WAIT=30
BENCH_START=$SECONDS

tools/deps.sh --bench || exit 1
echo "building (optimised)..."
if ! bazel build -c opt //services/... //gateway //bench:dht_bench >/dev/null 2>&1; then
  bazel build -c opt //services/... //gateway //bench:dht_bench 2>&1 | grep -E '^(ERROR|FAILED)'
  exit 1
fi
BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
export E2E_BIN=$BIN
source tests/e2e/lib.sh
source bench/compare/common.sh
source bench/compare/ours.sh
source bench/compare/opendht.sh
e2e_init compare_opendht

RESULTS="$E2E_WORK/results.tsv"
PLOTS_DATA="$E2E_WORK/samples"
mkdir -p "$PLOTS_DATA"
: >"$RESULTS"

for n in $NODE_COUNTS; do
  for s in $SYSTEMS; do
    case $s in
      datamgmt) bench_ours "$n" || say "datamgmt N=$n: run failed" ;;
      opendht) bench_opendht "$n" || say "opendht N=$n: run failed" ;;
    esac
  done
done

date_tag=$(date -u +%Y-%m-%d)
out="bench/results/compare-opendht-$date_tag.md"
mkdir -p bench/results
context="# DataMgmt Node vs OpenDHT, $(date -u +%Y-%m-%dT%H:%MZ)

Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo);
every node and load generator on loopback, one system at a time.
DataMgmt Node $(git rev-parse --short HEAD), optimised build, seed defaults
(k = 20, health round 60 s, exchange 5 min); OpenDHT
$(dpkg-query -W -f='${Version}' dhtnode) (Debian dhtnode, python3-opendht).
Command: \`bench/compare_opendht.sh --nodes \"$NODE_COUNTS\" --ops $OPS
--phase-seconds $PHASE_SECONDS --rest-seconds $REST_SECONDS --connections
$REST_CONNECTIONS\`.

How each figure is taken:
- Puts go in at node 1 and gets at the other nodes. DataMgmt: dht_bench
  calls DhtService on node 1 / nodes 2..N round-robin. OpenDHT: two client
  DHT nodes (python3-opendht) bootstrapped from nodes 1 and 2; a get ends at
  the first value equal to what was put. Every value read is compared byte
  for byte. Sequential phases stop at $OPS operations or $PHASE_SECONDS s,
  concurrent phases (20 in flight) at $((OPS * 10)) or $PHASE_SECONDS s.
- Values are 1,024 and 64,000 bytes (OpenDHT refuses a 65,536-byte value).
- CPU: user+system time of the N nodes' processes over both workloads,
  divided by the operations done (the load generators are not counted).
- REST: wrk against node 2, GET of a 1 KiB value: DataMgmt's gateway
  \`GET /data/{hash}\`, OpenDHT's proxy \`GET /key/{hash}\` (dhtnode
  --proxyserver, on node 2 only).
- Idle RSS: median over the nodes, 5 s after bootstrap, of what a node would
  hold on a machine of its own: DataMgmt's four processes with each shared
  library's resident pages counted once (as a pod's memory accounting sees
  them); one dhtnode (nodes without the proxy). The VmRSS of DataMgmt's four
  processes summed, which counts every library four times, is shown too.
- Churn: the last 20% of the nodes are killed with SIGKILL; 30 s later every
  1 KiB value of the sequential phase is read from the survivors."
/usr/bin/python3 bench/compare/report.py "$RESULTS" "$PLOTS_DATA" "$out" \
  "bench/results/compare-opendht-$date_tag" "${SIZES[*]}" "$context"
say "results: $out (plots: bench/results/compare-opendht-$date_tag-*.png)"
