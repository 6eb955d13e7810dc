#!/usr/bin/env bash
# dht-service as real processes: five nodes on loopback, driven with grpcurl
# through server reflection, as an operator would.
#
# Shows: reflection (list/describe) and grpc.health.v1 on both ports; nodes
# introduced with PeerDialer.PingPeer; PutData on node 1 replicated to every
# node; the exact bytes (all 256 byte values) read back on node 5; the seed's
# "Data not found", malformed and oversized input; SIGTERM stops a node
# cleanly and a restart on the same data directory keeps its ID and data.
source "$(dirname "$0")/lib.sh"
e2e_init dht_process_test

DHT="$E2E_BIN/services/dht/dht-service"
N=5
declare -a P2P API
# peer-manager is not part of this test: point at a port nothing serves.
e2e_free_port PM_PORT

start_node() {
  local i=$1
  e2e_start "node$i" "$DHT" \
    --p2p_listen_host=127.0.0.1 --p2p_port="${P2P[$i]}" \
    --advertise_address="127.0.0.1:${P2P[$i]}" \
    --api_listen_host=127.0.0.1 --api_port="${API[$i]}" \
    --data_dir="$E2E_WORK/node$i" \
    --peer_manager_address="127.0.0.1:$PM_PORT" \
    --rpc_timeout=2s --log_format=json
}

for ((i = 1; i <= N; i++)); do
  e2e_free_port "P2P[$i]"
  e2e_free_port "API[$i]"
  start_node "$i"
done
ready=1
for ((i = 1; i <= N; i++)); do
  e2e_wait_serving_p2p "127.0.0.1:${P2P[$i]}" 30 || ready=0
  e2e_wait_serving "127.0.0.1:${API[$i]}" 30 || ready=0
done
e2e_check "every node reports SERVING on its P2P and API ports" test "$ready" = 1

# Reflection, as grpcurl users rely on it (the P2P port is mutual TLS).
e2e_p2p_tls
p2p_services=$("$GRPCURL" "${E2E_P2P_TLS[@]}" "127.0.0.1:${P2P[1]}" list 2>&1)
api_services=$("$GRPCURL" -plaintext "127.0.0.1:${API[1]}" list 2>&1)
e2e_check "reflection lists PeerProtocol on the P2P port" \
  e2e_has_line "$p2p_services" datamgmt.p2p.v1.PeerProtocol
e2e_check "reflection lists grpc.health.v1 on the P2P port" \
  e2e_has_line "$p2p_services" grpc.health.v1.Health
e2e_check "reflection lists DhtService on the API port" \
  e2e_has_line "$api_services" datamgmt.dht.v1.DhtService
e2e_check "reflection lists PeerDialer on the API port" \
  e2e_has_line "$api_services" datamgmt.dht.v1.PeerDialer
described=$("$GRPCURL" -plaintext "127.0.0.1:${API[1]}" describe datamgmt.dht.v1.DhtService.PutData 2>&1)
e2e_check "describe shows PutData's signature" e2e_has "$described" \
  "rpc PutData ( .datamgmt.dht.v1.PutDataRequest ) returns ( .datamgmt.dht.v1.PutDataResponse )"

# Introduce nodes 2..N to node 1 (as peer-manager's bootstrap would).
introduced=0
for ((i = 2; i <= N; i++)); do
  ok=$(e2e_grpc "127.0.0.1:${API[$i]}" datamgmt.dht.v1.PeerDialer/PingPeer \
    "{\"address\": \"127.0.0.1:${P2P[1]}\"}" | jq -r '.success // false')
  [[ "$ok" == true ]] && introduced=$((introduced + 1))
done
e2e_expect_eq "nodes 2..$N reach node 1 with PingPeer" "$introduced" $((N - 1))

