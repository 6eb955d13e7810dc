#!/usr/bin/env bash
# The REST gateway's bearer token and TLS with real processes: one node
# (dht-service, peer-manager, health-monitor) behind three gateways on
# loopback: auth on over plain HTTP, auth on over HTTPS (a throwaway
# self-signed P-256 certificate made here with openssl), and --auth=off.
#
# Shows: a write without the token, or with a wrong one, is 401 with
# WWW-Authenticate: Bearer and {"code":16,...} and stores nothing (GET of its
# hash stays 404); with the token it is 201; reads, /healthz, /readyz and
# /metrics need no token; the administrative routes need it; /metrics counts
# the 401s; the token never appears in a log. Over HTTPS, curl --cacert
# works, a plain-HTTP request to the TLS port gets no HTTP answer and stores
# nothing, TLS 1.1 is refused. --auth=off lets writes through and says so at
# start. Misconfigurations (no token, half a TLS pair, a key of another
# certificate) exit 2 with a message saying what to do.
source "$(dirname "$0")/lib.sh"
e2e_init gateway_auth_test
e2e_gateway_token

DHT="$E2E_BIN/services/dht/dht-service"
PM="$E2E_BIN/services/peer_manager/peer-manager"
HM="$E2E_BIN/services/health_monitor/health-monitor"
GW="$E2E_BIN/gateway/gateway"
for var in P2P API PMP HMP GWP TLSP OFFP; do e2e_free_port "$var"; done
dir="$E2E_WORK/node"
mkdir -p "$dir"
e2e_start dht "$DHT" --p2p_listen_host=127.0.0.1 --p2p_port="$P2P" \
  --advertise_address="127.0.0.1:$P2P" --api_port="$API" --data_dir="$dir" \
  --peer_manager_address="127.0.0.1:$PMP" --rpc_timeout=1s
e2e_start pm "$PM" --port="$PMP" --data_dir="$dir" \
  --dht_api_address="127.0.0.1:$API" --rpc_timeout=1s
e2e_start hm "$HM" --port="$HMP" --peer_manager_address="127.0.0.1:$PMP" \
  --dht_api_address="127.0.0.1:$API" --check_interval=60s

# A throwaway certificate for 127.0.0.1, and one whose key belongs elsewhere.
cert() {  # cert NAME: $E2E_WORK/NAME.crt and NAME.key
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$E2E_WORK/$1.key" -out "$E2E_WORK/$1.crt" 2>/dev/null
}
cert tls && cert other
e2e_check "openssl made a self-signed P-256 certificate for 127.0.0.1" \
  test -s "$E2E_WORK/tls.crt" -a -s "$E2E_WORK/tls.key"

BACKENDS=(--dht_api_address="127.0.0.1:$API"
  --peer_manager_address="127.0.0.1:$PMP"
  --health_monitor_address="127.0.0.1:$HMP" --request_timeout=5s)
e2e_start gw "$GW" --port="$GWP" "${BACKENDS[@]}" \
  --auth_token_file="$E2E_GW_TOKEN_FILE"
GATEWAY_TLS_CERT_FILE="$E2E_WORK/tls.crt" GATEWAY_TLS_KEY_FILE="$E2E_WORK/tls.key" \
  GATEWAY_AUTH_TOKEN="$E2E_GW_TOKEN" e2e_start gwtls "$GW" --port="$TLSP" \
  "${BACKENDS[@]}"
e2e_start gwoff "$GW" --port="$OFFP" "${BACKENDS[@]}" --auth=off

PLAIN="http://127.0.0.1:$GWP"
TLS="https://127.0.0.1:$TLSP"
OFF="http://127.0.0.1:$OFFP"
CA=(--cacert "$E2E_WORK/tls.crt")
AUTH=("${E2E_GW_AUTH[@]}")
OCTETS=(-H 'Content-Type: application/octet-stream')

# req METHOD URL [CURL ARGS...]: sets STATUS (000: no HTTP answer), BODY and
# HEADERS.
req() {
  local method=$1 url=$2
  shift 2
  rm -f "$E2E_WORK/body" "$E2E_WORK/headers"
  STATUS=$(curl -s -m 10 -X "$method" -o "$E2E_WORK/body" \
    -D "$E2E_WORK/headers" -w '%{http_code}' "$@" "$url")
  BODY=$(cat "$E2E_WORK/body" 2>/dev/null)
  HEADERS=$(tr -d '\r' <"$E2E_WORK/headers" 2>/dev/null)
}
header() { grep -i "^$1:" <<<"$HEADERS" | head -1 | cut -d' ' -f2-; }
ready() { req GET "$1/readyz" "${@:2}" && [[ "$STATUS" == 200 ]]; }
# Ready three times in a row: a gateway round-robins over two channels per
# backend, and one that met its backend not yet listening fails fast for
# about a second of reconnect backoff (/readyz can answer 200, then 503).
ready3() { ready "$@" && ready "$@" && ready "$@"; }
e2e_check "the token gateway is ready (its /readyz needs no token)" \
  e2e_poll 30 ready3 "$PLAIN"
