# Helpers shared by bench/compare_opendht.sh's parts. Sourced after
# tests/e2e/lib.sh (ports, process starts, polling).
#
# Results are rows of $RESULTS: "N<TAB>system<TAB>key<TAB>value".

# say MESSAGE: progress on stdout with the time since the run began.
say() { printf '[%4ds] %s\n' "$((SECONDS - BENCH_START))" "$*"; }

# record N SYSTEM KEY VALUE
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"; }

# record_results N SYSTEM PREFIX < output: every "RESULT key value" line of
# a load generator's output as PREFIXkey.
record_results() {
  local n=$1 sys=$2 prefix=$3 tag key value
  while read -r tag key value; do
    [[ "$tag" == RESULT ]] && record "$n" "$sys" "$prefix$key" "$value"
  done
}

# record_workload N SYSTEM SIZE: records the RESULT lines of a workload's
# output ($E2E_WORK/out) with keys prefixed "SIZE_"; prints its operations.
record_workload() {
  record_results "$1" "$2" "${3}_" <"$E2E_WORK/out"
  awk '$2 == "ops_total" {printf "%d", $3}' "$E2E_WORK/out"
}

# record_cpu N SYSTEM TICKS OPS: records CPU seconds per 1,000 operations.
record_cpu() {
  record "$1" "$2" cpu_s_per_1000_ops "$(awk -v t="$3" -v ops="$4" \
    -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", ops ? t / hz / ops * 1000 : 0}')"
}

# cpu_ticks PID...: user+system clock ticks the processes have used.
cpu_ticks() {
  local pid total=0 stat
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }  # fields after "pid (comm) "
    read -r -a f <<<"$stat"
    total=$((total + f[11] + f[12]))  # utime, stime (fields 14 and 15)
  done
  echo "$total"
}

# rss_kib PID...: resident set size, summed, in KiB.
rss_kib() {
  local pid total=0 kib
  for pid in "$@"; do
    kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    total=$((total + ${kib:-0}))
  done
  echo "$total"
}

# node_rss_kib PID...: the memory the processes would hold together on a
# machine of their own, in KiB: their private (anonymous and shared-memory)
# resident pages summed, plus the resident pages of each mapped file counted
# once (the most any of them has resident), since processes that map the
# same shared library share its pages. This is what a pod's memory
# accounting sees; summing VmRSS counts every shared library once per
# process.
node_rss_kib() {
  local pid
  for pid in "$@"; do
    awk -v pid="$pid" '
      /^[0-9a-f]+-[0-9a-f]+ / { file = ($5 != 0 && NF >= 6) ? $6 : ""; next }
      /^Rss:/ { if (file != "") rss[file] += $2; else anon += $2 }
      END { for (f in rss) print "F", f, rss[f]; print "A", "-", anon + 0 }
    ' "/proc/$pid/smaps" 2>/dev/null
  done | awk '
    $1 == "A" { total += $3 }
    $1 == "F" { if ($3 > file[$2]) file[$2] = $3 }
    END { for (f in file) total += file[f]; print total + 0 }'
}

# median < numbers (one per line)
median() { sort -n | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }

# stop_pids NAME...: SIGTERM to every named process of E2E_PIDS at once,
# then SIGKILL to those still running after 15 s. Forgets them.
stop_pids() {
  local name pids=() deadline=$((SECONDS + 15))
  for name in "$@"; do
    [[ -n "${E2E_PIDS[$name]:-}" ]] && pids+=("${E2E_PIDS[$name]}")
  done
  ((${#pids[@]})) && kill -TERM "${pids[@]}" 2>/dev/null
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for name in "$@"; do unset "E2E_PIDS[$name]"; done
}

# report_exits SYSTEM N NAME...: says which of the named processes are no
# longer running (they all should be), with their log tails.
report_exits() {
  local sys=$1 n=$2 name pid
  shift 2
  for name in "$@"; do
    pid=${E2E_PIDS[$name]:-}
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      say "$sys N=$n: $name (pid $pid) has exited; its log ends:"
      tail -n 5 "$E2E_WORK/logs/$name.log" | grep -v '^>>' | sed 's/^/    /'
    fi
  done
}

# kill_pids NAME...: SIGKILL (a crash, not a shutdown), then forget them.
kill_pids() {
  local name pid
  for name in "$@"; do
    pid=${E2E_PIDS[$name]:-}
    [[ -n "$pid" ]] || continue
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    unset "E2E_PIDS[$name]"
  done
}

# wrk_run URL CONNECTIONS SYSTEM N KEY: one wrk run of $REST_SECONDS;
# records KEY_rps, KEY_p50_ms, KEY_p99_ms and KEY_non2xx.
wrk_run() {
  local url=$1 conns=$2 sys=$3 n=$4 key=$5 threads=1 out
  ((conns > 1)) && threads=2
  out=$(timeout $((REST_SECONDS + 30)) wrk --latency -t"$threads" \
    -c"$conns" -d"${REST_SECONDS}s" --timeout 10s "$url" 2>&1)
  local rps p50 p99 bad
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  record "$n" "$sys" "${key}_rps" "${rps:-0}"
  record "$n" "$sys" "${key}_p50_ms" "$(to_ms "$p50")"
  record "$n" "$sys" "${key}_p99_ms" "$(to_ms "$p99")"
  record "$n" "$sys" "${key}_non2xx" "${bad:-0}"
  say "$sys N=$n REST $conns connection(s): ${rps:-0} req/s, p50 $p50, p99 $p99, non-2xx ${bad:-0}"
}

# to_ms WRK_DURATION: "512.00us", "1.20ms" or "2.00s" in milliseconds.
to_ms() {
  awk -v d="$1" 'BEGIN {
    v = d + 0
    if (d ~ /us$/) v /= 1000; else if (d ~ /ms$/) v += 0;
    else if (d ~ /m$/) v *= 60000; else if (d ~ /s$/) v *= 1000;
    printf "%.3f", v }'
}
