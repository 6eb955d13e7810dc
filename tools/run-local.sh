#!/usr/bin/env bash
# Starts a local DataMgmt network of N nodes on loopback in one command.
#
#   tools/run-local.sh                      # 3 nodes in the foreground; Ctrl-C stops
#   tools/run-local.sh --nodes 5 --detach   # start, wait until ready, return
#   tools/run-local.sh status               # which processes run, which nodes are ready
#   tools/run-local.sh stop                 # stop a detached network
#
# Behaviour:
# - Installs missing Debian packages (tools/deps.sh) and builds //services/...
#   and //gateway quietly (the build's errors are shown if it fails), unless
#   --bin names already built binaries.
# - Node i (1-based) is dht-service, peer-manager, health-monitor and gateway
#   on 127.0.0.1. With o = 10*(i-1) from the base port P (default 8000): P2P
#   P+o, dht API P+1000+o, peer-manager P+1001+o, health-monitor P+1002+o,
#   REST P+81+o; so node 1 has the seed's ports 8000, 9000-9002 and 8081.
#   Nodes 2..N bootstrap from node 1 (INITIAL_PEERS=127.0.0.1:P); node 1 has
#   no bootstrap peer. Node 1 is started (and ready) before the others; within
#   a node, dht-service starts first, then peer-manager and health-monitor
#   once it listens, then the gateway once they listen.
# - The gateways need a bearer token for writes (POST /data, the peer and
#   health-monitor administration routes): STATE/gateway.token, made once
#   per state dir (random, mode 600) and printed with the curl header, unless
#   GATEWAY_AUTH_TOKEN is set (then that token is used) or
#   --gw-flag=--auth=off.
# - Node i keeps its data in STATE/nodeI/ and logs to
#   STATE/logs/nodeI-<process>.log; STATE/network.json lists every node's
#   endpoints, log files and PIDs. STATE is .localnet at the repository root
#   unless --state-dir.
# - Refuses to start, having started nothing, if a network of the same state
#   dir still runs, or if any of the ports is taken (naming the port).
# - Ready means every gateway answers /healthz 200 and /readyz 200 (the
#   latter once its dht-service, peer-manager and health-monitor report
#   grpc.health.v1 SERVING), polled until --timeout. If a process exits
#   before, or the deadline passes, the start fails with the log tails and
#   everything started is stopped.
# - Processes run in their own session (setsid), so they survive the shell
#   with --detach, and are only ever stopped by their PID: SIGTERM, then
#   SIGKILL after 15 s.
# - In the foreground, SIGINT (Ctrl-C), SIGTERM or SIGHUP stops the network
#   and exits 0; a process that exits on its own is reported with its log
#   tail, and the others keep running.
# - Every process inherits the environment, so a flag's environment variable
#   applies to all nodes (PEER_EXCHANGE_INTERVAL=30s, HEALTH_CHECK_INTERVAL=10s,
#   LOG_LEVEL=debug, ...). Ports, addresses and data dirs are set by this
#   script as flags, which win over the environment; so is INITIAL_PEERS.
#   --dht-flag/--pm-flag/--hm-flag/--gw-flag append a flag to that process.
#
# Exit status: 0 done; 1 failed; 2 usage error.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=tools/run-local.sh
GRACE=15        # seconds between SIGTERM and SIGKILL
MAX_NODES=90    # keeps the layout's ranges apart (REST ends at P+971 < P+1000)

PROCS=(dht-service peer-manager health-monitor gateway)
declare -A BIN_PATH=(
  [dht-service]=services/dht/dht-service
  [peer-manager]=services/peer_manager/peer-manager
  [health-monitor]=services/health_monitor/health-monitor
  [gateway]=gateway/gateway
)

