#!/usr/bin/env bash
# The seed's behaviour end to end with real processes: five full nodes
# (dht-service, peer-manager, health-monitor and gateway each) on loopback,
# all bootstrapped from node 1, with the seed's timers shortened by flags:
# peer exchange 3 s, health round 2 s, healthy window 6 s, prune age 12 s,
# re-bootstrap delay 2 s (retries up to 4 s apart), and k = 3 so that most
# values live on some nodes only and reads are real lookups.
#
# Shows, through the REST gateway and grpcurl:
#   1. every node lists the other four in /network/peers; /network/stats
#      counts match;
#   2. data shared on node 1 is read back byte-for-byte from node 5, and
#      data_sent / data_received move;
#   3. two of five nodes killed: they turn unhealthy on the others after a
#      health round and are pruned after the prune age; all data shared
#      before stays readable from every survivor;
#   4. a node restarted without INITIAL_PEERS reloads known_peers.json and
#      rejoins;
#   5. a node whose peers all vanish re-bootstraps once its bootstrap peer is
#      back;
#   6. grpcurl: list and describe through reflection on every service, a real
#      call, and the standard health check.
source "$(dirname "$0")/lib.sh"
e2e_init network_test
e2e_gateway_token

DHT="$E2E_BIN/services/dht/dht-service"
PM="$E2E_BIN/services/peer_manager/peer-manager"
HM="$E2E_BIN/services/health_monitor/health-monitor"
GW="$E2E_BIN/gateway/gateway"
N=5
declare -a P2P API PMP HMP GWP

# start_node I [INITIAL_PEERS]
start_node() {
  local i=$1 peers=${2:-} dir="$E2E_WORK/node$1"
  mkdir -p "$dir"
  e2e_start "dht$i" "$DHT" --p2p_listen_host=127.0.0.1 --p2p_port="${P2P[$i]}" \
    --advertise_address="127.0.0.1:${P2P[$i]}" --api_port="${API[$i]}" \
    --data_dir="$dir" --peer_manager_address="127.0.0.1:${PMP[$i]}" \
    --k=3 --rpc_timeout=1s --peer_counts_max_age=0s --inbound_sender_ttl=2s
  INITIAL_PEERS="$peers" e2e_start "pm$i" "$PM" --port="${PMP[$i]}" \
    --data_dir="$dir" --dht_api_address="127.0.0.1:${API[$i]}" \
    --exchange_interval=3s --rebootstrap_delay=2s \
    --max_rebootstrap_backoff=4s --health_response_window=6s \
    --prune_age=12s --rpc_timeout=1s
  e2e_start "hm$i" "$HM" --port="${HMP[$i]}" \
    --peer_manager_address="127.0.0.1:${PMP[$i]}" \
    --dht_api_address="127.0.0.1:${API[$i]}" \
    --check_interval=2s --prune_age=12s --ping_timeout=1s --rpc_timeout=2s
  e2e_start "gw$i" "$GW" --port="${GWP[$i]}" \
    --dht_api_address="127.0.0.1:${API[$i]}" \
    --peer_manager_address="127.0.0.1:${PMP[$i]}" \
    --health_monitor_address="127.0.0.1:${HMP[$i]}" --access_log=false \
    --auth_token_file="$E2E_GW_TOKEN_FILE"
}
stop_node() {  # stop_node I [SIGNAL]
  local p
  for p in gw dht pm hm; do e2e_stop "$p$1" "${2:-TERM}" 15; done
}
gw() { echo "http://127.0.0.1:${GWP[$1]}"; }
ready() { [[ $(curl -s -m 5 -o /dev/null -w '%{http_code}' "$(gw "$1")/readyz") == 200 ]]; }
# peers_of I [healthy]: the P2P addresses node I lists, sorted, one line.
peers_of() {
  local q=""
  [[ "${2:-}" == healthy ]] && q="?healthy=true"
  curl -s -m 5 "$(gw "$1")/network/peers$q" |
    jq -r '[.peers[].address] | sort | join(" ")' 2>/dev/null
}
addrs() {  # addrs I...: the P2P addresses of those nodes, sorted, one line
  local i
  for i in "$@"; do echo "127.0.0.1:${P2P[$i]}"; done | sort | tr '\n' ' ' |
    sed 's/ $//'
}
lists() { [[ "$(peers_of "$1" "${3:-}")" == "$2" ]]; }
stat_of() { curl -s -m 5 "$(gw "$1")/network/stats" | jq -r ".$2"; }
# get_ok I HASH FILE: node I returns exactly FILE's bytes for HASH.
get_ok() {
  curl -s -m 15 -o "$E2E_WORK/got" -w '%{http_code}' "$(gw "$1")/data/$2" |
    grep -qx 200 && cmp -s "$E2E_WORK/got" "$3"
}

