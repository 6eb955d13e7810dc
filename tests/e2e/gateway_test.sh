#!/usr/bin/env bash
# The REST gateway against real backends: two full nodes (dht-service,
# peer-manager, health-monitor and gateway each) on loopback, node 2
# bootstrapped from node 1, everything spoken to with curl.
#
# Shows: the seed's endpoints with their exact JSON shapes; a binary round
# trip of all 256 byte values written through node 1's gateway and read
# through node 2's; a table of bad inputs, each with its HTTP status and
# google.rpc.Status body, storing nothing; ETag/If-None-Match; /healthz,
# /readyz, /metrics, /openapi.json; a backend that is down gives 503 at once;
# SIGTERM stops the gateway cleanly.
source "$(dirname "$0")/lib.sh"
e2e_init gateway_test
e2e_gateway_token  # every request below carries it (auth: gateway_auth_test)

DHT="$E2E_BIN/services/dht/dht-service"
PM="$E2E_BIN/services/peer_manager/peer-manager"
HM="$E2E_BIN/services/health_monitor/health-monitor"
GW="$E2E_BIN/gateway/gateway"
declare -a P2P API PMP HMP GWP

start_node() {
  local i=$1 peers=$2 dir="$E2E_WORK/node$1"
  mkdir -p "$dir"
  e2e_start "dht$i" "$DHT" --p2p_listen_host=127.0.0.1 --p2p_port="${P2P[$i]}" \
    --advertise_address="127.0.0.1:${P2P[$i]}" --api_port="${API[$i]}" \
    --data_dir="$dir" --peer_manager_address="127.0.0.1:${PMP[$i]}" \
    --rpc_timeout=1s --peer_counts_max_age=0s
  INITIAL_PEERS="$peers" e2e_start "pm$i" "$PM" --port="${PMP[$i]}" \
    --data_dir="$dir" --dht_api_address="127.0.0.1:${API[$i]}" \
    --exchange_interval=3s --rebootstrap_delay=2s --rpc_timeout=1s
  e2e_start "hm$i" "$HM" --port="${HMP[$i]}" \
    --peer_manager_address="127.0.0.1:${PMP[$i]}" \
    --dht_api_address="127.0.0.1:${API[$i]}" --check_interval=2s
  GATEWAY_PORT="${GWP[$i]}" e2e_start "gw$i" "$GW" \
    --dht_api_address="127.0.0.1:${API[$i]}" \
    --peer_manager_address="127.0.0.1:${PMP[$i]}" \
    --health_monitor_address="127.0.0.1:${HMP[$i]}" \
    --max_body_bytes=2097152 --request_timeout=5s \
    --auth_token_file="$E2E_GW_TOKEN_FILE"
}

for i in 1 2; do
  for var in P2P API PMP HMP GWP; do e2e_free_port "$var[$i]"; done
done
start_node 1 ""
start_node 2 "127.0.0.1:${P2P[1]}"
GW1="http://127.0.0.1:${GWP[1]}"
GW2="http://127.0.0.1:${GWP[2]}"

# req METHOD URL [CURL ARGS...]: sets STATUS, BODY and HEADERS.
req() {
  local method=$1 url=$2
  shift 2
  STATUS=$(curl -s -m 20 -X "$method" -o "$E2E_WORK/body" \
    -D "$E2E_WORK/headers" -w '%{http_code}' "${E2E_GW_AUTH[@]}" "$@" "$url")
  BODY=$(cat "$E2E_WORK/body" 2>/dev/null)
  HEADERS=$(tr -d '\r' <"$E2E_WORK/headers" 2>/dev/null)
}
header() { grep -i "^$1:" <<<"$HEADERS" | head -1 | cut -d' ' -f2-; }
ready() { req GET "$1/readyz" && [[ "$STATUS" == 200 ]]; }

e2e_poll 30 ready "$GW1"
e2e_check "node 1's gateway is ready once its three backends serve" \
  test "$(jq -c '[.status, (.backends | length), ([.backends[].status] | unique)]' <<<"$BODY")" \
  = '["ready",3,["SERVING"]]'
