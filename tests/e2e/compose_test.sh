#!/usr/bin/env bash
# The container image and the Compose cluster: tools/build-image.sh builds
# datamgmt-node:e2e (offline, FROM scratch), deploy/compose/docker-compose.yml
# runs three nodes of four containers each (one network namespace per node,
# as in a Kubernetes pod) under a project name of this run, with the REST
# ports published on free host ports of 127.0.0.1 and the intervals
# shortened (exchange 3 s, re-bootstrap 2 s, health round 2 s, healthy
# window 6 s, ping timeout 1 s, prune age 60 s).
#
# Shows: the image builds and its binaries start; all 12 containers run as
# uid/gid 10001; each gateway's /readyz turns 200; every node lists the two
# others (by their Compose names, node1:8000 ...) as healthy; bytes written
# through node 1 (with the bearer token in GATEWAY_AUTH_TOKEN; 401 without)
# come back byte for byte through node 3. Then node 3 is cut
# off (`docker network disconnect`): node 1 marks it unhealthy but keeps it;
# a value is written on node 1 meanwhile; node 3 is reconnected (with its
# alias) and the network heals: node 1 finds node 3 healthy again, node 3
# finds both others healthy and reads the value written while it was away.
# node 1's known_peers.json is on its volume. Prints how long each phase took.
#
# Without a Docker engine or docker-compose it prints "SKIP compose_test:
# <reason>" and reports 0 passed, 0 failed. Everything it creates (project
# dmtest<pid>: containers, network, volumes) is removed on exit with
# `docker-compose down -v`; the image is kept, so the next run reuses it.
# Environment: E2E_KEEP=1 keeps the work dir. Needs curl and jq; E2E_BIN and
# GRPCURL are not used.
source "$(dirname "$0")/lib.sh"
E2E_NAME=compose_test
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COMPOSE_FILE="$ROOT/deploy/compose/docker-compose.yml"
IMAGE=datamgmt-node:e2e
PROJECT="dmtest$$"
N=3

skip() {
  echo "SKIP ${E2E_NAME}: $1"
  echo "${E2E_NAME}: 0 passed, 0 failed"
  exit 0
}
command -v docker >/dev/null || skip "no docker CLI"
docker info >/dev/null 2>&1 || skip "the Docker engine does not answer (docker info fails)"
if command -v docker-compose >/dev/null && docker-compose version >/dev/null 2>&1; then
  COMPOSE=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
else
  skip "docker-compose is not installed"
fi

E2E_WORK=$(mktemp -d -t "e2e-${E2E_NAME}.XXXXXX")
echo "== e2e ${E2E_NAME} (work dir ${E2E_WORK}, project ${PROJECT})"
T0=$SECONDS
UP=0

dc() { "${COMPOSE[@]}" -f "$COMPOSE_FILE" -p "$PROJECT" "$@"; }