for ((i = 1; i <= N; i++)); do
  for var in P2P API PMP HMP GWP; do e2e_free_port "$var[$i]"; done
done
start_node 1
for ((i = 2; i <= N; i++)); do start_node "$i" "127.0.0.1:${P2P[1]}"; done
all_ready=1
for ((i = 1; i <= N; i++)); do e2e_poll 60 ready "$i" || all_ready=0; done
e2e_check "all 20 processes are ready (every gateway's /readyz is 200)" \
  test "$all_ready" = 1

# --- 1. Discovery: a full mesh from one bootstrap peer. ---
others() {  # the other nodes of 1..N
  local i
  for ((i = 1; i <= N; i++)); do [[ $i -ne $1 ]] && echo "$i"; done
}
t0=$SECONDS
for ((i = 1; i <= N; i++)); do
  e2e_poll 40 lists "$i" "$(addrs $(others "$i"))"
  e2e_expect_eq "node $i lists the other four" "$(peers_of "$i")" \
    "$(addrs $(others "$i"))"
done
echo "    (full mesh after $((SECONDS - t0)) s)"
for ((i = 1; i <= N; i++)); do
  e2e_poll 20 lists "$i" "$(addrs $(others "$i"))" healthy
  e2e_expect_eq "node $i's /network/stats counts 4 peers, 4 healthy" \
    "$(stat_of "$i" total_peers) $(stat_of "$i" healthy_peers)" "4 4"
done

# --- 2. Data: shared on node 1, read on node 5. ---
sent1=$(stat_of 1 data_sent)
received5=$(stat_of 5 data_received)
hashes=()
for ((v = 1; v <= 6; v++)); do
  size=$((v % 2 ? 1024 : 65536))
  head -c "$size" /dev/urandom >"$E2E_WORK/value$v"
  hashes[v]=$(curl -s -m 20 "${E2E_GW_AUTH[@]}" \
    -H 'Content-Type: application/octet-stream' \
    --data-binary "@$E2E_WORK/value$v" "$(gw 1)/data" | jq -r .hash)
done
all=1
for ((v = 1; v <= 6; v++)); do get_ok 5 "${hashes[v]}" "$E2E_WORK/value$v" || all=0; done
e2e_check "six values (1 KiB and 64 KiB) shared on node 1 read back byte-for-byte on node 5" \
  test "$all" = 1
e2e_check "node 1's data_sent grew" test "$(stat_of 1 data_sent)" -gt "$sent1"
e2e_check "node 5's data_received grew" \
  test "$(stat_of 5 data_received)" -gt "$received5"

# --- 3. Kill two of five. ---
# known_peers.json is written within 10 s of a change (peers.proto); wait for
# node 5's to hold its four peers, so the crash below loses nothing that was
# acknowledged and step 4 can reload it.
file_has_four() {
  [[ "$(jq -r 'keys | length' "$E2E_WORK/node5/known_peers.json" 2>/dev/null)" == 4 ]]
}
e2e_check "node 5's known_peers.json holds its four peers" e2e_poll 20 file_has_four
stop_node 4 KILL
stop_node 5 KILL
t0=$SECONDS
for i in 1 2 3; do
  e2e_poll 30 lists "$i" "$(addrs $(others "$i" | grep -v '[45]'))" healthy
  e2e_expect_eq "node $i marks the killed nodes unhealthy" \
    "$(peers_of "$i" healthy)" "$(addrs $(others "$i" | grep -v '[45]'))"
done
echo "    (unhealthy everywhere after $((SECONDS - t0)) s)"
e2e_check "but still lists them until the prune age" e2e_has \
  "$(peers_of 1)" "127.0.0.1:${P2P[5]}"
for i in 1 2 3; do
  e2e_poll 40 lists "$i" "$(addrs $(others "$i" | grep -v '[45]'))"
  e2e_expect_eq "node $i pruned the killed nodes" "$(peers_of "$i")" \
    "$(addrs $(others "$i" | grep -v '[45]'))"
done
echo "    (pruned everywhere $((SECONDS - t0)) s after the kill)"
all=1
for i in 1 2 3; do
  for ((v = 1; v <= 6; v++)); do
    e2e_poll 15 get_ok "$i" "${hashes[v]}" "$E2E_WORK/value$v" || all=0
  done
