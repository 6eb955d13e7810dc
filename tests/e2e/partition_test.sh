#!/usr/bin/env bash
# A network partition with real processes in network namespaces: four full
# nodes (dht-service, peer-manager, health-monitor and gateway each, 16
# processes), each node in its own network namespace with the seed's default
# ports, wired through a "switch" namespace. Everything spoken to with curl
# through each node's gateway (inside the node's namespace).
#
# Topology (all namespaces created here, named per run; the host's own
# network namespace is never touched):
#
#   n1 ─┐                 ┌─ n3        one /24, 10.<a>.<b>.1i = node i
#       ├─ brA ═ trunk ═ brB ─┤        brA, brB and the trunk (a veth pair
#   n2 ─┘                 └─ n4        tA–tB) live in the switch namespace
#
# Side A = nodes 1 and 2, side B = nodes 3 and 4; nodes 2..4 bootstrap from
# node 1. The partition takes the trunk down (both ends), so each side still
# reaches itself but not the other; healing brings it back up. (Taking down
# the links of nodes 3 and 4 instead would cut them off from each other too.)
#
# Intervals are shortened by flags: exchange 3 s, re-bootstrap 2 s, health
# round 2 s, healthy window 6 s, ping/RPC timeouts 1 s; prune age 60 s, so
# nobody is pruned during the partition. dht-service keeps the default k = 20:
# a value is stored on every node its put reaches.
#
# Shows: all 16 processes ready; before the partition every node knows the
# other three and finds them healthy; during it, a value written on each side
# is readable on that side and answers 404 (within a bounded time) on the
# other, and each side sees the other's nodes turn unhealthy but still listed;
# after healing every node finds all three others healthy again and both
# values are readable byte for byte on all four nodes. Prints how long the
# partition lasted and how long convergence took.
#
# Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2 to create
# namespaces; without them it prints "SKIP partition_test: ..." and reports
# 0 passed, 0 failed. Environment: E2E_BIN (bazel-bin), E2E_KEEP=1 keeps the
# work dir. Needs curl and jq. Uses tests/e2e/lib.sh (checks, polling,
# processes stopped by PID, the work dir).
set -uo pipefail

source "$(dirname "$0")/lib.sh"
NAMESPACES=()

now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

e2e_init partition_test
e2e_gateway_token
# lib.sh's cleanup (processes by PID, logs on failure, the work dir), then the
# namespaces created here.
cleanup() {
  e2e_cleanup
  local ns
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
}
trap cleanup EXIT

# --- Can this machine create namespaces? Otherwise skip, honestly. ---
RUN=dmp-$$
SW=$RUN-sw
skip() {
  echo "SKIP ${E2E_NAME}: cannot create network namespaces ($1)"
  e2e_finish
}
command -v ip >/dev/null 2>&1 || skip "no iproute2 'ip' command"
as_who="as uid $EUID"
((EUID == 0)) && as_who="as root"

trap 'exit 130' INT
trap 'exit 143' TERM

# The switch namespace doubles as the probe: a namespace, a bridge and a veth
# pair inside it (nothing is created in the host's namespace).
if ! err=$(ip netns add "$SW" 2>&1); then
  skip "ip netns add $as_who: ${err//$'\n'/ }"
fi
NAMESPACES+=("$SW")
if ! err=$({ ip -n "$SW" link add brA type bridge &&
  ip -n "$SW" link add brB type bridge &&
  ip -n "$SW" link add tA type veth peer name tB; } 2>&1); then
  skip "bridge/veth in a namespace $as_who: ${err//$'\n'/ }"
fi

for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "FAIL ${E2E_NAME}: $tool is not installed"
    E2E_FAILED=$((E2E_FAILED + 1))
    e2e_finish
  }
done

echo "${E2E_NAME}: namespaces ${RUN}-*"

