#!/usr/bin/env bash
# Builds the fuzz targets of fuzz/ with Debian's clang (libFuzzer, ASan,
# UBSan; --config=fuzz in .bazelrc), replays each target's kept crash inputs
# (fuzz/regressions/<target>/), then fuzzes each target for a bounded time on
# a copy of its seed corpus (fuzz/corpus/<target>/). See fuzz/README.md.
#
#   tools/fuzz.sh                         # every target, 60 s each
#   tools/fuzz.sh --seconds 300 gateway_http_fuzz
#   tools/fuzz.sh --jobs 2 --seconds 20   # two targets at a time
#
# Options:
#   --seconds N   fuzzing time per target (default 60)
#   --jobs J      targets fuzzed at the same time (default 1: execs/s are
#                 then comparable between runs)
#   --no-build    use the binaries of the last build
#   TARGET...     target names (default: every fuzz/*_fuzz.cc)
# Environment: BAZEL_FLAGS (passed to Bazel, e.g. --config=nosandbox),
# FUZZ_OUTPUT_BASE (Bazel's output base for the clang build; default: one
# per checkout under ~/.cache/datamgmt-fuzz, so the gcc build's cache is
# never invalidated), FUZZ_OUT (where crash inputs and logs of failed targets
# are kept; default .fuzz/ in the checkout).
#
# Prints one line per target, e.g.
#   PASS known_peers_fuzz: 19754 exec/s, cov 2921 of 9229 PCs, ft 12539,
#        corpus 1718 inputs (465Kb), 1205054 runs in 60 s
# and FAIL lines naming the kept crash input; the last line is
# "fuzz: N passed, N failed". Exits non-zero if any target crashed, leaked,
# timed out, ran out of memory, failed to replay a regression input, or did
# not build.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=60
jobs=1
build=1
targets=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=${2:?}; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    --jobs) jobs=${2:?}; shift 2 ;;
    --jobs=*) jobs=${1#*=}; shift ;;
    --no-build) build=0; shift ;;
    -h | --help)
      sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ! [[ $seconds =~ ^[1-9][0-9]*$ && $jobs =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: --seconds and --jobs take positive integers" >&2
  exit 2
fi
if [[ ${#targets[@]} -eq 0 ]]; then
  for src in fuzz/*_fuzz.cc; do targets+=("$(basename "$src" .cc)"); done
fi
for t in "${targets[@]}"; do
  if [[ ! -f fuzz/$t.cc ]]; then
    echo "fuzz.sh: no fuzz target $t (fuzz/$t.cc)" >&2
    exit 2
  fi
done

fail_all() {  # every target counts as failed
  echo "fuzz: 0 passed, ${#targets[@]} failed"
  exit 1
}

tools/deps.sh --fuzz || fail_all

read -r -a bazel_flags <<<"${BAZEL_FLAGS:-}"
checkout=$(pwd -P)
output_base=${FUZZ_OUTPUT_BASE:-${XDG_CACHE_HOME:-$HOME/.cache}/datamgmt-fuzz/$(
  md5sum <<<"$checkout" | cut -c1-16)}
mkdir -p "$output_base"
# The clang build's own Bazel server; it exits after 10 idle minutes.
fuzz_bazel() {
  command bazel --output_base="$output_base" --max_idle_secs=600 "$@" 2>&1 |
    grep --line-buffered -v -e '^OpenJDK 64-Bit Server VM warning'
  return "${PIPESTATUS[0]}"
}

labels=()
for t in "${targets[@]}"; do labels+=("//fuzz:$t"); done
if ((build)); then
  echo "== fuzz: building ${#targets[@]} target(s) with clang" \
    "(output base $output_base)"
  start=$SECONDS
  if ! fuzz_bazel build "${bazel_flags[@]}" --config=fuzz "${labels[@]}" \
    >"$output_base/build.log"; then
    tail -n 40 "$output_base/build.log"
    echo "FAILED: the fuzz build (log: $output_base/build.log)"
    fail_all
  fi
  echo "== fuzz: built in $((SECONDS - start)) s"
fi
bin=$(command bazel --output_base="$output_base" info "${bazel_flags[@]}" \
  --config=fuzz bazel-bin 2>/dev/null)/fuzz
[[ -d $bin ]] || { echo "FAILED: no fuzz build in $output_base"; fail_all; }

out=${FUZZ_OUT:-$checkout/.fuzz}
work=$(mktemp -d -t datamgmt-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Sanitizers: every report is fatal; leaks are reported.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer ||
  ls /usr/lib/llvm-14/bin/llvm-symbolizer 2>/dev/null || true)
[[ -n $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=$symbolizer

# flags_of TARGET: libFuzzer flags of one target.
flags_of() {
  local dict=""
  case $1 in
    known_peers_fuzz) dict=fuzz/dicts/json.dict ;;
    gateway_http_fuzz | gateway_transcode_fuzz)
      dict=$work/$1.dict
      cat fuzz/dicts/http.dict fuzz/dicts/json.dict >"$dict"
      ;;
  esac
  [[ -n $dict ]] && echo "-dict=$dict"
  case $1 in
    # Targets that serve through gRPC: its threads free a call's memory
    # after the call returns, which makes libFuzzer's per-input leak check
    # fire (and run LeakSanitizer) on most inputs, at a third of the speed.
    # LeakSanitizer still checks the whole process at exit.
    p2p_*_fuzz | gateway_http_fuzz) echo "-detect_leaks=0" ;;
  esac
}

# run_target TARGET: replays regressions, fuzzes; writes $work/TARGET.result.
run_target() {
  local t=$1 dir=$work/$1 result=$work/$1.result
  mkdir -p "$dir/corpus" "$dir/tmp" "$dir/artifacts"
  cp fuzz/corpus/"$t"/* "$dir/corpus/" 2>/dev/null
  local -a flags
  read -r -a flags <<<"$(flags_of "$t" | tr '\n' ' ')"
  # The harnesses keep their temporary files (RocksDB, a Unix socket) here.
  export TMPDIR=$dir/tmp

  local regressions=(fuzz/regressions/"$t"/*)
  if [[ -e ${regressions[0]} ]]; then
    if ! timeout 300 "$bin/$t" -runs=1 "${flags[@]}" "${regressions[@]}" \
      >"$dir/replay.log" 2>&1; then
      mkdir -p "$out/$t"
      cp "$dir/replay.log" "$out/$t/replay.log"
      echo "FAIL $t: a regression input crashes again" \
        "(log: $out/$t/replay.log)" >"$result"
      return
    fi
  fi

  timeout $((seconds + 300)) "$bin/$t" -max_total_time="$seconds" \
    -timeout=25 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" "${flags[@]}" "$dir/corpus" \
    >"$dir/fuzz.log" 2>&1
  local rc=$?
  local log=$dir/fuzz.log
  local done_line pcs execs runs
  done_line=$(grep -a -E '^#[0-9]+[[:space:]]+DONE ' "$log" | tail -n 1)
  pcs=$(grep -a -o -E 'Loaded 1 modules +\([0-9]+ inline' "$log" |
    grep -o -E '[0-9]+' | tail -n 1)
  execs=$(grep -a -o -E 'average_exec_per_sec: +[0-9]+' "$log" |
    grep -o -E '[0-9]+$')
  runs=$(grep -a -o -E 'number_of_executed_units: +[0-9]+' "$log" |
    grep -o -E '[0-9]+$')
  local cov ft corp
  cov=$(grep -o -E 'cov: [0-9]+' <<<"$done_line" | grep -o -E '[0-9]+')
  ft=$(grep -o -E 'ft: [0-9]+' <<<"$done_line" | grep -o -E '[0-9]+')
  corp=$(grep -o -E 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$done_line" |
    sed -E 's/corp: ([0-9]+)\/(.*)/\1 inputs (\2)/')
  if [[ $rc -eq 0 && -n $done_line ]] &&
    ! compgen -G "$dir/artifacts/*" >/dev/null; then
    echo "PASS $t: ${execs:-?} exec/s, cov ${cov:-?} of ${pcs:-?} PCs," \
      "ft ${ft:-?}, corpus ${corp:-?}, ${runs:-?} runs in $seconds s" \
      >"$result"
    return
  fi
  # Keep what libFuzzer wrote (crash-, leak-, timeout-, oom- inputs) and
  # the log.
  mkdir -p "$out/$t"
  cp "$log" "$out/$t/fuzz.log"
  local kept=()
  for f in "$dir"/artifacts/*; do
    [[ -e $f ]] || continue
    cp "$f" "$out/$t/" && kept+=("$out/$t/$(basename "$f")")
  done
  local why
  local reasons='SUMMARY: [A-Za-z]+: [^ ]+( [^ ]+)?|FUZZ_CHECK failed: .{0,120}'
  reasons+='|ALARM: working on the last Unit|out-of-memory'
  why=$(grep -a -m1 -o -E "$reasons" "$log" | head -n 1)
  [[ $rc -eq 124 ]] && why="did not end within $((seconds + 300)) s"
  echo "FAIL $t: ${why:-exit $rc}; input kept: ${kept[*]:-none};" \
    "log: $out/$t/fuzz.log" >"$result"
}

echo "== fuzz: ${#targets[@]} target(s), $seconds s each, $jobs at a time"
running=0
for t in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
wait

passed=0
failed=0
for t in "${targets[@]}"; do
  if [[ -f $work/$t.result ]]; then
    line=$(cat "$work/$t.result")
  else
    line="FAIL $t: no result"
  fi
  echo "$line"
  if [[ $line == PASS* ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
