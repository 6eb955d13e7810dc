#!/usr/bin/env bash
# Key-bound identity and identity rotation with real processes on loopback:
# three whole nodes (dht-service, peer-manager, health-monitor each), node 1
# the bootstrap peer, plus a plaintext (--p2p_insecure) dht-service.
#
# Shows: a node's ID is the SHA-256 of its key's SubjectPublicKeyInfo
# (checked with the openssl CLI) and node_key.pem is 0600; the P2P port is
# mutual TLS: grpcurl without TLS cannot talk to it, a TLS client whose
# claimed sender ID is not its certificate's is refused (Unauthenticated)
# and one claiming its own ID is served; a --p2p_insecure node logs a
# warning, serves plaintext and cannot reach TLS nodes; a data directory
# with an old random `node_id` starts under its key's ID and the old file is
# renamed; tools/rotate-identity.sh gives node 3 a new ID (its new key's),
# every value stays readable from nodes 1 and 2 (also values only node 3
# held), nodes 1 and 2 list node 3's address with the new ID in
# peer-manager, and a restart keeps the new ID.
source "$(dirname "$0")/lib.sh"
e2e_init identity_test

DHT="$E2E_BIN/services/dht/dht-service"
PM="$E2E_BIN/services/peer_manager/peer-manager"
HM="$E2E_BIN/services/health_monitor/health-monitor"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
N=3
declare -a P2P API PMP HMP

start_dht() {
  local i=$1
  e2e_start "dht$i" "$DHT" --p2p_listen_host=127.0.0.1 --p2p_port="${P2P[$i]}" \
    --advertise_address="127.0.0.1:${P2P[$i]}" --api_port="${API[$i]}" \
    --data_dir="$E2E_WORK/node$i" --peer_manager_address="127.0.0.1:${PMP[$i]}" \
    --rpc_timeout=1s --log_format=json
}
start_node() {
  local i=$1 peers=$2
  mkdir -p "$E2E_WORK/node$i"
  start_dht "$i"
  INITIAL_PEERS="$peers" e2e_start "pm$i" "$PM" --port="${PMP[$i]}" \
    --data_dir="$E2E_WORK/node$i" --dht_api_address="127.0.0.1:${API[$i]}" \
    --exchange_interval=3s --rebootstrap_delay=2s --rpc_timeout=1s
  e2e_start "hm$i" "$HM" --port="${HMP[$i]}" \
    --peer_manager_address="127.0.0.1:${PMP[$i]}" \
    --dht_api_address="127.0.0.1:${API[$i]}" \
    --check_interval=1s --ping_timeout=1s --rpc_timeout=2s
}

for ((i = 1; i <= N; i++)); do
  for var in P2P API PMP HMP; do e2e_free_port "$var[$i]"; done
done
# Node 3 starts from a data directory of before key-bound identity.
mkdir -p "$E2E_WORK/node3"
legacy_id=$(printf 'ab%.0s' {1..32})
echo "$legacy_id" >"$E2E_WORK/node3/node_id"
start_node 1 ""
for ((i = 2; i <= N; i++)); do start_node "$i" "127.0.0.1:${P2P[1]}"; done
ready=1
for ((i = 1; i <= N; i++)); do
  for port in "${API[$i]}" "${PMP[$i]}" "${HMP[$i]}"; do
    e2e_wait_serving "127.0.0.1:$port" 30 || ready=0
  done
  e2e_wait_serving_p2p "127.0.0.1:${P2P[$i]}" 30 || ready=0
done
e2e_check "all nine processes report SERVING (P2P over TLS)" test "$ready" = 1

node_id() {
  e2e_grpc "127.0.0.1:${API[$1]}" datamgmt.dht.v1.DhtService/GetDhtStats |
    jq -r .node_id
}
key_id() {  # SHA-256 of the DER SubjectPublicKeyInfo of node I's key
  openssl pkey -in "$E2E_WORK/node$1/node_key.pem" -pubout -outform DER |
    sha256sum | cut -d' ' -f1
}

