# DataMgmt Node's side of bench/compare_opendht.sh: bench_ours N.
#
# N whole nodes (dht-service, peer-manager, health-monitor, gateway) on
# 127.0.0.1 with the seed's default intervals and k, nodes 2..N bootstrapping
# from node 1, all started at once. Measures, in order: bootstrap, idle RSS,
# the put/get workloads (dht_bench; puts on node 1, gets on the others) with
# the nodes' CPU time, REST GETs through node 2's gateway (wrk), and churn
# (20% of the nodes killed, earlier values read from the survivors 30 s
# later). Every process is stopped by PID before it returns.

bench_ours() {
  local n=$1 sys=datamgmt i
  local -a p2p api pm hm gw names pids
  for ((i = 1; i <= n; i++)); do
    e2e_free_port "p2p[$i]"
    e2e_free_port "api[$i]"
    e2e_free_port "pm[$i]"
    e2e_free_port "hm[$i]"
    e2e_free_port "gw[$i]"
  done
  e2e_gateway_token  # the gateways' bearer token for the one REST write
  say "$sys N=$n: starting $n nodes ($((4 * n)) processes)"
  local t0_ms
  t0_ms=$(date +%s%3N)
  for ((i = 1; i <= n; i++)); do
    local dir="$E2E_WORK/ours-n$n/node$i" peers=""
    mkdir -p "$dir"
    ((i > 1)) && peers="127.0.0.1:${p2p[1]}"
    e2e_start "n${n}o$i-dht" "$BIN/services/dht/dht-service" \
      --p2p_listen_host=127.0.0.1 --p2p_port="${p2p[$i]}" \
      --advertise_address="127.0.0.1:${p2p[$i]}" --api_port="${api[$i]}" \
      --data_dir="$dir" --peer_manager_address="127.0.0.1:${pm[$i]}" \
      --log_level=warn
    INITIAL_PEERS=$peers e2e_start "n${n}o$i-pm" \
      "$BIN/services/peer_manager/peer-manager" --port="${pm[$i]}" \
      --data_dir="$dir" --dht_api_address="127.0.0.1:${api[$i]}" \
      --log_level=warn
    e2e_start "n${n}o$i-hm" "$BIN/services/health_monitor/health-monitor" \
      --port="${hm[$i]}" --peer_manager_address="127.0.0.1:${pm[$i]}" \
      --dht_api_address="127.0.0.1:${api[$i]}" --log_level=warn
    e2e_start "n${n}o$i-gw" "$BIN/gateway/gateway" --port="${gw[$i]}" \
      --dht_api_address="127.0.0.1:${api[$i]}" \
      --peer_manager_address="127.0.0.1:${pm[$i]}" \
      --health_monitor_address="127.0.0.1:${hm[$i]}" --access_log=false \
      --auth_token_file="$E2E_GW_TOKEN_FILE"
    names+=("n${n}o$i-dht" "n${n}o$i-pm" "n${n}o$i-hm" "n${n}o$i-gw")
  done
  for name in "${names[@]}"; do pids+=("$(e2e_pid "$name")"); done

  local targets="" min=$((n - 1 < 8 ? n - 1 : 8))
  for ((i = 1; i <= n; i++)); do targets+="127.0.0.1:${api[$i]},"; done
  targets=${targets%,}
  "$BIN/bench/dht_bench" --mode=wait_contacts --targets="$targets" \
    --min_contacts="$min" --since_unix_ms="$t0_ms" --max_seconds=60 \
    --label="$sys N=$n" | tee "$E2E_WORK/out" | grep -v '^RESULT'
  record_results "$n" "$sys" "" <"$E2E_WORK/out"

  local ready=1
  for ((i = 1; i <= n; i++)); do
    gw_ready() { [[ $(curl -s -o /dev/null -w '%{http_code}' \
      "http://127.0.0.1:${gw[$i]}/readyz") == 200 ]]; }
    e2e_poll 60 gw_ready || { ready=0; say "$sys N=$n: node $i not ready"; }
  done
  if ((ready == 0)); then
    stop_pids "${names[@]}"
    return 1
  fi

  # Idle memory: a whole node is its four processes (shared libraries
  # counted once: node_rss_kib); the plain VmRSS sum is recorded too.
  sleep "$IDLE_SECONDS"
  local per_node=() per_node_sum=()
  for ((i = 1; i <= n; i++)); do
    per_node+=("$(node_rss_kib "${pids[@]:$((4 * (i - 1))):4}")")
    per_node_sum+=("$(rss_kib "${pids[@]:$((4 * (i - 1))):4}")")
  done
  local med max sum_med
  med=$(printf '%s\n' "${per_node[@]}" | median)
  max=$(printf '%s\n' "${per_node[@]}" | sort -n | tail -n 1)
  sum_med=$(printf '%s\n' "${per_node_sum[@]}" | median)
  record "$n" "$sys" idle_rss_mib "$(awk -v k="$med" 'BEGIN {printf "%.1f", k / 1024}')"
  record "$n" "$sys" idle_rss_max_mib "$(awk -v k="$max" 'BEGIN {printf "%.1f", k / 1024}')"
  record "$n" "$sys" idle_vmrss_sum_mib "$(awk -v k="$sum_med" 'BEGIN {printf "%.1f", k / 1024}')"
  say "$sys N=$n: idle node RSS median $((med / 1024)) MiB, libraries counted once (max $((max / 1024)) MiB; VmRSS of the four summed $((sum_med / 1024)) MiB)"

  # Workloads, with the nodes' CPU time around them.
  local ticks0 ops=0 size
  ticks0=$(cpu_ticks "${pids[@]}")
  for size in "${SIZES[@]}"; do
    say "$sys N=$n: put/get workload, $size-byte values"
    "$BIN/bench/dht_bench" --targets="$targets" --value_bytes="$size" \
      --sequential_ops="$OPS" --concurrent_ops=$((OPS * 10)) \
      --concurrency=20 --max_seconds="$PHASE_SECONDS" \
      --label="$sys N=$n ${size}B" \
      --samples_prefix="$PLOTS_DATA/$sys-n$n-$size" \
      --save_values="$E2E_WORK/ours-n$n-$size.values" |
      tee "$E2E_WORK/out" | grep -v '^RESULT'
    ops=$((ops + $(record_workload "$n" "$sys" "$size")))
  done
  record_cpu "$n" "$sys" $(($(cpu_ticks "${pids[@]}") - ticks0)) "$ops"

  report_exits "$sys" "$n" "${names[@]}"

  # REST: one 1 KiB value written through node 1, read through node 2.
  local hash
  hash=$(head -c 1024 /dev/urandom | curl -s "${E2E_GW_AUTH[@]}" \
    -H 'Content-Type: application/octet-stream' \
    --data-binary @- "http://127.0.0.1:${gw[1]}/data" | jq -r .hash)
  if [[ ${#hash} == 64 ]]; then
    wrk_run "http://127.0.0.1:${gw[2]}/data/$hash" 1 "$sys" "$n" rest_1conn
    wrk_run "http://127.0.0.1:${gw[2]}/data/$hash" "$REST_CONNECTIONS" \
      "$sys" "$n" rest_many
  else
    say "$sys N=$n: REST put failed; no REST results"
  fi

  # Churn: kill the last 20% of the nodes, read the earlier values later.
  local victims=() kill_count=$((n / 5)) survivors=""
  for ((i = n - kill_count + 1; i <= n; i++)); do
    victims+=("n${n}o$i-dht" "n${n}o$i-pm" "n${n}o$i-hm" "n${n}o$i-gw")
  done
  for ((i = 1; i <= n - kill_count; i++)); do
    survivors+="127.0.0.1:${api[$i]},"
  done
  say "$sys N=$n: churn: killing $kill_count nodes, reading in ${CHURN_WAIT}s"
  kill_pids "${victims[@]}"
  sleep "$CHURN_WAIT"
  "$BIN/bench/dht_bench" --mode=check --targets="${survivors%,}" \
    --values_file="$E2E_WORK/ours-n$n-${SIZES[0]}.values" \
    --max_seconds="$PHASE_SECONDS" --label="$sys N=$n after churn" |
    tee "$E2E_WORK/out" | grep -v '^RESULT'
  record_results "$n" "$sys" churn_ <"$E2E_WORK/out"

  report_exits "$sys" "$n" "${names[@]:0:$((4 * (n - kill_count)))}"
  say "$sys N=$n: stopping"
  local rest=()
  for name in "${names[@]}"; do
    [[ -n "${E2E_PIDS[$name]:-}" ]] && rest+=("$name")
  done
  stop_pids "${rest[@]}"
  rm -rf "$E2E_WORK/ours-n$n"
}