e2e_check "the TLS gateway is ready over https with curl --cacert" \
  e2e_poll 30 ready3 "$TLS" "${CA[@]}"
e2e_poll 30 ready3 "$OFF"

printf 'written without a token %s\n' "$RANDOM$RANDOM" >"$E2E_WORK/v1"
h1=$(sha256sum "$E2E_WORK/v1" | cut -d' ' -f1)
# status_of JSON: [code, message type, details] of a google.rpc.Status body.
status_of() { jq -c '[.code, (.message | type), .details]' <<<"$1" 2>/dev/null; }

# --- Plain HTTP, auth on. ---
req POST "$PLAIN/data" "${OCTETS[@]}" --data-binary "@$E2E_WORK/v1"
e2e_expect_eq "POST /data without a token -> 401 UNAUTHENTICATED (google.rpc.Status)" \
  "$STATUS $(status_of "$BODY")" '401 [16,"string",[]]'
e2e_expect_eq "... with WWW-Authenticate: Bearer" \
  "$(header www-authenticate)" 'Bearer realm="datamgmt-gateway"'
req GET "$PLAIN/data/$h1"
e2e_expect_eq "... and nothing was stored: GET of its hash -> 404" "$STATUS" 404

req POST "$PLAIN/data" "${OCTETS[@]}" --data-binary "@$E2E_WORK/v1" \
  -H "Authorization: Bearer not-the-token"
e2e_expect_eq "POST /data with a wrong token -> 401 invalid_token" \
  "$STATUS $(header www-authenticate)" \
  '401 Bearer realm="datamgmt-gateway", error="invalid_token"'
req POST "$PLAIN/data" "${OCTETS[@]}" --data-binary "@$E2E_WORK/v1" \
  -H "Authorization: Bearer ${E2E_GW_TOKEN}0"
e2e_expect_eq "POST /data with the token plus one character -> 401" "$STATUS" 401
req POST "$PLAIN/data" "${OCTETS[@]}" --data-binary "@$E2E_WORK/v1" \
  -H "Authorization: Basic $E2E_GW_TOKEN"
e2e_expect_eq "POST /data with the token under another scheme -> 401" "$STATUS" 401
req GET "$PLAIN/data/$h1"
e2e_expect_eq "still nothing stored after the refused writes" "$STATUS" 404

req POST "$PLAIN/data" "${OCTETS[@]}" --data-binary "@$E2E_WORK/v1" "${AUTH[@]}"
e2e_expect_eq "POST /data with the token -> 201 and the hash" \
  "$STATUS $(jq -r .hash <<<"$BODY" 2>/dev/null)" "201 $h1"
req GET "$PLAIN/data/$h1"
e2e_check "GET /data/{hash} needs no token and returns the bytes" \
  eval '[[ $STATUS == 200 ]] && cmp -s "$E2E_WORK/body" "$E2E_WORK/v1"'
req POST "$PLAIN/data" "${OCTETS[@]}" --data-binary "@$E2E_WORK/v1" \
  -H "Authorization: bearer    $E2E_GW_TOKEN"
e2e_expect_eq "the scheme is case-insensitive and extra spaces are fine" "$STATUS" 201
req GET "$PLAIN/network/stats"
e2e_expect_eq "GET /network/stats needs no token" "$STATUS" 200
req GET "$PLAIN/healthz"
e2e_expect_eq "/healthz needs no token" "$STATUS $BODY" '200 {"status":"ok"}'

req POST "$PLAIN/v1/peers" -H 'Content-Type: application/json' \
  -d "{\"address\": \"127.0.0.1:$P2P\"}"
e2e_expect_eq "administrative: POST /v1/peers (AddPeer) without a token -> 401" "$STATUS" 401
req DELETE "$PLAIN/v1/peers/127.0.0.1:1"
e2e_expect_eq "administrative: DELETE /v1/peers/{address} without a token -> 401" "$STATUS" 401
req POST "$PLAIN/v1/health-monitor:runCheck" -H 'Content-Type: application/json' -d '{}'
e2e_expect_eq "administrative: POST /v1/health-monitor:runCheck without a token -> 401" "$STATUS" 401
req POST "$PLAIN/v1/health-monitor:runCheck" -H 'Content-Type: application/json' \
  -d '{}' "${AUTH[@]}"
e2e_expect_eq "... and with the token it runs (200)" "$STATUS" 200
req POST "$PLAIN/no/such/route"
e2e_expect_eq "a write to an unknown route is 401 too (no route discovery)" "$STATUS" 401

req GET "$PLAIN/metrics"
e2e_check "/metrics needs no token and counts the 401s by route" e2e_has "$BODY" \
  'datamgmt_gateway_http_requests_total{code="401",method="POST",route="/data"} 4'