e2e_poll 30 ready "$GW2"
req GET "$GW1/healthz"
e2e_expect_eq "/healthz says the gateway is alive" "$STATUS $BODY" '200 {"status":"ok"}'

# --- The seed's endpoints. ---
peer_count() {
  req GET "$GW1/network/stats" && [[ "$(jq .total_peers <<<"$BODY")" == 1 ]]
}
e2e_poll 30 peer_count
req GET "$GW1/network/stats"
e2e_expect_eq "/network/stats has exactly the seed's keys, in order" \
  "$(jq -c 'keys_unsorted' <<<"$BODY")" \
  '["total_peers","healthy_peers","data_sent","data_received","uptime"]'
e2e_expect_eq "/network/stats values are JSON numbers, not strings" \
  "$(jq -c '[.[] | type] | unique' <<<"$BODY")" '["number"]'
e2e_expect_eq "/network/stats counts node 2 as a healthy peer" \
  "$(jq -c '[.total_peers, .healthy_peers]' <<<"$BODY")" '[1,1]'
e2e_expect_eq "/network/stats is application/json" \
  "$(header content-type)" "application/json"

req GET "$GW1/network/peers"
e2e_expect_eq "/network/peers lists node 2 with known_peers.json's fields" \
  "$(jq -c '.peers[0] | [.address, .host, .port, (.last_seen|type),
      (.success_count|type), (.failure_count|type), (.node_id|length),
      .healthy, (.success_rate|type)]' <<<"$BODY")" \
  "[\"127.0.0.1:${P2P[2]}\",\"127.0.0.1\",${P2P[2]},\"number\",\"number\",\"number\",64,true,\"number\"]"
req GET "$GW1/network/peers?healthy=true"
e2e_expect_eq "?healthy=true keeps the healthy peer" \
  "$(jq -c '[.peers[].address]' <<<"$BODY")" "[\"127.0.0.1:${P2P[2]}\"]"

# --- Data: all 256 byte values through node 1, back through node 2. ---
stored_keys() {
  curl -s -m 10 "$1/v1/dht/stats" | jq -r '.stored_keys | tonumber'
}
keys1_before=$(stored_keys "$GW1")
for ((b = 0; b < 256; b++)); do printf "\\x$(printf %02x $b)"; done \
  >"$E2E_WORK/bytes.bin"
want_hash=$(sha256sum "$E2E_WORK/bytes.bin" | cut -d' ' -f1)
req POST "$GW1/data" -H 'Content-Type: application/octet-stream' \
  --data-binary "@$E2E_WORK/bytes.bin"
e2e_expect_eq "POST /data with raw bytes answers 201 {hash, size, replicas}" \
  "$STATUS $(jq -c '[keys_unsorted, .hash, .size, (.replicas|type)]' <<<"$BODY")" \
  "201 [[\"hash\",\"size\",\"replicas\"],\"$want_hash\",256,\"number\"]"
req GET "$GW2/data/$want_hash"
e2e_check "GET /data/{hash} on node 2 returns the 256 bytes exactly" \
  cmp -s "$E2E_WORK/body" "$E2E_WORK/bytes.bin"
e2e_expect_eq "it is application/octet-stream with ETag = the hash" \
  "$STATUS $(header content-type) $(header etag)" \
  "200 application/octet-stream \"$want_hash\""
req GET "$GW2/data/$want_hash" -H "If-None-Match: \"$want_hash\""
e2e_expect_eq "If-None-Match with the ETag gives 304" "$STATUS" 304

json_value="hello from JSON"
req POST "$GW1/data" -H 'Content-Type: application/json' \
  -d "{\"data\": \"$(printf %s "$json_value" | base64)\"}"
e2e_expect_eq "POST /data with JSON base64 stores the decoded bytes" \
  "$STATUS $(jq -r .hash <<<"$BODY")" \
  "201 $(printf %s "$json_value" | sha256sum | cut -d' ' -f1)"
keys1_after_good=$(stored_keys "$GW1")
e2e_expect_eq "two puts stored two keys" \
  "$((keys1_after_good - keys1_before))" 2

