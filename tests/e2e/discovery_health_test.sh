#!/usr/bin/env bash
# Peer discovery and health monitoring with real processes: three full nodes
# (dht-service, peer-manager, health-monitor each) on loopback, where only
# node 1 is a bootstrap peer, with the seed's intervals shortened by flags
# (exchange 3 s, health round 2 s, healthy window 6 s, prune age 12 s).
#
# Shows: after bootstrap and exchange every node knows both others; killing
# node 3 makes it unhealthy on nodes 1 and 2 after health rounds, and it is
# pruned after the prune age; known_peers.json is in the seed's format.
source "$(dirname "$0")/lib.sh"
e2e_init discovery_health_test

DHT="$E2E_BIN/services/dht/dht-service"
PM="$E2E_BIN/services/peer_manager/peer-manager"
HM="$E2E_BIN/services/health_monitor/health-monitor"
N=3
declare -a P2P API PMP HMP

start_node() {
  local i=$1 peers=$2 dir="$E2E_WORK/node$1"
  mkdir -p "$dir"
  e2e_start "dht$i" "$DHT" --p2p_listen_host=127.0.0.1 --p2p_port="${P2P[$i]}" \
    --advertise_address="127.0.0.1:${P2P[$i]}" --api_port="${API[$i]}" \
    --data_dir="$dir" --peer_manager_address="127.0.0.1:${PMP[$i]}" \
    --rpc_timeout=1s
  INITIAL_PEERS="$peers" e2e_start "pm$i" "$PM" --port="${PMP[$i]}" \
    --data_dir="$dir" --dht_api_address="127.0.0.1:${API[$i]}" \
    --exchange_interval=3s --rebootstrap_delay=2s \
    --health_response_window=6s --prune_age=12s --rpc_timeout=1s
  e2e_start "hm$i" "$HM" --port="${HMP[$i]}" \
    --peer_manager_address="127.0.0.1:${PMP[$i]}" \
    --dht_api_address="127.0.0.1:${API[$i]}" \
    --check_interval=2s --prune_age=12s --ping_timeout=1s --rpc_timeout=2s
}

for ((i = 1; i <= N; i++)); do
  e2e_free_port "P2P[$i]"
  e2e_free_port "API[$i]"
  e2e_free_port "PMP[$i]"
  e2e_free_port "HMP[$i]"
done
start_node 1 ""
for ((i = 2; i <= N; i++)); do start_node "$i" "127.0.0.1:${P2P[1]}"; done

ready=1
for ((i = 1; i <= N; i++)); do
  for port in "${API[$i]}" "${PMP[$i]}" "${HMP[$i]}"; do
    e2e_wait_serving "127.0.0.1:$port" 30 || ready=0
  done
done
e2e_check "all nine processes report SERVING" test "$ready" = 1

# peers_of I [true]: the P2P addresses node I's peer-manager lists.
peers_of() {
  local healthy=${2:-false}
  e2e_grpc "127.0.0.1:${PMP[$1]}" datamgmt.peers.v1.PeerManager/ListPeers \
    "{\"healthy\": $healthy}" 2>/dev/null | jq -r '.peers[]?.address' | sort
}
expected_of() {  # the other nodes' addresses, sorted
  for ((j = 1; j <= N; j++)); do
    [[ $j -ne $1 && $j -ne ${2:-0} ]] && echo "127.0.0.1:${P2P[$j]}"
  done | sort
}
knows_exactly_others() { [[ "$(peers_of "$1")" == "$(expected_of "$1")" ]]; }
for ((i = 1; i <= N; i++)); do
  e2e_poll 30 knows_exactly_others "$i"
  e2e_expect_eq "node $i knows exactly the other two nodes" \
    "$(peers_of "$i" | tr '\n' ' ')" "$(expected_of "$i" | tr '\n' ' ')"
done

file="$E2E_WORK/node1/known_peers.json"
has_seed_format() {
  jq -e 'to_entries | length > 0 and all(.[];
      (.key == "\(.value.host):\(.value.port)") and
      (.value.port | type == "number") and
      (.value.last_seen | type == "number") and
      (.value.success_count | type == "number") and
      (.value.failure_count | type == "number"))' "$file" >/dev/null 2>&1
}
e2e_poll 20 has_seed_format
e2e_check "known_peers.json is written in the seed's format" has_seed_format

# Node 3 dies: all three of its processes.
node3="127.0.0.1:${P2P[3]}"
for p in dht3 pm3 hm3; do e2e_stop "$p" KILL 5; done

healthy_without_3() {  # node 3 listed, but not among the healthy peers
  [[ "$(peers_of "$1" true)" == "$(expected_of "$1" 3)" ]] &&
    peers_of "$1" | grep -qxF "$node3"
}
for i in 1 2; do
  e2e_poll 40 healthy_without_3 "$i"
  e2e_check "node 3 turns unhealthy on node $i (still listed)" \
    healthy_without_3 "$i"
done

pruned_3() { ! peers_of "$1" | grep -qxF "$node3" && [[ -n "$(peers_of "$1")" ]]; }
for i in 1 2; do
  e2e_poll 60 pruned_3 "$i"
  e2e_check "node 3 is pruned from node $i after the prune age" pruned_3 "$i"
done
status=$(e2e_grpc "127.0.0.1:${HMP[1]}" datamgmt.health.v1.HealthMonitor/GetStatus)
e2e_check "health-monitor reports completed rounds" \
  test "$(jq -r '.rounds_completed' <<<"$status")" -gt 0

e2e_finish
