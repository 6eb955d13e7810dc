#!/usr/bin/env bash
# Abuse resistance with real processes: one node (dht-service, peer-manager,
# gateway) on loopback, flooded over mutual TLS with grpcurl Pings from one
# client certificate (the sender claims that certificate's node ID, as a real
# peer must), with limits small enough to see in a few calls (and loopback
# not exempt).
#
# Shows: the first requests are served, then RESOURCE_EXHAUSTED, then the
# sender is banned (PERMISSION_DENIED) and the ban is logged; DhtStats counts
# it; GET /network/peers lists the banned peer with banned, banned_until,
# ban_reason and score next to the seed's fields, and ?healthy=true leaves it
# out.
source "$(dirname "$0")/lib.sh"
e2e_init abuse_test

DHT="$E2E_BIN/services/dht/dht-service"
PM="$E2E_BIN/services/peer_manager/peer-manager"
GW="$E2E_BIN/gateway/gateway"
for var in P2P API PMP GWP; do e2e_free_port "$var"; done
dir="$E2E_WORK/node"
mkdir -p "$dir"
e2e_start dht "$DHT" --p2p_listen_host=127.0.0.1 --p2p_port="$P2P" \
  --advertise_address="127.0.0.1:$P2P" --api_port="$API" --data_dir="$dir" \
  --peer_manager_address="127.0.0.1:$PMP" --rpc_timeout=1s \
  --rate_limit_loopback --peer_rate_limit=0.1 --peer_rate_burst=3 \
  --ban_threshold=4
e2e_start pm "$PM" --port="$PMP" --data_dir="$dir" \
  --dht_api_address="127.0.0.1:$API" --rpc_timeout=1s
e2e_gateway_token
GATEWAY_PORT="$GWP" e2e_start gw "$GW" --auth_token_file="$E2E_GW_TOKEN_FILE" \
  --dht_api_address="127.0.0.1:$API" --peer_manager_address="127.0.0.1:$PMP" \
  --request_timeout=5s
GW1="http://127.0.0.1:$GWP"
ready() { [[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$GW1/network/peers")" == 200 ]]; }
e2e_wait_serving_p2p "127.0.0.1:$P2P" 30
e2e_poll 30 ready
e2e_check "the node is up" ready

# A flooder: the node ID of e2e_p2p_tls's client certificate, advertising
# 127.0.0.1:7.
e2e_p2p_tls
id_hex=$E2E_P2P_TLS_ID
id_b64=$(printf '%b' "$(sed 's/../\\x&/g' <<<"$id_hex")" | base64 -w0)
ping() {
  "$GRPCURL" "${E2E_P2P_TLS[@]}" -max-time 5 \
    -d "{\"sender\": {\"node_id\": \"$id_b64\", \"address\": \"127.0.0.1:7\"}}" \
    "127.0.0.1:$P2P" datamgmt.p2p.v1.PeerProtocol/Ping 2>&1
}
codes=()
for ((i = 0; i < 20; i++)); do
  out=$(ping)
  if grep -q '"responder"' <<<"$out"; then
    codes+=(OK)
  else
    code=$(sed -n 's/^ *Code: //p' <<<"$out" | head -1)
    codes+=("${code:-?}")
    [[ "$code" == PermissionDenied ]] && break
  fi
done
seen="${codes[*]}"
e2e_expect_eq "served, then throttled, then banned" \
  "$(tr ' ' '\n' <<<"$seen" | uniq | tr '\n' ' ')" \
  "OK ResourceExhausted PermissionDenied "
e2e_check "the burst of 3 was served" test "$(grep -o OK <<<"$seen" | wc -l)" -ge 3
e2e_check "the ban says why and until when" \
  e2e_has "$(ping)" "is banned until"
e2e_check "the ban is logged at warn with the peer and the reason" \
  grep -q "banned node $id_hex at 127.0.0.1:7 until .*rate limited" \
  "$E2E_WORK/logs/dht.log"

stats=$(curl -s -m 5 "$GW1/v1/dht/stats")
e2e_check "DhtStats counts the bans (the node ID and 127.0.0.1)" \
  test "$(jq -r '.peers_banned' <<<"$stats")" -eq 2
e2e_check "DhtStats counts the throttled requests" \
  test "$(jq -r '.requests_throttled | tonumber' <<<"$stats")" -ge 4

banned_listed() {
  curl -s -m 5 "$GW1/network/peers" |
    jq -e '.peers[] | select(.address == "127.0.0.1:7" and .banned)' >/dev/null
}
e2e_poll 15 banned_listed
peers=$(curl -s -m 5 "$GW1/network/peers")
e2e_expect_eq "GET /network/peers lists the banned peer with its standing" \
  "$(jq -c '.peers[] | select(.address == "127.0.0.1:7") |
      [.host, .port, (.last_seen|type), (.success_count|type),
       (.failure_count|type), .node_id, .healthy, .banned,
       (.banned_until > now), (.ban_reason | test("rate limited")),
       .score]' <<<"$peers")" \
  "[\"127.0.0.1\",7,\"number\",\"number\",\"number\",\"$id_hex\",false,true,true,true,0]"
e2e_expect_eq "?healthy=true leaves the banned peer out" \
  "$(curl -s -m 5 "$GW1/network/peers?healthy=true" |
    jq -c '[.peers[] | select(.address == "127.0.0.1:7")]')" "[]"

e2e_finish