# Every byte value, as base64 for grpcurl's JSON.
payload_b64=$(for b in $(seq 0 255); do printf "\\x$(printf %02x "$b")"; done | base64 -w0)
expected_hash=$(echo -n "$payload_b64" | base64 -d | sha256sum | cut -d' ' -f1)
put=$(e2e_grpc "127.0.0.1:${API[1]}" datamgmt.dht.v1.DhtService/PutData \
  "{\"data\": \"$payload_b64\"}")
e2e_expect_eq "PutData returns the SHA-256 of the bytes" \
  "$(jq -r .hash <<<"$put")" "$expected_hash"
e2e_expect_eq "PutData reports size 256" "$(jq -r .size <<<"$put")" 256
e2e_expect_eq "PutData is replicated to every node (1 local + $((N - 1)))" \
  "$(jq -r .replicas <<<"$put")" "$N"

got=$(e2e_grpc "127.0.0.1:${API[$N]}" datamgmt.dht.v1.DhtService/GetData \
  "{\"hash\": \"$expected_hash\"}" | jq -r .data)
e2e_expect_eq "node $N reads back the exact bytes" "$got" "$payload_b64"

unknown=$(e2e_grpc "127.0.0.1:${API[2]}" datamgmt.dht.v1.DhtService/GetData \
  "{\"hash\": \"$(printf '0%.0s' {1..64})\"}" 2>&1)
e2e_check "an unknown hash is NotFound" e2e_has "$unknown" "Code: NotFound"
e2e_check "NotFound carries the seed's message" \
  e2e_has "$unknown" "Message: Data not found"
malformed=$(e2e_grpc "127.0.0.1:${API[2]}" datamgmt.dht.v1.DhtService/GetData \
  '{"hash": "xyz"}' 2>&1)
e2e_check "a malformed hash is InvalidArgument" \
  e2e_has "$malformed" "Code: InvalidArgument"

keys_before=$(e2e_grpc "127.0.0.1:${API[1]}" datamgmt.dht.v1.DhtService/GetDhtStats | jq -r .stored_keys)
oversized=$( (printf '{"data": "'; head -c $((1024 * 1024 + 1)) /dev/zero | base64 -w0; printf '"}') |
  "$GRPCURL" -plaintext -max-time 20 -d @ "127.0.0.1:${API[1]}" datamgmt.dht.v1.DhtService/PutData 2>&1)
e2e_check "a value over 1 MiB is ResourceExhausted" \
  e2e_has "$oversized" "Code: ResourceExhausted"
keys_after=$(e2e_grpc "127.0.0.1:${API[1]}" datamgmt.dht.v1.DhtService/GetDhtStats | jq -r .stored_keys)
e2e_expect_eq "the refused value stored nothing" "$keys_after" "$keys_before"

stats=$(e2e_grpc "127.0.0.1:${API[1]}" datamgmt.dht.v1.DhtService/GetNetworkStats 2>&1)
e2e_check "network stats without peer-manager are Unavailable, not a hang" \
  e2e_has "$stats" "Code: Unavailable"

# Restart node 3 on the same data directory.
id_before=$(e2e_grpc "127.0.0.1:${API[3]}" datamgmt.dht.v1.DhtService/GetDhtStats | jq -r .node_id)
e2e_stop node3 TERM 20
e2e_expect_eq "SIGTERM stops dht-service cleanly (exit 0)" "$E2E_STOP_RC" 0
start_node 3
e2e_wait_serving "127.0.0.1:${API[3]}" 30
id_after=$(e2e_grpc "127.0.0.1:${API[3]}" datamgmt.dht.v1.DhtService/GetDhtStats | jq -r .node_id)
e2e_check "the restarted node has an ID" test -n "$id_after"
e2e_expect_eq "the restarted node keeps its ID" "$id_after" "$id_before"
got=$(e2e_grpc "127.0.0.1:${API[3]}" datamgmt.dht.v1.DhtService/GetData \
  "{\"hash\": \"$expected_hash\"}" | jq -r .data)
e2e_expect_eq "the restarted node still serves the data" "$got" "$payload_b64"

e2e_finish
