#!/usr/bin/env bash
# Sets up, builds and runs every test of DataMgmt Node. The one test command:
# CI (.ci/run) calls exactly this, and README.md documents it.
#
#   tools/test.sh                 # install missing packages, build, test all
#   BAZEL_FLAGS=--config=nosandbox tools/test.sh   # where sandboxing is denied
#   FUZZ_SECONDS=60 tools/test.sh # fuzz each target longer (0: no fuzzing)
#
# The last line printed is the summary "N passed, N failed", counting test
# cases (GoogleTest cases, read from each target's JUnit XML); a test target
# that fails without reporting cases (crash, timeout, build failure) counts as
# one failure. Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

tools/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

read -r -a bazel_flags <<<"${BAZEL_FLAGS:-}"
# Bazel with its stderr merged into stdout in order (so the summary stays the
# last line) and Debian's JVM deprecation warning dropped.
bazel() {
  command bazel "$@" 2>&1 |
    grep --line-buffered -v -e '^OpenJDK 64-Bit Server VM warning'
  return "${PIPESTATUS[0]}"
}

echo "== build"
if ! bazel build "${bazel_flags[@]}" //...; then
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== test"
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
bazel test "${bazel_flags[@]}" --keep_going --test_summary=short //... |
  tee "$summary"
bazel_rc=${PIPESTATUS[0]}

# attr NAME ELEMENT: the integer value of attribute NAME in ELEMENT, or 0.
attr() { grep -o -E " $1=\"[0-9]+\"" <<<"$2" | grep -o -E '[0-9]+' || echo 0; }

# Count test cases. Bazel's per-target status line decides whether a target
# passed; its JUnit XML says how many cases it ran.
passed=0
failed=0
testlogs=$(command bazel info "${bazel_flags[@]}" bazel-testlogs 2>/dev/null)
while read -r target; do
  [[ -z "$target" ]] && continue
  status=$(grep -E "^${target}[[:space:]]" "$summary" | head -n 1)
  rel=${target#//}
  xml="$testlogs/${rel/://}/test.xml"
  # The first element with counts: <testsuites> (GoogleTest) or <testsuite>
  # (Bazel's own report for a target that is not a GoogleTest binary).
  head=$(grep -o -m1 -E '<testsuites?[^>]* tests="[0-9]+"[^>]*>' "$xml" \
    2>/dev/null || true)
  n=$(attr tests "$head") f=$(attr failures "$head") e=$(attr errors "$head")
  d=$(attr disabled "$head")
  ran=$((n - d)) bad=$((f + e))
  case "$status" in
    *" PASSED"*)
      if [[ $ran -le 0 ]]; then
        echo "FAILED (ran no test case): $target"
        failed=$((failed + 1))
      else
        passed=$((passed + ran))
      fi
      ;;
    *" FAILED in"* | *" TIMEOUT"* | *" FLAKY"*)
      [[ $ran -gt $bad ]] && passed=$((passed + ran - bad))
      failed=$((failed + (bad > 0 ? bad : 1)))
      ;;
    *)
      echo "FAILED (${status:-no status}): $target"
      failed=$((failed + 1))
      ;;
  esac
done < <(command bazel query "${bazel_flags[@]}" 'tests(//...)' 2>/dev/null)

echo "== architecture"
arch=$(tools/check_architecture.sh)
echo "$arch"
if [[ $(tail -n 1 <<<"$arch") =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
else
  failed=$((failed + 1))
fi

echo "== fuzz"
# The fuzz targets of fuzz/ (tools/fuzz.sh: a clang build in its own output
# base, regression inputs replayed, then FUZZ_SECONDS of fuzzing per target,
# FUZZ_JOBS at a time). Each target counts as one test; FUZZ_SECONDS=0 skips.
if [[ ${FUZZ_SECONDS:-20} != 0 ]]; then
  fuzz_log=$(mktemp)
  tools/fuzz.sh --seconds "${FUZZ_SECONDS:-20}" --jobs "${FUZZ_JOBS:-2}" 2>&1 |
    tee "$fuzz_log"
  fuzz=$(tail -n 1 "$fuzz_log")
  rm -f "$fuzz_log"
  if [[ $fuzz =~ ^fuzz:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    failed=$((failed + 1))
  fi
fi

echo "== end-to-end"
# Real processes on loopback (tests/e2e/*_test.sh). Each prints
# "NAME: N passed, N failed"; a script that ends without it counts as one
# failure.
e2e_scripts=(tests/e2e/*_test.sh)
if [[ -e "${e2e_scripts[0]}" ]]; then
  if grpcurl=$(tools/go-tools.sh grpcurl); then
    bin_dir=$(command bazel info "${bazel_flags[@]}" bazel-bin 2>/dev/null)
    for script in "${e2e_scripts[@]}"; do
      name=$(basename "$script" .sh)
      out=$(E2E_BIN="$bin_dir" GRPCURL="$grpcurl" timeout 1200 bash "$script" 2>&1)
      rc=$?
      echo "$out"
      line=$(grep -E "^${name}: [0-9]+ passed, [0-9]+ failed$" <<<"$out" | tail -n 1)
      if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        passed=$((passed + BASH_REMATCH[1]))
        failed=$((failed + BASH_REMATCH[2]))
        [[ $rc -ne 0 && ${BASH_REMATCH[2]} -eq 0 ]] && failed=$((failed + 1))
      else
        echo "FAILED (no summary, exit $rc): $script"
        failed=$((failed + 1))
      fi
    done
  else
    echo "FAILED: cannot install grpcurl for the end-to-end tests"
    failed=$((failed + 1))
  fi
fi

if [[ $bazel_rc -ne 0 && $failed -eq 0 ]]; then
  failed=1  # bazel failed for a reason no per-target status shows
fi
echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
