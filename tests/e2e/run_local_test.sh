#!/usr/bin/env bash
# tools/run-local.sh end to end: a two-node local network started, used and
# stopped the way a developer would, with the binaries of E2E_BIN (--bin, so
# nothing is built here) and a state dir in the work dir.
#
# Shows:
#   1. --detach returns 0 only once both nodes are ready (/readyz 200 at
#      once), prints the endpoints, and leaves the network running in its own
#      sessions; network.json lists both nodes with the port layout, log
#      files and live PIDs;
#   2. node 2 bootstraps from node 1 (INITIAL_PEERS), both list each other in
#      /network/peers, and data posted on node 1 (with the bearer token
#      run-local made; 401 without it) is read from node 2;
#   3. the environment reaches every process (HEALTH_CHECK_INTERVAL=2s) and
#      --dht-flag reaches dht-service (--max_value_size=1000: 2000 bytes get
#      429, 500 bytes 201);
#   4. a second start on the same state dir, a start on taken ports and bad
#      options all fail with a clear message and start nothing;
#   5. `stop` stops every PID (exit 0), and again finds nothing to stop;
#   6. in the foreground, a process that dies is reported, and SIGINT stops
#      every process and exits 0.
source "$(dirname "$0")/lib.sh"
e2e_init run_local_test

RUN_LOCAL="$(cd "$(dirname "$0")/../.." && pwd)/tools/run-local.sh"
NET="$E2E_WORK/localnet"       # the detached network's state dir
FG="$E2E_WORK/localnet-fg"     # the foreground network's
FG_PID=""
export PEER_EXCHANGE_INTERVAL=3s HEALTH_CHECK_INTERVAL=2s REBOOTSTRAP_DELAY=2s
unset GATEWAY_AUTH_TOKEN  # run-local then makes the state dir's token file

# alive PID: the process exists and has not exited (a zombie has exited).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat:0:1}" != Z ]]
}
# Lines "PROCESS PID" of STATE_DIR/network.json.
procs_of() {
  jq -r '.nodes[].pids | to_entries[] | "\(.key) \(.value)"' \
    "$1/network.json" 2>/dev/null
}
pids_of() { procs_of "$1" | cut -d' ' -f2; }
none_alive() {
  local p
  for p in "$@"; do alive "$p" && return 1; done
  return 0
}

