# OpenDHT's side of bench/compare_opendht.sh: bench_opendht N.
#
# N dhtnode processes (Debian's OpenDHT) on 127.0.0.1 in a private network id,
# nodes 2..N bootstrapping from node 1, all started at once; node 2 also runs
# OpenDHT's REST proxy (--proxyserver, bound to 127.0.0.1). Nothing is ever
# bootstrapped from or bound to a non-loopback address, and the package's
# dhtnode system service is never started. The same measurements as
# bench_ours, with bench/opendht_bench.py as the load generator (its two
# client nodes bootstrap from nodes 1 and 2).
#
# Each dhtnode runs its interactive shell with stdin on a FIFO this script
# holds open, so "ll" can ask a node how many contacts it has.

bench_opendht() {
  local n=$1 sys=opendht i
  local network=$((4000 + RANDOM % 1000))
  local -a dport fifo_fd names pids
  e2e_free_port proxy
  for ((i = 1; i <= n; i++)); do e2e_free_port "dport[$i]"; done
  say "$sys N=$n: starting $n dhtnode processes (network id $network)"
  local t0_ms
  t0_ms=$(date +%s%3N)
  for ((i = 1; i <= n; i++)); do
    local fifo="$E2E_WORK/odht$i.in" fd args=(-n "$network" -p "${dport[$i]}")
    mkfifo "$fifo"
    exec {fd}<>"$fifo"  # held open for the node's life: no EOF on its stdin
    fifo_fd[$i]=$fd
    ((i > 1)) && args+=(-b "127.0.0.1:${dport[1]}")
    ((i == 2)) && args+=(--proxyserver "$proxy" --proxy-addr 127.0.0.1)
    e2e_start "n${n}d$i" bash -c 'exec "$@" <"$0"' "$fifo" dhtnode "${args[@]}"
    names+=("n${n}d$i")
  done
  for name in "${names[@]}"; do pids+=("$(e2e_pid "$name")"); done

  # Bootstrap: every node reports at least min(N-1, 8) good IPv4 nodes.
  local min=$((n - 1 < 8 ? n - 1 : 8)) done_count=0 deadline=$((SECONDS + 60))
  local -A done=()
  while ((done_count < n && SECONDS < deadline)); do
    for ((i = 1; i <= n; i++)); do
      [[ -z "${done[$i]:-}" ]] && echo ll >&"${fifo_fd[$i]}"
    done
    sleep 0.1
    for ((i = 1; i <= n; i++)); do
      [[ -n "${done[$i]:-}" ]] && continue
      local good
      good=$(grep -A1 '^IPv4 stats:' "$E2E_WORK/logs/n${n}d$i.log" | tail -n 1 |
        sed -n 's/^Known nodes: \([0-9]*\) good.*/\1/p')
      if [[ -n "$good" ]] && ((good >= min)); then
        done[$i]=1
        done_count=$((done_count + 1))
      fi
    done
  done
  local secs
  secs=$(awk -v a="$t0_ms" -v b="$(date +%s%3N)" 'BEGIN {printf "%.2f", (b - a) / 1000}')
  if ((done_count == n)); then
    record "$n" "$sys" bootstrap_s "$secs"
    say "$sys N=$n bootstrap: all $n nodes have >= $min contacts after $secs s"
  else
    record "$n" "$sys" bootstrap_s -1
    local fewest
    fewest=$(for ((i = 1; i <= n; i++)); do
      grep -A1 '^IPv4 stats:' "$E2E_WORK/logs/n${n}d$i.log" | tail -n 1 |
        sed -n 's/^Known nodes: \([0-9]*\) good.*/\1/p'
    done | sort -n | head -n 1)
    say "$sys N=$n bootstrap: $((n - done_count)) nodes below $min good contacts after $secs s (fewest: ${fewest:-0})"
  fi

  sleep "$IDLE_SECONDS"
  local med max proxy_rss
  med=$(for ((i = 3; i <= n; i++)); do rss_kib "${pids[i - 1]}"; done | median)
  max=$(for ((i = 1; i <= n; i++)); do rss_kib "${pids[i - 1]}"; done | sort -n | tail -n 1)
  proxy_rss=$(rss_kib "${pids[1]}")
  record "$n" "$sys" idle_rss_mib "$(awk -v k="$med" 'BEGIN {printf "%.1f", k / 1024}')"
  record "$n" "$sys" idle_vmrss_sum_mib "$(awk -v k="$med" 'BEGIN {printf "%.1f", k / 1024}')"
  record "$n" "$sys" idle_rss_max_mib "$(awk -v k="$max" 'BEGIN {printf "%.1f", k / 1024}')"
  say "$sys N=$n: idle dhtnode RSS median $((med / 1024)) MiB (max $((max / 1024)) MiB; the proxy node $((proxy_rss / 1024)) MiB)"

  local ticks0 ops=0 size
  ticks0=$(cpu_ticks "${pids[@]}")
  for size in "${SIZES[@]}"; do
    say "$sys N=$n: put/get workload, $size-byte values"
    timeout $((8 * PHASE_SECONDS + 60)) /usr/bin/python3 bench/opendht_bench.py \
      --network "$network" --writer "127.0.0.1:${dport[1]}" \
      --reader "127.0.0.1:${dport[2]}" --value-bytes "$size" \
      --sequential-ops "$OPS" --concurrent-ops $((OPS * 10)) \
      --concurrency 20 --max-seconds "$PHASE_SECONDS" \
      --label "$sys N=$n ${size}B" \
      --samples-prefix "$PLOTS_DATA/$sys-n$n-$size" \
      --save-values "$E2E_WORK/odht-n$n-$size.values" |
      tee "$E2E_WORK/out" | grep -v '^RESULT'
    ops=$((ops + $(record_workload "$n" "$sys" "$size")))
  done
  record_cpu "$n" "$sys" $(($(cpu_ticks "${pids[@]}") - ticks0)) "$ops"

  report_exits "$sys" "$n" "${names[@]}"

  # REST: a 1 KiB value the workload stored (the first of the first five
  # the proxy returns), through the proxy on node 2.
  local key="" k
  for k in $(awk 'NR <= 5 {print $1}' "$E2E_WORK/odht-n$n-${SIZES[0]}.values" 2>/dev/null); do
    if curl -s -m 10 "http://127.0.0.1:$proxy/key/$k" | grep -q '"data"'; then
      key=$k
      break
    fi
  done
  if [[ -n "$key" ]]; then
    wrk_run "http://127.0.0.1:$proxy/key/$key" 1 "$sys" "$n" rest_1conn
    wrk_run "http://127.0.0.1:$proxy/key/$key" "$REST_CONNECTIONS" "$sys" \
      "$n" rest_many
  else
    say "$sys N=$n: the proxy did not return the value; no REST results"
  fi

  # Churn: kill the last 20% of the nodes (never nodes 1 and 2).
  local victims=() kill_count=$((n / 5))
  for ((i = n - kill_count + 1; i <= n; i++)); do victims+=("n${n}d$i"); done
  say "$sys N=$n: churn: killing $kill_count nodes, reading in ${CHURN_WAIT}s"
  kill_pids "${victims[@]}"
  sleep "$CHURN_WAIT"
  timeout $((PHASE_SECONDS + 60)) /usr/bin/python3 bench/opendht_bench.py \
    --mode check --network "$network" --writer "127.0.0.1:${dport[1]}" \
    --reader "127.0.0.1:${dport[1]},127.0.0.1:${dport[2]}" \
    --max-seconds "$PHASE_SECONDS" \
    --values-file "$E2E_WORK/odht-n$n-${SIZES[0]}.values" \
    --label "$sys N=$n after churn" | tee "$E2E_WORK/out" | grep -v '^RESULT'
  record_results "$n" "$sys" churn_ <"$E2E_WORK/out"

  report_exits "$sys" "$n" "${names[@]:0:$((n - kill_count))}"
  say "$sys N=$n: stopping"
  local rest=()
  for name in "${names[@]}"; do
    [[ -n "${E2E_PIDS[$name]:-}" ]] && rest+=("$name")
  done
  stop_pids "${rest[@]}"
  for ((i = 1; i <= n; i++)); do exec {fifo_fd[$i]}>&-; done
  rm -f "$E2E_WORK"/odht*.in
}