usage() {
  cat <<EOF
Usage: $PROG [start] [OPTIONS]
       $PROG stop [--state-dir DIR]
       $PROG status [--state-dir DIR]

Starts a local network of N DataMgmt nodes on 127.0.0.1, each node being
dht-service, peer-manager, health-monitor and gateway. Node i uses, with
o = 10*(i-1) from the base port P: P2P P+o, dht API P+1000+o, peer-manager
P+1001+o, health-monitor P+1002+o, REST P+81+o. Nodes 2..N bootstrap from
node 1. Without --detach it runs until Ctrl-C, which stops every process.

Options:
  --nodes N          number of nodes, 1..$MAX_NODES (default 3)
  --base-port P      base port (default 8000: node 1 gets 8000, 9000, 9001,
                     9002 and REST 8081; node 2 8010, 9010-9012, 8091)
  --detach           start, wait until every node is ready, print the
                     endpoints and return; the network keeps running until
                     '$PROG stop'
  --state-dir DIR    data, logs and network.json (default: .localnet at the
                     repository root)
  --timeout SECONDS  readiness deadline (default 60)
  --dht-flag=FLAG    append FLAG to every dht-service (repeatable), e.g.
                     --dht-flag=--max_value_size=1000
  --pm-flag=FLAG     the same for peer-manager, e.g. --pm-flag=--max_peers=50
  --hm-flag=FLAG     the same for health-monitor
  --gw-flag=FLAG     the same for gateway, e.g. --gw-flag=--access_log=false
  --bin DIR          use binaries already built under DIR (a bazel-bin);
                     skips tools/deps.sh and the build
  --clean            delete the state dir's node data and logs first
  -h, --help         print this text

Commands:
  start              (the default) start a network
  stop               stop the network of the state dir: SIGTERM to each PID
                     in network.json, SIGKILL after ${GRACE} s; fine if none runs
  status             each process's state and each node's /readyz; exit 0
                     only if every process runs

Environment: every process inherits it, so any flag's environment variable
applies to all nodes, e.g.
  PEER_EXCHANGE_INTERVAL=30s HEALTH_CHECK_INTERVAL=10s $PROG
LOG_FORMAT=json and LOG_LEVEL=debug work the same way. Ports, addresses, data
dirs and INITIAL_PEERS are set by this script. The gateways' bearer token for
writes is GATEWAY_AUTH_TOKEN if set, else a random one kept in
STATE/gateway.token (printed at start); --gw-flag=--auth=off turns auth off. BAZEL_FLAGS adds flags to the
build (e.g. BAZEL_FLAGS=--config=nosandbox).
EOF
}

die() { echo "run-local: $*" >&2; exit 1; }
usage_error() {
  echo "run-local: $*" >&2
  usage | sed -n '1,3p' >&2
  echo "Run '$PROG --help' for the options." >&2
  exit 2
}

# --- Options. ---
COMMAND=
NODES=3
BASE=8000
DETACH=0
STATE=
TIMEOUT=60
BIN=
CLEAN=0
declare -a DHT_FLAGS=() PM_FLAGS=() HM_FLAGS=() GW_FLAGS=()

# need_value OPTION ARGC: an option that takes a value must have one.
need_value() { (($2 >= 2)) || usage_error "$1 needs a value"; }

while (($# > 0)); do
  case "$1" in
    start | stop | status)
      [[ -z "$COMMAND" ]] || usage_error "only one command, got '$COMMAND' and '$1'"
      COMMAND=$1 ;;
    -h | --help) usage; exit 0 ;;
    --nodes) need_value "$1" $#; NODES=$2; shift ;;
    --nodes=*) NODES=${1#*=} ;;
    --base-port) need_value "$1" $#; BASE=$2; shift ;;
    --base-port=*) BASE=${1#*=} ;;
    --detach) DETACH=1 ;;
    --state-dir) need_value "$1" $#; STATE=$2; shift ;;
    --state-dir=*) STATE=${1#*=} ;;
    --timeout) need_value "$1" $#; TIMEOUT=$2; shift ;;
    --timeout=*) TIMEOUT=${1#*=} ;;
    --bin) need_value "$1" $#; BIN=$2; shift ;;
    --bin=*) BIN=${1#*=} ;;
    --clean) CLEAN=1 ;;
    --dht-flag) need_value "$1" $#; DHT_FLAGS+=("$2"); shift ;;
    --dht-flag=*) DHT_FLAGS+=("${1#*=}") ;;
    --pm-flag) need_value "$1" $#; PM_FLAGS+=("$2"); shift ;;
    --pm-flag=*) PM_FLAGS+=("${1#*=}") ;;
    --hm-flag) need_value "$1" $#; HM_FLAGS+=("$2"); shift ;;
    --hm-flag=*) HM_FLAGS+=("${1#*=}") ;;
    --gw-flag) need_value "$1" $#; GW_FLAGS+=("$2"); shift ;;
    --gw-flag=*) GW_FLAGS+=("${1#*=}") ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
  shift
done
COMMAND=${COMMAND:-start}

for flag in "${DHT_FLAGS[@]}" "${PM_FLAGS[@]}" \
  "${HM_FLAGS[@]}" "${GW_FLAGS[@]}"; do
  [[ "$flag" == --?* ]] || usage_error "a process flag must start with --, got '$flag'"