# --- 1. The ID is the key's. ---
e2e_expect_eq "node 1's ID is SHA-256 of its key's SubjectPublicKeyInfo" \
  "$(node_id 1)" "$(key_id 1)"
e2e_expect_eq "node_key.pem is owner-only" \
  "$(stat -c %a "$E2E_WORK/node1/node_key.pem")" 600
e2e_expect_eq "a legacy node_id file gives way to the key's ID" \
  "$(node_id 3)" "$(key_id 3)"
e2e_check "the legacy file is renamed, not deleted" \
  test -f "$E2E_WORK/node3/node_id.replaced" -a ! -e "$E2E_WORK/node3/node_id"
e2e_check "and the change is logged once, naming both IDs" \
  grep -q "replaces the old random ID $legacy_id" "$E2E_WORK/logs/dht3.log"

# --- 2. The P2P port is mutual TLS, bound to node IDs. ---
p2p1="127.0.0.1:${P2P[1]}"
plain=$("$GRPCURL" -plaintext -max-time 5 "$p2p1" list 2>&1)
e2e_check "grpcurl -plaintext cannot talk to the P2P port" \
  test -z "$(grep -x datamgmt.p2p.v1.PeerProtocol <<<"$plain")"
e2e_p2p_tls
ping_as() {  # ping_as ID: Ping node 1 as the TLS client, claiming ID
  local b64
  b64=$(printf '%b' "$(sed 's/../\\x&/g' <<<"$1")" | base64 -w0)
  "$GRPCURL" "${E2E_P2P_TLS[@]}" -max-time 5 \
    -d "{\"sender\": {\"node_id\": \"$b64\", \"address\": \"127.0.0.1:1\"}}" \
    "$p2p1" datamgmt.p2p.v1.PeerProtocol/Ping 2>&1
}
e2e_check "a sender claiming another node's ID is Unauthenticated" \
  e2e_has "$(ping_as "$(node_id 2)")" "Code: Unauthenticated"
e2e_check "a sender claiming its own certificate's ID is answered" \
  e2e_has "$(ping_as "$E2E_P2P_TLS_ID")" '"responder"'

# A plaintext node: warned about, reachable in plaintext, cut off from TLS.
e2e_free_port P2P_PLAIN
e2e_free_port API_PLAIN
e2e_start plain "$DHT" --p2p_insecure --p2p_listen_host=127.0.0.1 \
  --p2p_port="$P2P_PLAIN" --advertise_address="127.0.0.1:$P2P_PLAIN" \
  --api_port="$API_PLAIN" --data_dir="$E2E_WORK/plain" \
  --peer_manager_address="" --rpc_timeout=1s
e2e_wait_serving "127.0.0.1:$P2P_PLAIN" 30
e2e_check "--p2p_insecure logs a plaintext warning" \
  grep -q "P2P is PLAINTEXT" "$E2E_WORK/logs/plain.log"
e2e_expect_eq "GetDhtStats says p2p_insecure" \
  "$(e2e_grpc "127.0.0.1:$API_PLAIN" datamgmt.dht.v1.DhtService/GetDhtStats | jq -r .p2p_insecure)" true
e2e_expect_eq "a plaintext node cannot reach a TLS node" \
  "$(e2e_grpc "127.0.0.1:$API_PLAIN" datamgmt.dht.v1.PeerDialer/PingPeer \
    "{\"address\": \"$p2p1\"}" | jq -r .success)" false
e2e_stop plain TERM 20

# --- 3. Rotation. ---
peers_of() {  # "address node_id" lines node I's peer-manager lists
  e2e_grpc "127.0.0.1:${PMP[$1]}" datamgmt.peers.v1.PeerManager/ListPeers \
    '{}' 2>/dev/null | jq -r '.peers[]? | "\(.address) \(.node_id)"' | sort
}
lists() { peers_of "$1" | grep -qxF "$2"; }
node3="127.0.0.1:${P2P[3]}"
old3=$(node_id 3)
for i in 1 2; do
  e2e_poll 30 lists "$i" "$node3 $old3"
  e2e_check "node $i's peer-manager lists node 3 with its ID" lists "$i" "$node3 $old3"