cleanup() {
  if ((UP)); then
    if ((E2E_FAILED > 0)); then
      echo "--- container logs of ${PROJECT} (last 20 lines each)"
      timeout 60 "${COMPOSE[@]}" -f "$COMPOSE_FILE" -p "$PROJECT" logs \
        --no-color --tail=20 2>&1
    fi
    timeout 120 "${COMPOSE[@]}" -f "$COMPOSE_FILE" -p "$PROJECT" down -v \
      --timeout 10 >"$E2E_WORK/down.log" 2>&1 ||
      { echo "compose_test: 'down -v' failed:"; cat "$E2E_WORK/down.log"; }
  fi
  [[ "${E2E_KEEP:-0}" == 1 ]] || rm -rf "$E2E_WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

phase() { echo "-- $1 ($((SECONDS - T0))s)"; }

# --- The image. ---
phase "tools/build-image.sh --tag e2e"
start=$SECONDS
"$ROOT/tools/build-image.sh" --tag e2e >"$E2E_WORK/build-image.log" 2>&1
rc=$?
tail -n 1 "$E2E_WORK/build-image.log"
e2e_check "tools/build-image.sh builds $IMAGE and checks it ($((SECONDS - start))s)" \
  test "$rc" = 0
if ((rc != 0)); then
  tail -n 30 "$E2E_WORK/build-image.log"
  e2e_finish
fi

# --- The cluster. ---
declare -a REST
for ((i = 1; i <= N; i++)); do e2e_free_port "REST[$i]"; done
export DATAMGMT_IMAGE=$IMAGE
export NODE1_REST_PORT=${REST[1]} NODE2_REST_PORT=${REST[2]} NODE3_REST_PORT=${REST[3]}
export PEER_EXCHANGE_INTERVAL=3s REBOOTSTRAP_DELAY=2s HEALTH_CHECK_INTERVAL=2s
export HEALTH_RESPONSE_WINDOW=6s PING_TIMEOUT=1s PRUNE_AGE=60s
GATEWAY_AUTH_TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export GATEWAY_AUTH_TOKEN  # the gateways' bearer token for writes
AUTH=(-H "Authorization: Bearer $GATEWAY_AUTH_TOKEN")

phase "docker-compose up"
UP=1
dc up -d >"$E2E_WORK/up.log" 2>&1
rc=$?
e2e_check "docker-compose up -d starts the cluster" test "$rc" = 0
((rc == 0)) || { tail -n 30 "$E2E_WORK/up.log"; e2e_finish; }

mapfile -t containers < <(dc ps -q)
running=0
for c in "${containers[@]}"; do
  [[ $(docker inspect -f '{{.State.Running}}' "$c" 2>/dev/null) == true ]] &&
    running=$((running + 1))
done
e2e_expect_eq "12 containers run (4 per node)" "$running/${#containers[@]}" "12/12"

uid_of() {  # the distinct uid:gid of a container's processes
  docker top "$1" -o pid,uid,gid 2>/dev/null | awk 'NR > 1 { print $2 ":" $3 }' |
    sort -u | tr '\n' ' '
}
bad_uid=
for c in "${containers[@]}"; do
  u=$(uid_of "$c")
  [[ $u == "10001:10001 " ]] || bad_uid+="$(docker inspect -f '{{.Name}}' "$c")=${u:-?} "
done
e2e_expect_eq "every container's process runs as uid:gid 10001:10001" \
  "${bad_uid:-none}" "none"

GW() { echo "http://127.0.0.1:${REST[$1]}"; }
# req METHOD URL [CURL ARGS...]: sets STATUS and BODY ($E2E_WORK/body).
req() {
  local method=$1 url=$2
  shift 2
  STATUS=$(curl -s -m 10 -X "$method" -o "$E2E_WORK/body" -w '%{http_code}' \
    "$@" "$url")
  BODY=$(tr -d '\000' <"$E2E_WORK/body" 2>/dev/null)  # NULs dropped; binary bodies: cmp the file
}
ready() { req GET "$(GW "$1")/readyz" && [[ "$STATUS" == 200 ]]; }

phase "readiness"
for ((i = 1; i <= N; i++)); do
  e2e_poll 60 ready "$i"
  ready "$i"
  e2e_expect_eq "node $i's gateway is ready on 127.0.0.1:${REST[$i]} (3 backends SERVING)" \
    "$STATUS $(jq -c '[.backends[].status] | unique' <<<"$BODY" 2>/dev/null)" \
    '200 ["SERVING"]'
done

# peers_of I [true]: the addresses node I lists, sorted, space-separated.
peers_of() {
  local q=
  [[ ${2:-} == true ]] && q='?healthy=true'
  curl -s -m 5 "$(GW "$1")/network/peers$q" 2>/dev/null |
    jq -r '.peers[]?.address' 2>/dev/null | sort | tr '\n' ' '
}
others_of() {
  local j
  for ((j = 1; j <= N; j++)); do [[ $j -ne $1 ]] && echo "node$j:8000"; done |
    tr '\n' ' '
}
lists_others() { [[ "$(peers_of "$1" "${2:-}")" == "$(others_of "$1")" ]]; }

phase "discovery"
for ((i = 1; i <= N; i++)); do
  e2e_poll 30 lists_others "$i" true
  e2e_expect_eq "node $i lists the two others as healthy" \
    "$(peers_of "$i" true)" "$(others_of "$i")"
done

phase "data across nodes"
{
  for ((b = 0; b < 256; b++)); do printf "\\x$(printf %02x $b)"; done
  head -c 4096 /dev/urandom
} >"$E2E_WORK/value1.bin"
hash1=$(sha256sum "$E2E_WORK/value1.bin" | cut -d' ' -f1)
req POST "$(GW 1)/data" -H 'Content-Type: application/octet-stream' \
  --data-binary "@$E2E_WORK/value1.bin"
e2e_expect_eq "POST /data without the bearer token -> 401" "$STATUS" 401
req POST "$(GW 1)/data" "${AUTH[@]}" -H 'Content-Type: application/octet-stream' \
  --data-binary "@$E2E_WORK/value1.bin"
e2e_expect_eq "POST /data on node 1 stores 4352 bytes (201, hash)" \
  "$STATUS $(jq -r '"\(.hash) \(.size)"' <<<"$BODY" 2>/dev/null)" "201 $hash1 4352"
req GET "$(GW 3)/data/$hash1"
e2e_check "GET /data/{hash} on node 3 returns them byte for byte" \
  cmp -s "$E2E_WORK/body" "$E2E_WORK/value1.bin"

# --- Node 3 cut off and back. ---
c3=$(dc ps -q node3)
mapfile -t nets < <(docker inspect -f \
  '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{"\n"}}{{end}}' "$c3" |
  sed '/^$/d')
e2e_expect_eq "node 3 is on one network, the project's" \
  "${nets[*]}" "${PROJECT}_datamgmt"
net=${nets[0]:-${PROJECT}_datamgmt}

phase "disconnect node 3"
cut=$SECONDS
docker network disconnect "$net" "$c3" >"$E2E_WORK/net.log" 2>&1
e2e_check "docker network disconnect takes node 3 off the network" test $? = 0
not_healthy_on_1() { [[ "$(peers_of 1 true)" == "node2:8000 " ]]; }
e2e_poll 30 not_healthy_on_1
e2e_expect_eq "node 1 marks node 3 unhealthy ($((SECONDS - cut))s after the cut)" \
  "$(peers_of 1 true)" "node2:8000 "
e2e_expect_eq "node 1 still lists node 3 (prune age 60 s)" \
  "$(peers_of 1)" "$(others_of 1)"

printf 'written on node 1 while node 3 was away, %s\n' "$(date +%s%N)" \
  >"$E2E_WORK/value2.bin"
hash2=$(sha256sum "$E2E_WORK/value2.bin" | cut -d' ' -f1)
req POST "$(GW 1)/data" "${AUTH[@]}" -H 'Content-Type: application/octet-stream' \
  --data-binary "@$E2E_WORK/value2.bin"
e2e_expect_eq "POST /data on node 1 works while node 3 is away" \
  "$STATUS $(jq -r .hash <<<"$BODY" 2>/dev/null)" "201 $hash2"

phase "reconnect node 3 ($((SECONDS - cut))s after the cut)"
healed=$SECONDS
docker network connect --alias node3 "$net" "$c3" >"$E2E_WORK/net.log" 2>&1
e2e_check "docker network connect --alias node3 brings it back" test $? = 0
e2e_poll 60 lists_others 1 true
e2e_expect_eq "node 1 finds node 3 healthy again ($((SECONDS - healed))s after reconnecting)" \
  "$(peers_of 1 true)" "$(others_of 1)"
e2e_poll 60 lists_others 3 true
e2e_expect_eq "node 3 finds nodes 1 and 2 healthy again ($((SECONDS - healed))s)" \
  "$(peers_of 3 true)" "$(others_of 3)"
reads_value2() {
  req GET "$(GW 3)/data/$hash2" && [[ $STATUS == 200 ]] &&
    cmp -s "$E2E_WORK/body" "$E2E_WORK/value2.bin"
}
e2e_poll 30 reads_value2
e2e_check "node 3 reads the value written while it was away, byte for byte" \
  reads_value2

# known_peers.json lives on node 1's volume (docker cp needs no shell).
known_of_1() {
  docker cp "$(dc ps -q node1):/data/known_peers.json" - 2>/dev/null |
    tar -xO 2>/dev/null | jq -r 'keys[]' 2>/dev/null | sort | tr '\n' ' '
}
knows_both() { [[ "$(known_of_1)" == "$(others_of 1)" ]]; }
e2e_poll 15 knows_both
e2e_expect_eq "node 1's /data/known_peers.json (its volume) lists both others" \
  "$(known_of_1)" "$(others_of 1)"

phase "done"
e2e_finish