# --- Bad input: status, error body, nothing stored. ---
# bad NAME EXPECTED_STATUS EXPECTED_CODE METHOD PATH [CURL ARGS...]
bad() {
  local what=$1 want_status=$2 want_code=$3 method=$4 path=$5
  shift 5
  req "$method" "$GW1$path" "$@"
  local got
  got="$STATUS $(jq -c '[.code, (.message | type), .details]' <<<"$BODY" 2>/dev/null)"
  e2e_expect_eq "$what -> $want_status" "$got" \
    "$want_status [$want_code,\"string\",[]]"
}
head -c $((3 << 20)) /dev/zero >"$E2E_WORK/big.bin"
head -c $((1536 << 10)) /dev/urandom >"$E2E_WORK/toolarge.bin"
J=(-H 'Content-Type: application/json')
bad "malformed JSON" 400 3 POST /data "${J[@]}" -d '{"data":'
bad "wrong type" 400 3 POST /data "${J[@]}" -d '{"data": 5}'
bad "bad base64" 400 3 POST /data "${J[@]}" -d '{"data": "!!not base64!!"}'
bad "unknown field" 400 3 POST /data "${J[@]}" -d '{"dta": "aGk="}'
bad "empty object" 400 3 POST /data "${J[@]}" -d '{}'
bad "body over the gateway's limit" 413 8 POST /data \
  -H 'Content-Type: application/octet-stream' --data-binary "@$E2E_WORK/big.bin"
bad "value over 1 MiB" 429 8 POST /data \
  -H 'Content-Type: application/octet-stream' \
  --data-binary "@$E2E_WORK/toolarge.bin"
bad "malformed hash" 400 3 GET /data/not-a-hash
bad "bad Grpc-Timeout" 400 3 GET /network/stats -H 'Grpc-Timeout: soon'
bad "unknown query parameter" 400 3 GET "/network/peers?healty=true"
bad "bad boolean" 400 3 GET "/network/peers?healthy=maybe"
bad "unknown route" 404 5 GET /no/such/route
bad "wrong method" 405 12 DELETE /data
e2e_expect_eq "405 names the allowed method" "$(header allow)" "POST"
req GET "$GW1/data/$(printf '0%.0s' {1..64})"
e2e_expect_eq "unknown hash -> 404 with the seed's message" "$STATUS $BODY" \
  '404 {"code":5,"message":"Data not found","details":[]}'
e2e_expect_eq "no bad request stored anything" \
  "$(stored_keys "$GW1")" "$keys1_after_good"

# --- Operations endpoints. ---
req GET "$GW1/metrics"
e2e_check "/metrics counts requests by route and code" e2e_has "$BODY" \
  'datamgmt_gateway_http_requests_total{code="201",method="POST",route="/data"} 2'
e2e_check "/metrics times backend calls" e2e_has "$BODY" \
  'datamgmt_gateway_backend_call_duration_seconds_count{method="datamgmt.dht.v1.DhtService.GetData"}'
req GET "$GW1/openapi.json"
e2e_expect_eq "/openapi.json documents the seed's routes" \
  "$(jq -c '[.swagger, (.paths | has("/network/stats")), (.paths | has("/data/{hash}"))]' <<<"$BODY")" \
  '["2.0",true,true]'

# --- A backend that is down: 503 at once, and /readyz says so. ---
e2e_stop pm1 KILL
start=$SECONDS
bad "peer-manager down" 503 14 GET /network/peers
e2e_check "the 503 came within the request timeout, not a hang" \
  test $((SECONDS - start)) -le 6
req GET "$GW1/readyz"
e2e_expect_eq "/readyz is 503 and names the unreachable backend" \
  "$STATUS $(jq -r '.backends[] | select(.status | startswith("UNREACHABLE")) | .address' <<<"$BODY")" \
  "503 127.0.0.1:${PMP[1]}"

e2e_stop gw2 TERM 15
e2e_expect_eq "SIGTERM stops the gateway with exit status 0" "$E2E_STOP_RC" 0
e2e_finish