# --- The network: a /24 derived from the PID, node i at .1i. ---
NET=10.$((200 + ($$ / 256) % 50)).$(($$ % 256))
declare -a NS IP
setup_network() {
  local i side
  ip -n "$SW" link set lo up &&
    ip -n "$SW" link set tA master brA && ip -n "$SW" link set tB master brB &&
    ip -n "$SW" link set brA up && ip -n "$SW" link set brB up &&
    ip -n "$SW" link set tA up && ip -n "$SW" link set tB up || return 1
  for i in 1 2 3 4; do
    NS[$i]=$RUN-n$i
    IP[$i]=$NET.1$i
    side=brA
    ((i > 2)) && side=brB
    ip netns add "${NS[$i]}" || return 1
    NAMESPACES+=("${NS[$i]}")
    ip -n "$SW" link add "n$i" type veth peer name eth0 netns "${NS[$i]}" &&
      ip -n "$SW" link set "n$i" master "$side" &&
      ip -n "$SW" link set "n$i" up &&
      ip -n "${NS[$i]}" link set lo up &&
      ip -n "${NS[$i]}" addr add "${IP[$i]}/24" dev eth0 &&
      ip -n "${NS[$i]}" link set eth0 up || return 1
  done
}
if ! setup_network >"$E2E_WORK/logs/network.log" 2>&1; then
  echo "FAIL ${E2E_NAME}: setting up the namespaces and links"
  cat "$E2E_WORK/logs/network.log"
  E2E_FAILED=$((E2E_FAILED + 1))
  e2e_finish
fi
echo "${E2E_NAME}: nodes ${IP[1]} ${IP[2]} | ${IP[3]} ${IP[4]} (namespaces ${NS[*]})"

# nsexec I CMD...: runs CMD inside node I's namespace.
nsexec() {
  local i=$1
  shift
  ip netns exec "${NS[$i]}" "$@"
}

# start NAME I CMD ARGS...: runs CMD in node I's namespace in the background,
# logging to logs/NAME.log. `ip netns exec` execs CMD, so $! is CMD's PID.
start() {
  local name=$1 i=$2
  shift 2
  e2e_start "$name" ip netns exec "${NS[$i]}" "$@"
}

DHT="$E2E_BIN/services/dht/dht-service"
PM="$E2E_BIN/services/peer_manager/peer-manager"
HM="$E2E_BIN/services/health_monitor/health-monitor"
GW="$E2E_BIN/gateway/gateway"

# Every node uses the seed's default ports inside its own namespace.
start_node() {
  local i=$1 peers=$2 dir="$E2E_WORK/node$1"
  mkdir -p "$dir"
  start "dht$i" "$i" "$DHT" --p2p_listen_host=0.0.0.0 --p2p_port=8000 \
    --advertise_address="${IP[$i]}:8000" --api_port=9000 --data_dir="$dir" \
    --peer_manager_address=127.0.0.1:9001 --rpc_timeout=1s \
    --peer_counts_max_age=0s --shutdown_grace=3s
  INITIAL_PEERS="$peers" start "pm$i" "$i" "$PM" --port=9001 \
    --data_dir="$dir" --dht_api_address=127.0.0.1:9000 \
    --exchange_interval=3s --rebootstrap_delay=2s \
    --health_response_window=6s --prune_age=60s --rpc_timeout=1s \
    --shutdown_grace=3s
  start "hm$i" "$i" "$HM" --port=9002 \
    --peer_manager_address=127.0.0.1:9001 --dht_api_address=127.0.0.1:9000 \
    --check_interval=2s --prune_age=60s --ping_timeout=1s --rpc_timeout=2s \
    --shutdown_grace=3s
  start "gw$i" "$i" "$GW" --port=8081 --dht_api_address=127.0.0.1:9000 \
    --peer_manager_address=127.0.0.1:9001 \
    --health_monitor_address=127.0.0.1:9002 --request_timeout=10s \
    --shutdown_grace=3s --auth_token_file="$E2E_GW_TOKEN_FILE"
}

T_START=$(now)
start_node 1 ""
for i in 2 3 4; do start_node "$i" "${IP[1]}:8000"; done

# --- curl through node I's gateway. ---
# status I PATH [CURL ARGS...]: prints the HTTP status; the body goes to
# $E2E_WORK/body.I (so checks on different nodes never share a file).
status() {
  local i=$1 path=$2
  shift 2
  nsexec "$i" curl -s -m 15 -o "$E2E_WORK/body.$i" -w '%{http_code}' "$@" \
    "http://127.0.0.1:8081$path"
}
# Ready: /readyz is 200 three times in a row. (Once is not enough: the
# gateway round-robins its health checks over two channels per backend, and
# a channel that found its backend not yet listening fails fast for about a
# second of reconnect backoff, so /readyz can answer 200, then 503.)
ready() {
  local n
  for n in 1 2 3; do [[ "$(status "$1" /readyz)" == 200 ]] || return 1; done
}
all_ready() { ready 1 && ready 2 && ready 3 && ready 4; }
e2e_poll 30 all_ready
e2e_check "all 16 processes are up: every gateway's /readyz is 200" test $? = 0