done

declare -a hashes replicas
put() {  # put I V: PutData "value V" at node I
  local out
  out=$(e2e_grpc "127.0.0.1:${API[$1]}" datamgmt.dht.v1.DhtService/PutData \
    "{\"data\": \"$(echo -n "value $2" | base64 -w0)\"}")
  hashes[$2]=$(jq -r .hash <<<"$out")
  replicas[$2]=$(jq -r .replicas <<<"$out")
}
for v in 1 2 3 4; do put $(((v - 1) % N + 1)) "$v"; done
# Values only node 3 holds: put while nodes 1 and 2 cannot be reached.
for p in dht1 dht2; do e2e_stop "$p" TERM 20; done
for v in 5 6; do put 3 "$v"; done
e2e_expect_eq "values 5 and 6 are only on node 3 (1 replica each)" \
  "${replicas[5]} ${replicas[6]}" "1 1"
start_dht 1
start_dht 2
for i in 1 2; do e2e_wait_serving "127.0.0.1:${API[$i]}" 30; done
held3=$(e2e_grpc "127.0.0.1:${API[3]}" datamgmt.dht.v1.DhtService/GetDhtStats | jq -r .stored_keys)
# Node 3 knows nodes 1 and 2 again (they come back on the same addresses).
for i in 1 2; do
  e2e_grpc "127.0.0.1:${API[3]}" datamgmt.dht.v1.PeerDialer/PingPeer \
    "{\"address\": \"127.0.0.1:${P2P[$i]}\"}" >/dev/null
done

rotated=$(GRPCURL="$GRPCURL" "$ROOT/tools/rotate-identity.sh" --timeout 2m \
  "127.0.0.1:${API[3]}" 2>&1)
echo "$rotated" | sed 's/^/    /'
new3=$(jq -r .new_node_id <<<"$rotated" 2>/dev/null)
e2e_expect_eq "tools/rotate-identity.sh answers the old ID" \
  "$(jq -r .old_node_id <<<"$rotated" 2>/dev/null)" "$old3"
e2e_check "and a new one" test -n "$new3" -a "$new3" != "$old3"
e2e_expect_eq "the node runs as the new ID" "$(node_id 3)" "$new3"
e2e_expect_eq "the new ID is the new key's" "$(key_id 3)" "$new3"
e2e_expect_eq "the old key is kept as node_key.pem.previous" \
  "$(openssl pkey -in "$E2E_WORK/node3/node_key.pem.previous" -pubout -outform DER | sha256sum | cut -d' ' -f1)" "$old3"
e2e_expect_eq "every value node 3 held ($held3) was handed over" \
  "$(jq -r '"\(.values) \(.values_handed_over)"' <<<"$rotated" 2>/dev/null)" "$held3 $held3"

get_ok() {  # get_ok I V: node I reads value V
  [[ "$(e2e_grpc "127.0.0.1:${API[$1]}" datamgmt.dht.v1.DhtService/GetData \
    "{\"hash\": \"${hashes[$2]}\"}" 2>/dev/null | jq -r .data | base64 -d)" == "value $2" ]]
}
all=1
for i in 1 2; do
  for v in 1 2 3 4 5 6; do get_ok "$i" "$v" || all=0; done
done
e2e_check "every value is readable from nodes 1 and 2" test "$all" = 1
for i in 1 2; do
  e2e_poll 30 lists "$i" "$node3 $new3"
  e2e_check "node $i's peer-manager lists node 3's address with the new ID" \
    lists "$i" "$node3 $new3"
done

e2e_stop dht3 TERM 20
e2e_expect_eq "SIGTERM after a rotation stops cleanly" "$E2E_STOP_RC" 0
start_dht 3
e2e_wait_serving "127.0.0.1:${API[3]}" 30
e2e_expect_eq "a restart keeps the new ID" "$(node_id 3)" "$new3"

e2e_finish
