# Harness for end-to-end tests with real processes on loopback. Source it:
#
#   source "$(dirname "$0")/lib.sh"
#   e2e_init dht_process                       # work dir, cleanup trap
#   e2e_free_port port
#   e2e_start node1 "$E2E_BIN/services/dht/dht-service" --p2p_port="$port" ...
#   e2e_wait_serving "127.0.0.1:$port" 30     # grpc.health.v1 SERVING
#   e2e_check "put returns a hash" test -n "$hash"
#   e2e_finish                                # summary line, exit code
#
# Rules it enforces: ports are chosen here (never fixed), readiness is polled
# with a deadline (never a fixed sleep), every process started is stopped by
# its PID (TERM, then KILL after a grace period), and all traffic stays on
# 127.0.0.1.
#
# Environment: E2E_BIN (bazel-bin), GRPCURL (path to grpcurl; needed by
# e2e_health, e2e_wait_serving and e2e_grpc), E2E_KEEP=1 to keep the work
# dir. Needs bash, coreutils, grpcurl, jq and (for P2P ports) openssl.

set -uo pipefail

E2E_PASSED=0
E2E_FAILED=0
declare -A E2E_PIDS=()

e2e_init() {
  E2E_NAME=$1
  : "${E2E_BIN:?E2E_BIN must point at bazel-bin}"
  E2E_WORK=$(mktemp -d -t "e2e-${E2E_NAME}.XXXXXX")
  mkdir -p "$E2E_WORK/logs"
  trap e2e_cleanup EXIT
  echo "== e2e ${E2E_NAME} (work dir ${E2E_WORK})"
}