# peers_of I [true]: the P2P addresses node I lists, sorted, space-separated.
peers_of() {
  local q=
  [[ "${2:-}" == true ]] && q='?healthy=true'
  [[ "$(status "$1" "/network/peers$q")" == 200 ]] || { echo "error"; return; }
  jq -r '[.peers[]?.address] | sort | join(" ")' "$E2E_WORK/body.$1"
}
addrs() {  # addrs J...: those nodes' P2P addresses, sorted, space-separated
  local j
  for j in "$@"; do echo "${IP[$j]}:8000"; done | sort | paste -sd' '
}
others() {  # the other three nodes of node I
  local j out=()
  for j in 1 2 3 4; do ((j != $1)) && out+=("$j"); done
  addrs "${out[@]}"
}
same_side() { case $1 in 1) echo 2 ;; 2) echo 1 ;; 3) echo 4 ;; 4) echo 3 ;; esac; }

knows_all_healthy() {
  [[ "$(peers_of "$1")" == "$(others "$1")" &&
    "$(peers_of "$1" true)" == "$(others "$1")" ]]
}
for i in 1 2 3 4; do
  e2e_poll 30 knows_all_healthy "$i"
  e2e_expect_eq "before the partition node $i lists the 3 others, all healthy" \
    "$(peers_of "$i") | $(peers_of "$i" true)" "$(others "$i") | $(others "$i")"
done

# --- Partition: cut the trunk between the two switches. ---
partition() { ip -n "$SW" link set tA down && ip -n "$SW" link set tB down; }
heal() { ip -n "$SW" link set tA up && ip -n "$SW" link set tB up; }
reaches() {  # reaches I J: node I opens a TCP connection to node J's P2P port
  nsexec "$1" timeout 2 bash -c "exec 3<>/dev/tcp/${IP[$2]}/8000" >/dev/null 2>&1
}
e2e_check "partition: the trunk between the sides goes down" partition
T_PART=$(now)
e2e_check "during the partition node 1 still reaches node 2 and node 3 node 4" \
  eval 'reaches 1 2 && reaches 3 4'
e2e_check "during the partition node 1 cannot reach node 3 nor node 4 reach node 2" \
  eval '! reaches 1 3 && ! reaches 4 2'

# Two values, one per side, with all 256 byte values and a per-run tag.
make_value() {
  { printf 'partition test %s side %s\n' "$RUN" "$1"
    for ((b = 0; b < 256; b++)); do printf "\\x$(printf %02x "$b")"; done
    head -c 1024 /dev/urandom; } >"$E2E_WORK/value_$1.bin"
}
make_value A
make_value B
HASH_A=$(sha256sum "$E2E_WORK/value_A.bin" | cut -d' ' -f1)
HASH_B=$(sha256sum "$E2E_WORK/value_B.bin" | cut -d' ' -f1)

put() {  # put I SIDE: POST value SIDE through node I; prints "status hash"
  local s
  s=$(status "$1" /data -X POST "${E2E_GW_AUTH[@]}" \
    -H 'Content-Type: application/octet-stream' \
    -H 'Grpc-Timeout: 10S' --data-binary "@$E2E_WORK/value_$2.bin")
  echo "$s $(jq -r '.hash // empty' "$E2E_WORK/body.$1" 2>/dev/null)"
}
e2e_expect_eq "during the partition POST /data on node 1 stores value A" \
  "$(put 1 A)" "201 $HASH_A"
echo "${E2E_NAME}: value A put on node 1: $(cat "$E2E_WORK/body.1")"
e2e_expect_eq "during the partition POST /data on node 3 stores value B" \
  "$(put 3 B)" "201 $HASH_B"
echo "${E2E_NAME}: value B put on node 3: $(cat "$E2E_WORK/body.3")"