done
e2e_check "every value shared before is readable from every survivor" \
  test "$all" = 1

# --- 4. Restart node 5 without INITIAL_PEERS. ---
start_node 5
e2e_poll 60 ready 5
e2e_check "node 5 reloaded known_peers.json" \
  grep -qE "loaded 4 known peers" "$E2E_WORK/logs/pm5.log"
for i in 1 2 3; do
  e2e_poll 40 lists "$i" "$(addrs $(others "$i" | grep -v 4))"
  e2e_expect_eq "node $i lists node 5 again" "$(peers_of "$i")" \
    "$(addrs $(others "$i" | grep -v 4))"
done
e2e_poll 40 lists 5 "$(addrs 1 2 3)"
e2e_expect_eq "node 5 lists the survivors (node 4 pruned)" "$(peers_of 5)" \
  "$(addrs 1 2 3)"
e2e_check "node 5 reads data shared before it died" \
  e2e_poll 15 get_ok 5 "${hashes[2]}" "$E2E_WORK/value2"

# --- 5. Node 2 loses every peer, then re-bootstraps from node 1. ---
stop_node 1
stop_node 3
stop_node 5
t0=$SECONDS
e2e_poll 60 lists 2 ""
e2e_expect_eq "node 2 pruned all its peers" "$(peers_of 2)" ""
e2e_poll 20 grep -q "re-bootstrap: no known peers left" "$E2E_WORK/logs/pm2.log"
e2e_check "node 2 re-bootstraps, and retries while node 1 is down" \
  e2e_poll 20 grep -q "bootstrap: no bootstrap peer answered" \
  "$E2E_WORK/logs/pm2.log"
# Node 1 comes back knowing nobody: only node 2's re-bootstrap can join them.
rm -f "$E2E_WORK/node1/known_peers.json"
start_node 1
e2e_poll 60 ready 1
e2e_poll 40 lists 2 "$(addrs 1)"
e2e_expect_eq "node 2 knows node 1 again" "$(peers_of 2)" "$(addrs 1)"
e2e_poll 20 lists 1 "$(addrs 2)"
e2e_expect_eq "and node 1 knows node 2" "$(peers_of 1)" "$(addrs 2)"
echo "    (rejoined $((SECONDS - t0)) s after node 2 lost its peers)"
e2e_check "node 1 answered a bootstrap ping from node 2" \
  grep -q "bootstrap: 127.0.0.1:${P2P[1]} answered" "$E2E_WORK/logs/pm2.log"

# --- 6. grpcurl through reflection. ---
# check_service ADDRESS SERVICE RPC: list, describe, health.
# The P2P port is mutual TLS: grpcurl -insecure with a client certificate.
check_service() {
  local addr=$1 service=$2 rpc=$3 flags=(-plaintext) health=e2e_health
  if [[ $service == datamgmt.p2p.v1.PeerProtocol ]]; then
    e2e_p2p_tls
    flags=("${E2E_P2P_TLS[@]}")
    health=e2e_health_p2p
  fi
  e2e_check "grpcurl list on $addr shows $service" e2e_has_line \
    "$("$GRPCURL" "${flags[@]}" -max-time 10 "$addr" list 2>&1)" "$service"
  e2e_check "grpcurl describe $service shows rpc $rpc" e2e_has \
    "$("$GRPCURL" "${flags[@]}" -max-time 10 "$addr" describe "$service" 2>&1)" \
    "rpc $rpc"
  e2e_expect_eq "grpc.health.v1 says $service is SERVING" \
    "$("$health" "$addr" "$service")" SERVING
}
check_service "127.0.0.1:${P2P[1]}" datamgmt.p2p.v1.PeerProtocol FindValue
check_service "127.0.0.1:${API[1]}" datamgmt.dht.v1.DhtService PutData
check_service "127.0.0.1:${API[1]}" datamgmt.dht.v1.PeerDialer PingPeer
check_service "127.0.0.1:${PMP[1]}" datamgmt.peers.v1.PeerManager ListPeers
check_service "127.0.0.1:${HMP[1]}" datamgmt.health.v1.HealthMonitor RunCheck
e2e_expect_eq "a real call: GetPeerStats over gRPC matches /network/stats" \
  "$(e2e_grpc "127.0.0.1:${PMP[1]}" datamgmt.peers.v1.PeerManager/GetPeerStats | jq -c '[.total_peers, .healthy_peers]')" \
  "[$(stat_of 1 total_peers),$(stat_of 1 healthy_peers)]"
e2e_finish
