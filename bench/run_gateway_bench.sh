#!/usr/bin/env bash
# Benchmarks the REST gateway with wrk (Debian) against one real node
# (dht-service, peer-manager, health-monitor, gateway; optimised build) on
# loopback:
#   GET /network/stats, and GET /data/{hash} of a 1 KiB value,
#   each on one keep-alive connection and on many (--connections, default 64),
#   for --duration seconds each (default 10).
# Prints req/s and latency p50/p99 per case and writes them to
# bench/results/gateway-DATE.md (gateway-tls-DATE.md with --tls). wrk's own
# threads share the machine's cores with the node, as a client on the same
# host would. With --tls the gateway serves HTTPS with a throwaway
# self-signed P-256 certificate (wrk keeps its connections, so this measures
# TLS record cost, not handshakes).
#
#   bench/run_gateway_bench.sh [--duration S] [--connections C] [--no-access-log] [--tls]
#
# Every process is stopped by PID; every run is bounded by --duration.
set -uo pipefail
cd "$(dirname "$0")/.."

duration=10 connections=64 access_log=true tls=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --no-access-log) access_log=false; shift ;;
    --tls) tls=1; shift ;;
    *) echo "usage: $0 [--duration S] [--connections C] [--no-access-log] [--tls]" >&2
       exit 2 ;;
  esac
done

tools/deps.sh || exit 1
echo "building (optimised)..."
bazel build -c opt //services/... //gateway 2>&1 |
  grep -E '^(ERROR|FAILED)' && exit 1
E2E_BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
GRPCURL=$(tools/go-tools.sh grpcurl) || exit 1
export E2E_BIN GRPCURL
source tests/e2e/lib.sh
e2e_init gateway_bench
e2e_gateway_token
scheme=http tls_flags=() curl_tls=()
if ((tls)); then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 1 -keyout "$E2E_WORK/tls.key" -out "$E2E_WORK/tls.crt" \
    -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null ||
    { echo "openssl req failed"; exit 1; }
  scheme=https
  tls_flags=(--tls_cert_file="$E2E_WORK/tls.crt" --tls_key_file="$E2E_WORK/tls.key")
  curl_tls=(--cacert "$E2E_WORK/tls.crt")
fi

for var in P2P API PMP HMP GWP; do e2e_free_port "$var"; done
dir="$E2E_WORK/node"
mkdir -p "$dir"
e2e_start dht "$E2E_BIN/services/dht/dht-service" --p2p_listen_host=127.0.0.1 \
  --p2p_port="$P2P" --advertise_address="127.0.0.1:$P2P" --api_port="$API" \
  --data_dir="$dir" --peer_manager_address="127.0.0.1:$PMP" --log_level=warn
e2e_start pm "$E2E_BIN/services/peer_manager/peer-manager" --port="$PMP" \
  --data_dir="$dir" --dht_api_address="127.0.0.1:$API" --log_level=warn
e2e_start hm "$E2E_BIN/services/health_monitor/health-monitor" --port="$HMP" \
  --peer_manager_address="127.0.0.1:$PMP" --dht_api_address="127.0.0.1:$API" \
  --log_level=warn
e2e_start gw "$E2E_BIN/gateway/gateway" --port="$GWP" \
  --dht_api_address="127.0.0.1:$API" --peer_manager_address="127.0.0.1:$PMP" \
  --health_monitor_address="127.0.0.1:$HMP" --access_log="$access_log" \
  --auth_token_file="$E2E_GW_TOKEN_FILE" "${tls_flags[@]}"
GW="$scheme://127.0.0.1:$GWP"
gw_ready() { [[ $(curl -s "${curl_tls[@]}" -o /dev/null -w '%{http_code}' "$GW/readyz") == 200 ]]; }
e2e_poll 60 gw_ready || { echo "gateway not ready"; exit 1; }

head -c 1024 /dev/urandom >"$E2E_WORK/value.bin"
hash=$(curl -s "${curl_tls[@]}" "${E2E_GW_AUTH[@]}" \
  -H 'Content-Type: application/octet-stream' \
  --data-binary "@$E2E_WORK/value.bin" "$GW/data" | jq -r .hash)
[[ ${#hash} == 64 ]] || { echo "put failed"; exit 1; }

# run NAME PATH CONNECTIONS: one wrk run; prints a table row.
run() {
  local name=$1 path=$2 conns=$3 threads=1 out
  ((conns > 1)) && threads=2
  out=$(timeout $((duration + 30)) wrk --latency -t"$threads" -c"$conns" \
    -d"${duration}s" "$GW$path" 2>&1)
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$conns" "$rps" \
    "$p50" "$p99" "${errors:-0}"
}

date_tag=$(date -u +%Y-%m-%d)
result="bench/results/gateway-$date_tag.md"
((tls)) && result="bench/results/gateway-tls-$date_tag.md"
{
  echo "# Gateway benchmark, $date_tag"
  echo
  echo "One node (four processes, \`-c opt\`) and wrk on the same machine:"
  echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)."
  echo "Each case runs ${duration} s; access log: $access_log; $scheme."
  echo
  echo "| case | connections | req/s | p50 | p99 | non-2xx |"
  echo "|---|---|---|---|---|---|"
} >"$result"
echo "benchmarking (4 runs of ${duration} s)..."
{
  run "GET /network/stats" /network/stats 1
  run "GET /network/stats" /network/stats "$connections"
  run "GET /data/{hash} (1 KiB)" "/data/$hash" 1
  run "GET /data/{hash} (1 KiB)" "/data/$hash" "$connections"
} | tee -a "$result"
echo "results: $result"