# e2e_free_port VAR: sets VAR to a free TCP port below the kernel's
# ephemeral range (so no outgoing connection can be holding it) that no
# socket in /proc/net/{tcp,udp}{,6} uses in any state (OpenDHT's benchmark
# nodes speak UDP). A port handed out once is never handed out again in the
# same test.
declare -A E2E_USED_PORTS=()
e2e_free_port() {
  local -n out=$1
  local in_use hex port tries=0 low=10000 high
  read -r high _ </proc/sys/net/ipv4/ip_local_port_range
  in_use=$(awk 'NR > 1 { split($2, a, ":"); print a[2] }' \
    /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 2>/dev/null |
    sort -u |
    while read -r hex; do [[ -n "$hex" ]] && echo $((16#$hex)); done)
  while ((tries++ < 1000)); do
    port=$((low + RANDOM % (high - low)))
    [[ -n "${E2E_USED_PORTS[$port]:-}" ]] && continue
    grep -qx "$port" <<<"$in_use" && continue
    E2E_USED_PORTS[$port]=1
    out=$port
    return 0
  done
  echo "e2e_free_port: no free port found" >&2
  return 1
}

# e2e_gateway_token: a random bearer token for this test's gateways (made
# once; the gateway refuses to start without one unless --auth=off). Sets
# E2E_GW_TOKEN, E2E_GW_TOKEN_FILE (for --auth_token_file) and E2E_GW_AUTH
# (curl arguments: -H "Authorization: Bearer $E2E_GW_TOKEN").
e2e_gateway_token() {
  [[ -n "${E2E_GW_TOKEN:-}" ]] && return 0
  E2E_GW_TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  E2E_GW_TOKEN_FILE="$E2E_WORK/gateway.token"
  (umask 077 && echo "$E2E_GW_TOKEN" >"$E2E_GW_TOKEN_FILE")
  E2E_GW_AUTH=(-H "Authorization: Bearer $E2E_GW_TOKEN")
}

# e2e_start NAME CMD ARGS...: runs CMD in the background, logging to
# $E2E_WORK/logs/NAME.log, and remembers its PID under NAME.
e2e_start() {
  local name=$1
  shift
  "$@" >>"$E2E_WORK/logs/$name.log" 2>&1 &
  E2E_PIDS[$name]=$!
}

e2e_pid() { echo "${E2E_PIDS[$1]}"; }

# e2e_stop NAME [SIGNAL] [GRACE_SECONDS]: signals the process (default TERM),
# waits up to GRACE for it to exit, then KILLs it. Sets E2E_STOP_RC to its
# exit status (128+N if it died of signal N). Call it directly, not in $(...):
# only this shell can wait for its children.
e2e_stop() {
  local name=$1 sig=${2:-TERM} grace=${3:-15}
  local pid=${E2E_PIDS[$name]:-}
  E2E_STOP_RC=
  [[ -z "$pid" ]] && return 0
  kill -s "$sig" "$pid" 2>/dev/null
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    e2e_pause
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "e2e: $name (pid $pid) ignored SIG$sig for ${grace}s; killing" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  E2E_STOP_RC=0
  wait "$pid" 2>/dev/null || E2E_STOP_RC=$?
  unset "E2E_PIDS[$name]"
}

# The interval between two polls of a condition that has a deadline.
e2e_pause() { sleep 0.1; }

# e2e_poll DEADLINE_SECONDS CMD...: runs CMD until it succeeds or the deadline
# passes. Returns CMD's last status.
e2e_poll() {
  local deadline=$((SECONDS + $1))
  shift
  while true; do
    "$@" >/dev/null 2>&1 && return 0
    ((SECONDS >= deadline)) && { "$@" >/dev/null 2>&1; return $?; }
    e2e_pause
  done
}

# grpc.health.v1 status of SERVICE ("" for the server) at ADDRESS.
e2e_health() {
  : "${GRPCURL:?GRPCURL must point at grpcurl}"
  "$GRPCURL" -plaintext -max-time 2 -d "{\"service\": \"${2:-}\"}" "$1" \
    grpc.health.v1.Health/Check 2>/dev/null | jq -r '.status // empty'
}

e2e_is_serving() { [[ "$(e2e_health "$@")" == "SERVING" ]]; }

# e2e_wait_serving ADDRESS DEADLINE [SERVICE]
e2e_wait_serving() {
  e2e_poll "$2" e2e_is_serving "$1" "${3:-}"
}

# dht-service's P2P port speaks mutual TLS with self-signed certificates:
# grpcurl needs -insecure and a client certificate. e2e_p2p_tls makes a
# throwaway P-256 key pair once per test and sets E2E_P2P_TLS to the flags
# (an array): "$GRPCURL" "${E2E_P2P_TLS[@]}" ADDRESS list. The client's
# node ID (SHA-256 of its SubjectPublicKeyInfo) is in E2E_P2P_TLS_ID.
e2e_p2p_tls() {
  local dir="$E2E_WORK/p2p-client"
  if [[ ! -f "$dir/cert.pem" ]]; then
    mkdir -p "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout "$dir/key.pem" -out "$dir/cert.pem" -subj /CN=e2e-grpcurl \
      -days 2 2>/dev/null || return 1
  fi
  E2E_P2P_TLS=(-insecure -cert "$dir/cert.pem" -key "$dir/key.pem")
  E2E_P2P_TLS_ID=$(openssl pkey -in "$dir/key.pem" -pubout -outform DER |
    sha256sum | cut -d' ' -f1)
}

# e2e_health_p2p / e2e_wait_serving_p2p: the same over the P2P port's TLS.
e2e_health_p2p() {
  : "${GRPCURL:?GRPCURL must point at grpcurl}"
  e2e_p2p_tls || return 1
  "$GRPCURL" "${E2E_P2P_TLS[@]}" -max-time 2 -d "{\"service\": \"${2:-}\"}" \
    "$1" grpc.health.v1.Health/Check 2>/dev/null | jq -r '.status // empty'
}
e2e_is_serving_p2p() { [[ "$(e2e_health_p2p "$@")" == "SERVING" ]]; }
e2e_wait_serving_p2p() {
  e2e_poll "$2" e2e_is_serving_p2p "$1" "${3:-}"
}

# grpcurl against ADDRESS: e2e_grpc ADDRESS METHOD [JSON]
e2e_grpc() {
  local addr=$1 method=$2 data=${3:-'{}'}
  : "${GRPCURL:?GRPCURL must point at grpcurl}"
  "$GRPCURL" -plaintext -emit-defaults -max-time 20 -d "$data" "$addr" "$method"
}

# e2e_check DESCRIPTION CMD...: one test case.
e2e_check() {
  local what=$1
  shift
  if "$@"; then
    echo "PASS ${E2E_NAME}: $what"
    E2E_PASSED=$((E2E_PASSED + 1))
  else
    echo "FAIL ${E2E_NAME}: $what"
    E2E_FAILED=$((E2E_FAILED + 1))
  fi
}

# e2e_has TEXT NEEDLE: TEXT contains NEEDLE (fixed string). For e2e_check.
e2e_has() { grep -qF -- "$2" <<<"$1"; }

# e2e_has_line TEXT LINE: TEXT has LINE as a whole line. For e2e_check.
e2e_has_line() { grep -qxF -- "$2" <<<"$1"; }

# e2e_expect_eq DESCRIPTION ACTUAL EXPECTED
e2e_expect_eq() {
  if [[ "$2" == "$3" ]]; then
    echo "PASS ${E2E_NAME}: $1"
    E2E_PASSED=$((E2E_PASSED + 1))
  else
    echo "FAIL ${E2E_NAME}: $1 (got '$2', want '$3')"
    E2E_FAILED=$((E2E_FAILED + 1))
  fi
}

e2e_cleanup() {
  local name
  for name in "${!E2E_PIDS[@]}"; do
    e2e_stop "$name" TERM 10
  done
  if ((E2E_FAILED > 0)); then
    echo "--- logs of ${E2E_NAME} (last 30 lines each)"
    for f in "$E2E_WORK"/logs/*.log; do
      [[ -f "$f" ]] || continue
      echo "--- $f"
      tail -n 30 "$f"
    done
  fi
  [[ "${E2E_KEEP:-0}" == 1 ]] || rm -rf "$E2E_WORK"
}

# Prints the summary line and exits non-zero if a case failed.
e2e_finish() {
  echo "${E2E_NAME}: ${E2E_PASSED} passed, ${E2E_FAILED} failed"
  ((E2E_FAILED == 0))
  exit $?
}