e2e_check "/metrics counts missing and invalid tokens" eval \
  'e2e_has "$BODY" "datamgmt_gateway_auth_failures_total{reason=\"invalid\"} 2" &&
   e2e_has "$BODY" "datamgmt_gateway_auth_failures_total{reason=\"missing\"} 6"'

# --- HTTPS, auth on. ---
printf 'written over TLS %s\n' "$RANDOM$RANDOM" >"$E2E_WORK/v2"
h2=$(sha256sum "$E2E_WORK/v2" | cut -d' ' -f1)
req POST "http://127.0.0.1:$TLSP/data" "${OCTETS[@]}" \
  --data-binary "@$E2E_WORK/v2" "${AUTH[@]}"
e2e_expect_eq "plain HTTP to the TLS port gets no HTTP answer" "$STATUS" 000
req GET "$TLS/data/$h2" "${CA[@]}"
e2e_expect_eq "... and stored nothing (GET over https -> 404)" "$STATUS" 404
req POST "$TLS/data" "${CA[@]}" "${OCTETS[@]}" --data-binary "@$E2E_WORK/v2"
e2e_expect_eq "POST over https without a token -> 401" "$STATUS" 401
req POST "$TLS/data" "${CA[@]}" "${OCTETS[@]}" --data-binary "@$E2E_WORK/v2" \
  "${AUTH[@]}"
e2e_expect_eq "POST over https with the token (GATEWAY_AUTH_TOKEN) -> 201" \
  "$STATUS $(jq -r .hash <<<"$BODY" 2>/dev/null)" "201 $h2"
req GET "$TLS/data/$h2" "${CA[@]}"
e2e_check "GET over https returns the bytes" \
  eval '[[ $STATUS == 200 ]] && cmp -s "$E2E_WORK/body" "$E2E_WORK/v2"'
req GET "$TLS/healthz"
e2e_expect_eq "a client that does not trust the certificate gets nothing" "$STATUS" 000
req GET "$TLS/healthz" "${CA[@]}" --tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT:@SECLEVEL=0'
e2e_expect_eq "TLS 1.1 is refused" "$STATUS" 000
req GET "$TLS/healthz" "${CA[@]}" --tlsv1.2 --tls-max 1.2
e2e_expect_eq "TLS 1.2 is served" "$STATUS" 200

# --- --auth=off. ---
printf 'written with auth off %s\n' "$RANDOM$RANDOM" >"$E2E_WORK/v3"
req POST "$OFF/data" "${OCTETS[@]}" --data-binary "@$E2E_WORK/v3"
e2e_expect_eq "--auth=off: POST /data without a token -> 201" "$STATUS" 201
e2e_check "--auth=off warns at start" \
  grep -qF -- "--auth=off: writes and administrative calls need no token" \
  "$E2E_WORK/logs/gwoff.log"
e2e_check "the token gateways log their mode at start" \
  grep -qF "auth token for writes and administrative calls" "$E2E_WORK/logs/gw.log"

# --- Refusals at start: exit 2 and a message saying what to do. ---
# start_fails NAME WANT_TEXT [ENV=VALUE...] -- ARGS...: the gateway exits 2
# within 10 s, its stderr containing WANT_TEXT.
start_fails() {
  local name=$1 want=$2 envs=() rc
  shift 2
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" timeout 10 "$GW" --port=0 "${BACKENDS[@]}" "$@" \
    >"$E2E_WORK/logs/$name.log" 2>&1
  rc=$?
  [[ $rc == 2 ]] && grep -qF -- "$want" "$E2E_WORK/logs/$name.log" ||
    { echo "  (exit $rc: $(head -c 300 "$E2E_WORK/logs/$name.log"))"; return 1; }
}
e2e_check "no token with auth on (the default): exit 2, naming --auth_token_file and --auth=off" \
  eval 'start_fails notoken "pass --auth_token_file=FILE" -- &&
        grep -qF -- "--auth=off" "$E2E_WORK/logs/notoken.log"'
e2e_check "a certificate without a key: exit 2" \
  start_fails halftls "only --tls_cert_file is set" -- --auth=off \
  --tls_cert_file="$E2E_WORK/tls.crt"
e2e_check "a key of another certificate: exit 2" \
  start_fails mismatch "does not match the certificate" -- --auth=off \
  --tls_cert_file="$E2E_WORK/tls.crt" --tls_key_file="$E2E_WORK/other.key"
e2e_check "an unreadable token file: exit 2, naming it" \
  start_fails nofile "$E2E_WORK/missing.token" -- \
  --auth_token_file="$E2E_WORK/missing.token"

for g in gw gwtls gwoff; do
  e2e_stop "$g" TERM 15
  e2e_expect_eq "SIGTERM stops $g with exit status 0" "$E2E_STOP_RC" 0
done
e2e_check "the token appears in no log" \
  eval '! grep -rqF -- "$E2E_GW_TOKEN" "$E2E_WORK/logs"'
e2e_finish