done
[[ "$NODES" =~ ^[0-9]{1,3}$ ]] && ((10#$NODES >= 1 && 10#$NODES <= MAX_NODES)) ||
  usage_error "--nodes must be 1..$MAX_NODES, got '$NODES'"
NODES=$((10#$NODES))
[[ "$BASE" =~ ^[0-9]{1,5}$ ]] && ((10#$BASE >= 1024)) ||
  usage_error "--base-port must be a number from 1024, got '$BASE'"
BASE=$((10#$BASE))
[[ "$TIMEOUT" =~ ^[0-9]{1,5}$ ]] && ((10#$TIMEOUT >= 1)) ||
  usage_error "--timeout must be a whole number of seconds >= 1, got '$TIMEOUT'"
TIMEOUT=$((10#$TIMEOUT))
highest=$((BASE + 1002 + 10 * (NODES - 1)))
((highest <= 65535)) ||
  usage_error "--base-port $BASE is too high for $NODES node(s): node $NODES's health-monitor port would be $highest (> 65535)"

STATE=${STATE:-$ROOT/.localnet}
[[ "$STATE" == /* ]] || STATE="$PWD/$STATE"
STATE=${STATE%/}
JSON="$STATE/network.json"
TOKEN_FILE="$STATE/gateway.token"

# How a path is shown: relative to the current directory when inside it.
show() { if [[ "$1" == "$PWD"/* ]]; then echo "${1#"$PWD"/}"; else echo "$1"; fi; }
# The option that names this state dir in hints, or nothing for the default.
state_opt() {
  [[ "$STATE" == "$ROOT/.localnet" ]] || printf ' --state-dir %q' "$(show "$STATE")"
}

# --- Ports. ---
# port_of NODE KIND: NODE's port of KIND (p2p, dht_api, peer_manager,
# health_monitor, rest).
port_of() {
  local o=$((10 * ($1 - 1)))
  case "$2" in
    p2p) echo $((BASE + o)) ;;
    dht_api) echo $((BASE + 1000 + o)) ;;
    peer_manager) echo $((BASE + 1001 + o)) ;;
    health_monitor) echo $((BASE + 1002 + o)) ;;
    rest) echo $((BASE + 81 + o)) ;;
  esac
}
KINDS=(p2p dht_api peer_manager health_monitor rest)
declare -A KIND_NAME=([p2p]="P2P" [dht_api]="dht API" [peer_manager]="peer-manager"
  [health_monitor]="health-monitor" [rest]="REST gateway")

# Local TCP ports held by a socket that a new listener would collide with:
# listening, bound, connecting or connected (not the closing states, which
# SO_REUSEADDR lets a new listener take over). From /proc/net/tcp{,6}.
busy_ports() {
  awk 'FNR > 1 && ($4 == "0A" || $4 == "07" || $4 == "01" || $4 == "02" ||
       $4 == "03") { split($2, a, ":"); print a[2] }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u |
    while read -r hex; do echo $((16#$hex)); done
}

# Fails naming the first port of the layout that is taken.
check_ports_free() {
  local -A busy=()
  local p i kind
  while read -r p; do [[ -n "$p" ]] && busy[$p]=1; done < <(busy_ports)
  for ((i = 1; i <= NODES; i++)); do
    for kind in "${KINDS[@]}"; do
      p=$(port_of "$i" "$kind")
      [[ -z "${busy[$p]:-}" ]] ||
        die "port $p (node $i ${KIND_NAME[$kind]}) is in use; choose another --base-port (started nothing)"
    done
  done
}

# --- Processes. ---
# proc_alive PID: PID is a process that has not exited (zombies count as exited).
proc_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat:0:1}" != Z && "${stat:0:1}" != X ]]
}
# proc_is PID NAME: PID is alive and runs program NAME (guards against PID reuse).
proc_is() {
  proc_alive "$1" && [[ "$(cat "/proc/$1/comm" 2>/dev/null)" == "$2" ]]
}

# Recorded processes of network.json, one "NODE PROCESS PID" per line.
recorded() {
  [[ -f "$JSON" ]] || return 0
  jq -r '.nodes[] | .node as $n | .pids | to_entries[] | "\($n) \(.key) \(.value)"' \
    "$JSON" 2>/dev/null || echo "run-local: warning: cannot read $JSON" >&2
}

# Recorded processes still running, "NODE PROCESS PID" per line.
running() {
  local node proc pid
  while read -r node proc pid; do
    [[ -n "$pid" ]] && proc_is "$pid" "$proc" && echo "$node $proc $pid"
  done < <(recorded)
  return 0
}

# entry_alive STRICT PID PROCESS: the process still runs; STRICT=1 also checks
# that PID still runs PROCESS (for PIDs read from a file), STRICT=0 trusts it
# (this shell's own children, which may not have exec'd yet).
entry_alive() {
  if (($1)); then proc_is "$2" "$3"; else proc_alive "$2"; fi
}

# stop_list STRICT LINES: stops the processes of LINES ("NODE PROCESS PID"
# each) by PID: SIGTERM to all, up to $GRACE s for them to exit, then SIGKILL.
# Prints one line per process stopped; returns 1 if one survived SIGKILL.
stop_list() {
  local strict=$1 lines=$2 node proc pid deadline left e rc=0
  local -a entries=()
  while read -r node proc pid; do
    [[ -n "$pid" ]] || continue
    entry_alive "$strict" "$pid" "$proc" || continue
    entries+=("$node $proc $pid")
    kill -TERM "$pid" 2>/dev/null || true
  done <<<"$lines"
  ((${#entries[@]} > 0)) || return 0
  deadline=$((SECONDS + GRACE))
  while ((SECONDS < deadline)); do
    left=0
    for e in "${entries[@]}"; do
      read -r node proc pid <<<"$e"
      if entry_alive "$strict" "$pid" "$proc"; then left=1; break; fi
    done
    ((left)) || break
    sleep 0.1
  done
  for e in "${entries[@]}"; do
    read -r node proc pid <<<"$e"
    if entry_alive "$strict" "$pid" "$proc"; then
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 5))
      while entry_alive "$strict" "$pid" "$proc" && ((SECONDS < deadline)); do
        sleep 0.1
      done
      if entry_alive "$strict" "$pid" "$proc"; then
        echo "run-local: node $node $proc (pid $pid) survived SIGKILL" >&2
        rc=1
      else
        echo "  killed  node $node $proc (pid $pid): still running ${GRACE} s after SIGTERM"
      fi
    else
      echo "  stopped node $node $proc (pid $pid)"
    fi
  done
  return "$rc"
}

# exit_text STATUS: "exit status N" or "killed by SIGNAME".
exit_text() {
  if (($1 > 128)); then
    echo "killed by SIG$(kill -l $(($1 - 128)) 2>/dev/null || echo $(($1 - 128)))"
  else
    echo "exit status $1"
  fi
}

log_of() { echo "$STATE/logs/node$1-$2.log"; }

# log_tail NODE PROCESS: the last lines a process logged in this run (since
# the last "=== ... run-local:" line), indented.
log_tail() {
  local log
  log=$(log_of "$1" "$2")
  echo "  last lines of $(show "$log"):"
  awk '/^=== .* run-local: / { n = 0 } { line[n++] = $0 }
       END { for (i = (n > 15 ? n - 15 : 0); i < n; i++) print "    " line[i] }' \
    "$log" 2>/dev/null || true
}

# --- stop and status. ---
if [[ "$COMMAND" != start && -f "$JSON" ]]; then
  command -v jq >/dev/null || die "jq is needed to read $JSON (run tools/deps.sh)"
fi
if [[ "$COMMAND" == stop ]]; then
  lines=$(running)
  if [[ -z "$lines" ]]; then
    echo "run-local: nothing to stop in $(show "$STATE")"
    exit 0
  fi
  n=$(wc -l <<<"$lines")
  echo "run-local: stopping $n process(es) of $(show "$STATE")"
  stop_list 1 "$lines" || exit 1
  echo "run-local: stopped"
  exit 0
fi

http_code() {
  curl -s --noproxy '*' -m 2 -o /dev/null -w '%{http_code}' "$1" 2>/dev/null || true
}

if [[ "$COMMAND" == status ]]; then
  [[ -f "$JSON" ]] || { echo "run-local: no network recorded in $(show "$STATE")"; exit 1; }
  all=1
  while read -r node proc pid; do
    [[ -n "$pid" ]] || continue
    if proc_is "$pid" "$proc"; then
      state=running
    else
      state=stopped
      all=0
    fi
    printf 'node %-3s %-15s pid %-8s %s\n' "$node" "$proc" "$pid" "$state"
  done < <(recorded)
  while read -r node rest; do
    code=$(http_code "$rest/readyz")
    [[ "$code" != 000 ]] || code="no answer"
    printf 'node %-3s %-25s /readyz %s\n' "$node" "$rest" "$code"
  done < <(jq -r '.nodes[] | "\(.node) \(.rest)"' "$JSON")
  ((all)) && exit 0
  exit 1
fi

# --- start. ---
# Packages first (quiet and quick when all are there): jq reads network.json.
if [[ -z "$BIN" ]]; then
  "$ROOT/tools/deps.sh"
fi
for tool in jq curl setsid; do
  command -v "$tool" >/dev/null || die "$tool is missing (run tools/deps.sh)"
done
lines=$(running)
if [[ -n "$lines" ]]; then
  die "a network from $(show "$STATE") is still running ($(wc -l <<<"$lines") processes, e.g. pid $(head -n 1 <<<"$lines" | cut -d' ' -f3)); stop it first with: $PROG stop$(state_opt)"
fi
check_ports_free

if ((CLEAN)); then
  rm -rf "$STATE"/node[0-9]* "$STATE/logs" "$JSON"
fi
mkdir -p "$STATE/logs"

# The gateways' bearer token: GATEWAY_AUTH_TOKEN if set, else the state
# dir's token file, made on first use.
if [[ -n "${GATEWAY_AUTH_TOKEN:-}" ]]; then
  TOKEN=$GATEWAY_AUTH_TOKEN
  GW_AUTH_FLAGS=()
else
  if [[ ! -s "$TOKEN_FILE" ]]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' \
      >"$TOKEN_FILE.tmp" && echo >>"$TOKEN_FILE.tmp" &&
      mv "$TOKEN_FILE.tmp" "$TOKEN_FILE") || die "cannot write $TOKEN_FILE"
  fi
  TOKEN=$(head -n 1 "$TOKEN_FILE")
  GW_AUTH_FLAGS=(--auth_token_file="$TOKEN_FILE")
fi

if [[ -z "$BIN" ]]; then
  read -r -a bazel_flags <<<"${BAZEL_FLAGS:-}"
  build_log="$STATE/logs/build.log"
  echo "run-local: building //services/... //gateway (log: $(show "$build_log"))"
  if ! (cd "$ROOT" && bazel build "${bazel_flags[@]}" \
      //services/... //gateway) >"$build_log" 2>&1; then
    echo "run-local: the build failed:" >&2
    grep -v -E -e '^OpenJDK 64-Bit Server VM warning' -e '^(INFO|Loading|Analyzing):' \
      -e '^\[[0-9,]+ / [0-9,]+\]' "$build_log" | tail -n 40 >&2 || true
    exit 1
  fi
  BIN=$(cd "$ROOT" && bazel info "${bazel_flags[@]}" bazel-bin 2>/dev/null) ||
    die "bazel info bazel-bin failed"
fi
[[ "$BIN" == /* ]] || BIN="$PWD/$BIN"
for proc in "${PROCS[@]}"; do
  [[ -x "$BIN/${BIN_PATH[$proc]}" ]] || die "no $proc at $BIN/${BIN_PATH[$proc]}"
done
# The build may take minutes; the ports may have been taken meanwhile.
check_ports_free

# Processes started by this run: parallel arrays.
declare -a P_NODE=() P_PROC=() P_PID=()
declare -A PID_OF=()   # "NODE PROCESS" -> PID
STARTED_OK=0

own_lines() {
  local k
  for k in "${!P_PID[@]}"; do echo "${P_NODE[$k]} ${P_PROC[$k]} ${P_PID[$k]}"; done
}
stop_own() { stop_list 0 "$(own_lines)" || true; }

# Whatever ends this script before the network is handed over stops it.
on_exit() {
  local rc=$?
  # A closed stdout or stderr must not stop the clean-up half-way.
  set +e
  trap '' PIPE
  if ((!STARTED_OK && ${#P_PID[@]} > 0)); then
    echo "run-local: stopping what was started" >&2
    stop_own >&2
  fi
  exit "$rc"
}
trap on_exit EXIT
# On SIGINT, SIGTERM or SIGHUP: stop what was started; exit 0 once the
# network was ready (130 before). On SIGPIPE (whoever read our output went
# away): the same, exit 1.
on_signal() {
  set +e
  trap '' INT TERM HUP PIPE
  echo
  echo "run-local: $1: stopping the network"
  stop_own
  STARTED_OK=1  # nothing left for on_exit
  [[ "$1" != SIGPIPE ]] || exit 1
  if ((READY)); then exit 0; fi
  exit 130
}
READY=0
trap 'on_signal SIGINT' INT
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGHUP' HUP
trap 'on_signal SIGPIPE' PIPE

# launch NODE PROCESS [ENV=VALUE...] -- ARGS...: starts the process in its
# own session, appending to its log.
launch() {
  local node=$1 proc=$2 log
  shift 2
  local -a envs=()
  while [[ "$1" != -- ]]; do envs+=("$1"); shift; done
  shift
  log=$(log_of "$node" "$proc")
  printf '=== %s run-local: %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$proc" "$*" >>"$log"
  if ((${#envs[@]} > 0)); then
    env "${envs[@]}" setsid "$BIN/${BIN_PATH[$proc]}" "$@" </dev/null >>"$log" 2>&1 &
  else
    setsid "$BIN/${BIN_PATH[$proc]}" "$@" </dev/null >>"$log" 2>&1 &
  fi
  P_NODE+=("$node") P_PROC+=("$proc") P_PID+=("$!")
  PID_OF["$node $proc"]=$!
}

addr() { echo "127.0.0.1:$(port_of "$1" "$2")"; }

# launch_dht I, launch_pm_hm I, launch_gateway I: node I's processes.
launch_dht() {
  local i=$1 dir="$STATE/node$1"
  mkdir -p "$dir"
  launch "$i" dht-service -- --p2p_listen_host=127.0.0.1 \
    --p2p_port="$(port_of "$i" p2p)" --advertise_address="$(addr "$i" p2p)" \
    --api_listen_host=127.0.0.1 --api_port="$(port_of "$i" dht_api)" \
    --data_dir="$dir" --peer_manager_address="$(addr "$i" peer_manager)" \
    "${DHT_FLAGS[@]}"
}
launch_pm_hm() {
  local i=$1 dir="$STATE/node$1" peers=""
  ((i == 1)) || peers="127.0.0.1:$(port_of 1 p2p)"
  # INITIAL_PEERS is set for every node: empty for node 1, so that one in
  # the caller's environment does not leak in.
  launch "$i" peer-manager "INITIAL_PEERS=$peers" -- --listen_host=127.0.0.1 \
    --port="$(port_of "$i" peer_manager)" --data_dir="$dir" \
    --dht_api_address="$(addr "$i" dht_api)" \
    "${PM_FLAGS[@]}"
  launch "$i" health-monitor -- --listen_host=127.0.0.1 \
    --port="$(port_of "$i" health_monitor)" \
    --peer_manager_address="$(addr "$i" peer_manager)" \
    --dht_api_address="$(addr "$i" dht_api)" "${HM_FLAGS[@]}"
}
launch_gateway() {
  local i=$1
  launch "$i" gateway -- --listen_host=127.0.0.1 --port="$(port_of "$i" rest)" \
    --dht_api_address="$(addr "$i" dht_api)" \
    --peer_manager_address="$(addr "$i" peer_manager)" \
    --health_monitor_address="$(addr "$i" health_monitor)" \
    "${GW_AUTH_FLAGS[@]}" "${GW_FLAGS[@]}"
}

# start_nodes FIRST LAST: starts nodes FIRST..LAST in dependency order, each
# step waiting until the previous one listens: every dht-service, then every
# peer-manager and health-monitor, then every gateway (whose backend channels
# thus never start in reconnect backoff). Fails if a process exits or the
# deadline passes.
start_nodes() {
  local first=$1 last=$2 i
  # network.json is rewritten after each step, so that `stop` finds every
  # process even if this script is killed.
  for ((i = first; i <= last; i++)); do launch_dht "$i"; done
  write_json "$last" false
  wait_listening "$first" "$last" p2p dht_api || return 1
  for ((i = first; i <= last; i++)); do launch_pm_hm "$i"; done
  write_json "$last" false
  wait_listening "$first" "$last" peer_manager health_monitor || return 1
  for ((i = first; i <= last; i++)); do launch_gateway "$i"; done
  write_json "$last" false
}

# write_json UPTO READY: writes network.json (atomically) for nodes 1..UPTO,
# the nodes started so far (a process not started has PID null); READY
# (true/false) says whether every one of them answered /readyz.
write_json() {
  local upto=$1 ready=$2 i nodes_json=""
  for ((i = 1; i <= upto; i++)); do
    nodes_json+=$(jq -n -c --argjson node "$i" \
      --arg rest "http://$(addr "$i" rest)" --arg p2p "$(addr "$i" p2p)" \
      --arg dht "$(addr "$i" dht_api)" --arg pm "$(addr "$i" peer_manager)" \
      --arg hm "$(addr "$i" health_monitor)" --arg dir "$STATE/node$i" \
      --arg l1 "$(log_of "$i" dht-service)" --arg l2 "$(log_of "$i" peer-manager)" \
      --arg l3 "$(log_of "$i" health-monitor)" --arg l4 "$(log_of "$i" gateway)" \
      --argjson p1 "${PID_OF["$i dht-service"]:-null}" \
      --argjson p2 "${PID_OF["$i peer-manager"]:-null}" \
      --argjson p3 "${PID_OF["$i health-monitor"]:-null}" \
      --argjson p4 "${PID_OF["$i gateway"]:-null}" \
      '{node: $node, rest: $rest, p2p: $p2p, dht_api: $dht, peer_manager: $pm,
        health_monitor: $hm, data_dir: $dir,
        logs: {"dht-service": $l1, "peer-manager": $l2, "health-monitor": $l3,
               gateway: $l4},
        pids: {"dht-service": $p1, "peer-manager": $p2, "health-monitor": $p3,
               gateway: $p4}}')$'\n'
  done
  jq -s --argjson base "$BASE" --arg state "$STATE" --argjson detached "$DETACH" \
    --argjson ready "$ready" --arg started "$STARTED_AT" \
    '{base_port: $base, state_dir: $state, detached: ($detached == 1),
      ready: $ready, started_at: $started, nodes: .}' <<<"$nodes_json" >"$JSON.tmp"
  mv "$JSON.tmp" "$JSON"
}

# first_dead: prints "NODE PROCESS PID" of a started process that has exited.
first_dead() {
  local k
  for k in "${!P_PID[@]}"; do
    if ! proc_alive "${P_PID[$k]}"; then
      echo "${P_NODE[$k]} ${P_PROC[$k]} ${P_PID[$k]}"
      return 0
    fi
  done
  return 1
}

# check_alive: fails, printing which process ended and its log tail, if a
# process started by this run has exited.
check_alive() {
  local dead node proc pid st=0
  dead=$(first_dead) || return 0
  read -r node proc pid <<<"$dead"
  wait "$pid" 2>/dev/null || st=$?
  echo "run-local: node $node $proc (pid $pid) ended before the network was ready ($(exit_text "$st"))" >&2
  log_tail "$node" "$proc" >&2
  return 1
}

# listening_ports: local TCP ports with a listening socket, one per line.
listening_ports() {
  awk 'FNR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u |
    while read -r hex; do echo $((16#$hex)); done
}

# wait_listening FIRST LAST KIND...: polls until nodes FIRST..LAST listen on
# their ports of each KIND, until the deadline. Fails if a process exits.
wait_listening() {
  local first=$1 last=$2 i kind p missing
  local -A listening=()
  shift 2
  while true; do
    check_alive || return 1
    listening=()
    while read -r p; do [[ -n "$p" ]] && listening[$p]=1; done < <(listening_ports)
    missing=""
    for ((i = first; i <= last; i++)); do
      for kind in "$@"; do
        p=$(port_of "$i" "$kind")
        [[ -n "${listening[$p]:-}" ]] || { missing="node $i ${KIND_NAME[$kind]} port $p"; break 2; }
      done
    done
    [[ -z "$missing" ]] && return 0
    if ((SECONDS >= DEADLINE)); then
      echo "run-local: not listening within ${TIMEOUT} s: $missing" >&2
      return 1
    fi
    sleep 0.1
  done
}

# wait_ready FIRST LAST: polls nodes FIRST..LAST until each gateway answers
# /healthz and /readyz with 200, until the deadline. Fails if a process exits.
wait_ready() {
  local first=$1 last=$2 i proc pending rest
  local -A ok=()
  while true; do
    check_alive || return 1
    pending=""
    for ((i = first; i <= last; i++)); do
      [[ -n "${ok[$i]:-}" ]] && continue
      rest="http://$(addr "$i" rest)"
      if [[ $(http_code "$rest/healthz") == 200 && $(http_code "$rest/readyz") == 200 ]]; then
        ok[$i]=1
      else
        pending+=" $i"
      fi
    done
    [[ -z "$pending" ]] && return 0
    if ((SECONDS >= DEADLINE)); then
      echo "run-local: not ready within ${TIMEOUT} s: node(s)$pending" >&2
      for i in $pending; do
        rest="http://$(addr "$i" rest)"
        echo "  node $i $rest/readyz: $(curl -s --noproxy '*' -m 2 "$rest/readyz" 2>/dev/null || echo 'no answer')" >&2
        for proc in "${PROCS[@]}"; do log_tail "$i" "$proc" >&2; done
      done
      return 1
    fi
    sleep 0.2
  done
}

echo "run-local: starting $NODES node(s) on 127.0.0.1 from base port $BASE (state dir $(show "$STATE"))"
DEADLINE=$((SECONDS + TIMEOUT))
STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# Node 1 first, so that the others' bootstrap finds it answering.
start_nodes 1 1 || exit 1
wait_ready 1 1 || exit 1
if ((NODES > 1)); then
  start_nodes 2 "$NODES" || exit 1
fi
wait_ready 1 "$NODES" || exit 1
write_json "$NODES" true
READY=1
if ((DETACH)); then
  # Handed over: from here on nothing (not even a closed stdout) stops it.
  STARTED_OK=1
  trap - EXIT INT TERM HUP PIPE
fi

# --- Ready: tell the user. ---
d=$(show "$STATE")
echo
echo "Local network ready: $NODES node(s), every process SERVING."
echo
printf '%-5s %-24s %-16s %-16s %-16s %s\n' node REST P2P "dht API" \
  peer-manager health-monitor
for ((i = 1; i <= NODES; i++)); do
  printf '%-5s %-24s %-16s %-16s %-16s %s\n' "$i" "http://$(addr "$i" rest)" \
    "$(addr "$i" p2p)" "$(addr "$i" dht_api)" "$(addr "$i" peer_manager)" \
    "$(addr "$i" health_monitor)"
done
last=$NODES
echo
echo "Data:  $d/node<I>/        Logs: $d/logs/node<I>-<process>.log"
echo "JSON:  $d/network.json (endpoints, log files, PIDs)"
if [[ -n "${GATEWAY_AUTH_TOKEN:-}" ]]; then
  echo "Token: from GATEWAY_AUTH_TOKEN; writes need -H \"Authorization: Bearer \$TOKEN\""
else
  echo "Token: $TOKEN (in $d/gateway.token); writes need -H \"Authorization: Bearer \$TOKEN\""
fi
echo
echo "Try:"
if [[ -n "${GATEWAY_AUTH_TOKEN:-}" ]]; then
  echo "  TOKEN=\$GATEWAY_AUTH_TOKEN"
else
  echo "  TOKEN=\$(cat $d/gateway.token)"
fi
echo "  curl http://$(addr 1 rest)/network/stats"
echo "  curl http://$(addr "$last" rest)/network/peers"
echo "  curl -H \"Authorization: Bearer \$TOKEN\" -H 'Content-Type: application/octet-stream' --data-binary hello http://$(addr 1 rest)/data"
echo "  curl http://$(addr "$last" rest)/data/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
echo "  GRPCURL=\$(tools/go-tools.sh grpcurl)"
echo "  \$GRPCURL -plaintext $(addr 1 dht_api) list"
echo "  \$GRPCURL -plaintext $(addr 1 dht_api) datamgmt.dht.v1.DhtService/GetDhtStats"
echo "  \$GRPCURL -plaintext $(addr 1 peer_manager) datamgmt.peers.v1.PeerManager/GetPeerStats"
echo "  \$GRPCURL -plaintext -d '{\"service\": \"\"}' $(addr 1 health_monitor) grpc.health.v1.Health/Check"
echo "  tools/rotate-identity.sh $(addr 1 dht_api)   # node 1 takes a new key and ID"
echo "  tail -f $d/logs/node1-dht-service.log"
echo

if ((DETACH)); then
  echo "Running in the background. Stop it with: $PROG stop$(state_opt)"
  exit 0
fi

# --- Foreground: watch the processes until a signal stops them. ---
echo "Running in the foreground; Ctrl-C stops every process."
declare -a live=("${P_PID[@]}")
declare -A WHO=()
for k in "${!P_PID[@]}"; do WHO[${P_PID[$k]}]="node ${P_NODE[$k]} ${P_PROC[$k]}"; done
# One pass per process exit (at most one per started process); the wait
# itself lasts until a process exits or a signal arrives.
for ((round = 0; round < ${#P_PID[@]}; round++)); do
  dead="" st=0
  # (stderr: bash's own "Killed" job notice; the line below says it better)
  { wait -n -p dead "${live[@]}"; } 2>/dev/null || st=$?
  if [[ -z "$dead" ]]; then
    echo "run-local: no process left to wait for" >&2
    break
  fi
  read -r _ node proc <<<"${WHO[$dead]}"
  echo "run-local: node $node $proc (pid $dead) ended unexpectedly ($(exit_text "$st")); the others keep running" >&2
  log_tail "$node" "$proc" >&2
  remaining=()
  for pid in "${live[@]}"; do [[ "$pid" == "$dead" ]] || remaining+=("$pid"); done
  live=("${remaining[@]}")
  ((${#live[@]} > 0)) || break
done
STARTED_OK=1
echo "run-local: every process has exited" >&2
exit 1
