#!/usr/bin/env bash
# Checks the layering rules of style.md that a compiler cannot:
#   1. the Kademlia core (//common/kademlia/..., and the abuse-resistance
#      core //common/abuse/...) depends on no gRPC,
#      protobuf, logging or storage library;
#   2. its sources never read the clock or a global random source
#      (time comes in as absl::Time now, randomness as absl::BitGenRef);
#   3. proto types stop at the adapters: the core includes no *.pb.h.
# Prints one line per rule and "check_architecture: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
read -r -a bazel_flags <<<"${BAZEL_FLAGS:-}"

passed=0
failed=0
check() {  # check NAME OUTPUT: passes when OUTPUT is empty
  if [[ -z "$2" ]]; then
    echo "PASS $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1:"
    sed 's/^/    /' <<<"$2"
    failed=$((failed + 1))
  fi
}

forbidden="'@system//:grpc++' + '@system//:grpc++_reflection' + '@system//:protobuf' + '@system//:spdlog' + '@system//:rocksdb'"
core_deps() {  # prints any dependency path from $1 to a forbidden library
  local out
  if ! out=$(bazel query "${bazel_flags[@]}" "somepath($1, $forbidden)" 2>&1); then
    echo "bazel query failed: $(grep ERROR <<<"$out")"
    return
  fi
  grep -v -E '^(Loading|INFO|OpenJDK|WARNING)' <<<"$out" | grep . || true
}
deps=$(core_deps '//common/kademlia/... + //common/abuse/...')
check "core has no gRPC/protobuf/spdlog/RocksDB dependency" "$deps"

clock=$(grep -n -E 'absl::Now\(|absl/time/clock\.h|std::chrono::(system|steady|high_resolution)_clock|time\(nullptr\)|std::random_device|absl::BitGen[^R]|std::this_thread::sleep' \
  $(git ls-files --cached --others --exclude-standard 'common/kademlia/*.h' 'common/kademlia/*.cc' 'common/abuse/*.h' 'common/abuse/*.cc' | grep -v -E '_test\.cc$|/testing/') 2>/dev/null)
check "core reads no clock and no global randomness" "$clock"

pb=$(grep -n -E '#include ".*\.pb\.h"' \
  $(git ls-files --cached --others --exclude-standard 'common/kademlia/*.h' 'common/kademlia/*.cc' 'common/abuse/*.h' 'common/abuse/*.cc') 2>/dev/null)
check "core includes no generated protobuf code" "$pb"

echo "check_architecture: ${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