# Stops, by PID, whatever the test left running: the foreground run-local
# (which stops its network), then every recorded process still running the
# program network.json names. Runs before lib.sh's cleanup.
rl_cleanup() {
  local dir proc pid deadline
  local -a left=()
  if [[ -n "$FG_PID" ]] && alive "$FG_PID"; then
    kill -TERM "$FG_PID" 2>/dev/null
    deadline=$((SECONDS + 25))
    while alive "$FG_PID" && ((SECONDS < deadline)); do e2e_pause; done
  fi
  for dir in "$NET" "$FG"; do
    while read -r proc pid; do
      [[ -n "$pid" ]] && alive "$pid" &&
        [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$proc" ]] && left+=("$pid")
    done < <(procs_of "$dir")
  done
  if ((${#left[@]} > 0)); then
    echo "run_local_test: stopping leftover processes ${left[*]}" >&2
    kill -TERM "${left[@]}" 2>/dev/null
    deadline=$((SECONDS + 15))
    while ! none_alive "${left[@]}" && ((SECONDS < deadline)); do e2e_pause; done
    for pid in "${left[@]}"; do alive "$pid" && kill -KILL "$pid" 2>/dev/null; done
  fi
  if ((E2E_FAILED > 0)); then
    for dir in "$NET" "$FG"; do
      for f in "$dir"/logs/node*.log; do
        [[ -f "$f" ]] && { echo "--- $f"; tail -n 15 "$f"; }
      done
    done
  fi
}
trap 'rl_cleanup; e2e_cleanup' EXIT

# ports_free BASE: no socket, in any state, holds a port of the two-node
# layout from BASE.
ports_free() {
  local base=$1 o p in_use
  in_use=$(awk 'FNR > 1 { split($2, a, ":"); print a[2] }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u |
    while read -r hex; do [[ -n "$hex" ]] && echo $((16#$hex)); done)
  for o in 0 10; do
    for p in $((base + o)) $((base + 1000 + o)) $((base + 1001 + o)) \
      $((base + 1002 + o)) $((base + 81 + o)); do
      grep -qx "$p" <<<"$in_use" && return 1
    done
  done
  return 0
}
# pick_base VAR: a base port whose two-node layout is free and below the
# kernel's ephemeral range.
pick_base() {
  local -n base_out=$1
  local b tries=0 ephemeral
  read -r ephemeral _ </proc/sys/net/ipv4/ip_local_port_range
  while ((tries++ < 100)); do
    e2e_free_port b || return 1
    ((b + 1012 < ephemeral)) && ports_free "$b" && { base_out=$b; return 0; }
  done
  echo "run_local_test: no free base port" >&2
  return 1
}

code() { curl -s --noproxy '*' -m 5 -o /dev/null -w '%{http_code}' "$1"; }

# start_detached: starts the detached network on a free base port, retrying
# with another base (at most 3 times) only if a port was taken in between.
# Sets B, RC and OUT.
OUT="$E2E_WORK/logs/run-local-start.log"
for attempt in 1 2 3; do
  pick_base B || break
  start=$SECONDS
  "$RUN_LOCAL" --nodes 2 --base-port "$B" --detach --state-dir "$NET" \
    --bin "$E2E_BIN" --dht-flag=--max_value_size=1000 \
    --gw-flag=--access_log=false >"$OUT" 2>&1
  RC=$?
  took=$((SECONDS - start))
  ((RC != 0)) && grep -qE 'is in use|already in use|cannot listen' "$OUT" &&
    ((attempt < 3)) && { "$RUN_LOCAL" stop --state-dir "$NET" >/dev/null; continue; }
  break
done
GW1="http://127.0.0.1:$((B + 81))"
GW2="http://127.0.0.1:$((B + 91))"

# --- 1. Detached start. ---
e2e_expect_eq "--detach exits 0 (in ${took} s)" "$RC" 0
e2e_expect_eq "both gateways' /readyz answer 200 the moment it returns" \
  "$(code "$GW1/readyz") $(code "$GW2/readyz")" "200 200"
e2e_check "it prints each node's REST endpoint, the logs and how to stop" \
  eval 'e2e_has "$(cat "$OUT")" "$GW1" && e2e_has "$(cat "$OUT")" "$GW2" &&
        e2e_has "$(cat "$OUT")" "logs/node<I>-<process>.log" &&
        e2e_has "$(cat "$OUT")" "run-local.sh stop --state-dir"'
e2e_expect_eq "network.json: node 1 and 2 with the port layout" \
  "$(jq -c '[.base_port, .ready, (.nodes[] | [.node, .rest, .p2p, .dht_api,
      .peer_manager, .health_monitor])]' "$NET/network.json" 2>&1)" \
  "[$B,true,[1,\"$GW1\",\"127.0.0.1:$B\",\"127.0.0.1:$((B + 1000))\",\"127.0.0.1:$((B + 1001))\",\"127.0.0.1:$((B + 1002))\"],[2,\"$GW2\",\"127.0.0.1:$((B + 10))\",\"127.0.0.1:$((B + 1010))\",\"127.0.0.1:$((B + 1011))\",\"127.0.0.1:$((B + 1012))\"]]"
e2e_expect_eq "network.json: data dirs and log files under the state dir" \
  "$(jq -c '[.nodes[] | .data_dir, .logs["dht-service"], .logs.gateway]' \
      "$NET/network.json" 2>&1)" \
  "[\"$NET/node1\",\"$NET/logs/node1-dht-service.log\",\"$NET/logs/node1-gateway.log\",\"$NET/node2\",\"$NET/logs/node2-dht-service.log\",\"$NET/logs/node2-gateway.log\"]"
e2e_check "every log file exists and both data dirs hold a node" \
  eval '[[ $(jq -r ".nodes[].logs[]" "$NET/network.json" | xargs -r ls 2>/dev/null | wc -l) == 8 ]] &&
        compgen -G "$NET/node1/*" >/dev/null && compgen -G "$NET/node2/*" >/dev/null'

# Each recorded PID runs the program it is recorded as, in its own session.
procs_ok() {
  local proc pid n=0 stat
  while read -r proc pid; do
    alive "$pid" || return 1
    [[ "$(cat "/proc/$pid/comm")" == "$proc" ]] || return 1
    stat=$(cat "/proc/$pid/stat")
    read -r _ _ _ sid _ <<<"${stat##*) }"
    [[ "$sid" == "$pid" ]] || return 1
    n=$((n + 1))
  done < <(procs_of "$NET")
  ((n == 8))
}
e2e_check "network.json's 8 PIDs run, each its own session leader (setsid)" procs_ok
mapfile -t PIDS < <(pids_of "$NET")
pid_of() {  # pid_of NODE PROCESS
  jq -r --arg p "$2" ".nodes[$(($1 - 1))].pids[\$p]" "$NET/network.json"
}
environ_of() { tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null; }
e2e_expect_eq "peer-manager 2 has INITIAL_PEERS=node 1, peer-manager 1 none" \
  "$(environ_of "$(pid_of 2 peer-manager)" | grep '^INITIAL_PEERS=') | $(environ_of "$(pid_of 1 peer-manager)" | grep '^INITIAL_PEERS=')" \
  "INITIAL_PEERS=127.0.0.1:$B | INITIAL_PEERS="

# --- 2. Bootstrap and data. ---
lists_peer() {
  curl -s --noproxy '*' -m 5 "$1/network/peers" |
    jq -e --arg a "$2" '[.peers[].address] | index($a) != null' >/dev/null
}
e2e_poll 30 lists_peer "$GW1" "127.0.0.1:$((B + 10))"
e2e_check "node 1's /network/peers lists node 2" lists_peer "$GW1" "127.0.0.1:$((B + 10))"
e2e_poll 30 lists_peer "$GW2" "127.0.0.1:$B"
e2e_check "node 2's /network/peers lists node 1 (its bootstrap peer)" \
  lists_peer "$GW2" "127.0.0.1:$B"

head -c 500 /dev/urandom >"$E2E_WORK/small.bin"
head -c 2000 /dev/urandom >"$E2E_WORK/big.bin"
hash=$(sha256sum "$E2E_WORK/small.bin" | cut -d' ' -f1)
TOKEN=$(head -n 1 "$NET/gateway.token" 2>/dev/null)
e2e_check "run-local made a bearer token (mode 600) and printed its curl header" \
  eval '[[ ${#TOKEN} == 64 && $(stat -c %a "$NET/gateway.token") == 600 ]] &&
        grep -qF "Authorization: Bearer" "$OUT"'
post() {
  curl -s --noproxy '*' -m 20 -o "$E2E_WORK/post.json" -w '%{http_code}' \
    -H 'Content-Type: application/octet-stream' --data-binary "@$1" "${@:2}" \
    "$GW1/data"
}
e2e_expect_eq "POST /data without the token -> 401" \
  "$(post "$E2E_WORK/small.bin")" 401
e2e_expect_eq "POST /data of 500 bytes on node 1 -> 201 with its hash" \
  "$(post "$E2E_WORK/small.bin" -H "Authorization: Bearer $TOKEN") $(jq -r .hash "$E2E_WORK/post.json" 2>/dev/null)" \
  "201 $hash"
curl -s --noproxy '*' -m 20 -o "$E2E_WORK/got.bin" "$GW2/data/$hash"
e2e_check "GET /data/{hash} on node 2 returns the same 500 bytes" \
  cmp -s "$E2E_WORK/got.bin" "$E2E_WORK/small.bin"

# --- 3. The environment and --dht-flag reach the processes. ---
e2e_expect_eq "--dht-flag=--max_value_size=1000: 2000 bytes -> 429" \
  "$(post "$E2E_WORK/big.bin" -H "Authorization: Bearer $TOKEN") $(jq -c .code "$E2E_WORK/post.json" 2>/dev/null)" "429 8"
e2e_check "--dht-flag is on dht-service's command line" \
  grep -qF -- --max_value_size=1000 "/proc/$(pid_of 2 dht-service)/cmdline"
e2e_check "HEALTH_CHECK_INTERVAL=2s from the environment reached health-monitor" \
  grep -qF "round every 2s" "$NET/logs/node2-health-monitor.log"

# --- 4. Refusals. ---
cp "$NET/network.json" "$E2E_WORK/network.json.before"
pick_base B2
"$RUN_LOCAL" --nodes 2 --base-port "$B2" --detach --state-dir "$NET" \
  --bin "$E2E_BIN" >"$E2E_WORK/logs/run-local-again.log" 2>&1
rc=$?
again=$(cat "$E2E_WORK/logs/run-local-again.log")
e2e_check "a second start on the same state dir fails, saying it still runs" \
  eval '((rc == 1)) && e2e_has "$again" "is still running" &&
        e2e_has "$again" "run-local.sh stop --state-dir"'
e2e_check "... and starts nothing (network.json unchanged, its ports free)" \
  eval 'cmp -s "$NET/network.json" "$E2E_WORK/network.json.before" &&
        ports_free "$B2"'

"$RUN_LOCAL" --nodes 1 --base-port "$B" --detach --state-dir "$E2E_WORK/other" \
  --bin "$E2E_BIN" >"$E2E_WORK/logs/run-local-taken.log" 2>&1
rc=$?
taken=$(cat "$E2E_WORK/logs/run-local-taken.log")
e2e_check "a start on taken ports fails naming the port, starting nothing" \
  eval '((rc == 1)) && e2e_has "$taken" "port $B (node 1 P2P) is in use" &&
        [[ ! -e "$E2E_WORK/other/network.json" ]]'

for bad in "--nodes 0" "--nodes 91" "--base-port 65000" "--base-port x" \
  "--frobnicate" "--dht-flag=max_value_size=5"; do
  # shellcheck disable=SC2086  # word splitting of $bad is intended
  out=$("$RUN_LOCAL" $bad --state-dir "$E2E_WORK/bad" 2>&1)
  rc=$?
  e2e_check "bad option '$bad' exits 2 with a usage message" \
    eval '((rc == 2)) && e2e_has "$out" "Usage: " && [[ ! -e "$E2E_WORK/bad" ]]'
done

out=$("$RUN_LOCAL" status --state-dir "$NET" 2>&1)
rc=$?
e2e_check "status: exit 0, 8 processes running, both nodes ready" \
  eval '((rc == 0)) && [[ $(grep -c " running$" <<<"$out") == 8 &&
        $(grep -c "/readyz 200$" <<<"$out") == 2 ]]'

# --- 5. stop. ---
start=$SECONDS
out=$("$RUN_LOCAL" stop --state-dir "$NET" 2>&1)
rc=$?
took=$((SECONDS - start))
e2e_expect_eq "stop exits 0 and names the 8 processes it stopped (in ${took} s)" \
  "$rc $(grep -c '^  stopped node ' <<<"$out")" "0 8"
e2e_check "every PID of network.json is gone when stop returns" \
  none_alive "${PIDS[@]}"
e2e_check "stop took less than its 15 s grace" test "$took" -lt 15
out=$("$RUN_LOCAL" stop --state-dir "$NET" 2>&1)
rc=$?
e2e_check "stop again: nothing to stop, exit 0" \
  eval '((rc == 0)) && e2e_has "$out" "nothing to stop"'

# --- 6. Foreground. ---
# SIGINT must not be ignored, as bash does for background jobs of a script.
FG_OUT="$E2E_WORK/logs/run-local-foreground.log"
pick_base B3
env --default-signal=INT "$RUN_LOCAL" --nodes 2 --base-port "$B3" \
  --state-dir "$FG" --bin "$E2E_BIN" >"$FG_OUT" 2>&1 &
FG_PID=$!
fg_ready() {
  [[ $(code "http://127.0.0.1:$((B3 + 81))/readyz") == 200 &&
    $(code "http://127.0.0.1:$((B3 + 91))/readyz") == 200 &&
    $(jq -r .ready "$FG/network.json" 2>/dev/null) == true ]]
}
e2e_poll 60 fg_ready
e2e_check "foreground: both nodes ready, network.json says so" fg_ready
mapfile -t FG_PIDS < <(pids_of "$FG")
e2e_expect_eq "foreground: network.json lists 8 PIDs" "${#FG_PIDS[@]}" 8

hm2=$(jq -r '.nodes[1].pids["health-monitor"]' "$FG/network.json")
kill -KILL "$hm2" 2>/dev/null
reported() { grep -qF "node 2 health-monitor (pid $hm2) ended unexpectedly (killed by SIGKILL)" "$FG_OUT"; }
e2e_poll 10 reported
e2e_check "foreground: a process that dies is reported" reported
e2e_check "... and the others keep running" \
  eval '! none_alive "$(jq -r ".nodes[1].pids.gateway" "$FG/network.json")" &&
        alive "$FG_PID"'

kill -INT "$FG_PID"
deadline=$((SECONDS + 30))
while alive "$FG_PID" && ((SECONDS < deadline)); do e2e_pause; done
rc=timeout
alive "$FG_PID" || { wait "$FG_PID"; rc=$?; }
FG_PID=""
e2e_expect_eq "foreground: SIGINT stops the network and exits 0" "$rc" 0
e2e_check "foreground: every PID of network.json is gone" none_alive "${FG_PIDS[@]}"
e2e_check "foreground: it said what it stopped" \
  eval 'e2e_has "$(cat "$FG_OUT")" "SIGINT: stopping the network" &&
        [[ $(grep -c "^  stopped node " "$FG_OUT") == 7 ]]'
e2e_finish