# has_value I SIDE: GET /data/{hash} on node I returns the value's exact bytes.
has_value() {
  local hash=$HASH_A
  [[ $2 == B ]] && hash=$HASH_B
  [[ "$(status "$1" "/data/$hash" -H 'Grpc-Timeout: 5S')" == 200 ]] &&
    cmp -s "$E2E_WORK/body.$1" "$E2E_WORK/value_$2.bin"
}
e2e_poll 20 has_value 2 A
e2e_check "during the partition value A is readable on node 2, byte for byte" \
  has_value 2 A
e2e_poll 20 has_value 4 B
e2e_check "during the partition value B is readable on node 4, byte for byte" \
  has_value 4 B

# A value from the other side is not found, and the answer comes in bounded
# time (the gateway's deadline is 10 s, curl's 15 s).
not_found_in_time() {  # not_found_in_time I HASH
  local t0 s
  t0=$SECONDS
  s=$(status "$1" "/data/$2" -H 'Grpc-Timeout: 10S')
  echo "${E2E_NAME}: GET of the other side's value on node $1: HTTP $s in $((SECONDS - t0)) s" >&2
  [[ "$s" == 404 ]] && ((SECONDS - t0 <= 12))
}
e2e_check "during the partition value A is not readable on node 3 (404 in bounded time)" \
  not_found_in_time 3 "$HASH_A"
e2e_check "during the partition value B is not readable on node 1 (404 in bounded time)" \
  not_found_in_time 1 "$HASH_B"

# Each side sees the other's nodes turn unhealthy, still listed (not pruned).
sees_other_side_unhealthy() {
  [[ "$(peers_of "$1")" == "$(others "$1")" &&
    "$(peers_of "$1" true)" == "$(addrs "$(same_side "$1")")" ]]
}
for i in 1 3 2 4; do
  if ((i <= 2)); then o="3 and 4"; else o="1 and 2"; fi
  e2e_poll 30 sees_other_side_unhealthy "$i"
  e2e_expect_eq "during the partition node $i sees nodes $o unhealthy, still listed" \
    "$(peers_of "$i") | $(peers_of "$i" true)" \
    "$(others "$i") | $(addrs "$(same_side "$i")")"
done

# --- Heal. ---
e2e_check "heal: the trunk comes back up" heal
T_HEAL=$(now)

# Data first: each value readable byte for byte on every node.
for v in A B; do
  for i in 1 2 3 4; do
    e2e_poll 30 has_value "$i" "$v"
    e2e_check "after healing value $v is readable on node $i, byte for byte" \
      has_value "$i" "$v"
  done
done
T_DATA=$(now)
echo "${E2E_NAME}: both values readable on all four nodes $(elapsed "$T_HEAL" "$T_DATA") s after healing"

# Then health. The seed's rule counts successes and failures over a peer's
# whole life (healthy needs a success rate above 50%), so every failure
# recorded during the partition must be outweighed by a success afterwards.
# Failures come at least once per health round (the peer is unresponsive),
# successes about every other round (a peer heard from within the last
# round is not pinged), and a connection black-holed by the partition can
# keep failing for a few seconds after healing: recovery takes some 2-6
# times as long as the partition lasted (measured: 22-73 s after a 9-13 s
# partition). The deadline grows with the partition's length.
all_healthy() {
  knows_all_healthy 1 && knows_all_healthy 2 && knows_all_healthy 3 &&
    knows_all_healthy 4
}
lasted=$(elapsed "$T_PART" "$T_HEAL")
deadline=$((30 + 6 * ${lasted%.*}))
((deadline < 90)) && deadline=90
e2e_poll "$deadline" all_healthy
T_HEALTHY=$(now)
for i in 1 2 3 4; do
  e2e_expect_eq "after healing node $i lists the 3 others, all healthy again" \
    "$(peers_of "$i") | $(peers_of "$i" true)" "$(others "$i") | $(others "$i")"
done
echo "${E2E_NAME}: the partition lasted ${lasted} s; after healing, data converged in $(elapsed "$T_HEAL" "$T_DATA") s and all peers were healthy again in $(elapsed "$T_HEAL" "$T_HEALTHY") s (deadline ${deadline} s); whole run $(elapsed "$T_START" "$(now)") s"

e2e_finish
