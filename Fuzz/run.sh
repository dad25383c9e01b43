#!/bin/bash
# Builds the libFuzzer targets of Fuzz/ with the fuzzer and address sanitizers into .build-fuzz,
# then runs each for FUZZ_SECONDS (default 60) on a temporary copy of its seed corpus
# (Fuzz/corpus/<target>; the committed corpus never grows). A crash or broken invariant fails
# the run; the input that caused it is kept under .build-fuzz/crashes/<target>/ and its path
# printed. Usage: Fuzz/run.sh [target...]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

seconds=${FUZZ_SECONDS:-60}
scratch=.build-fuzz
flags=(--package-path Fuzz --scratch-path "$scratch" -c debug -Xswiftc -sanitize=fuzzer,address)
if [ $# -gt 0 ]; then targets=("$@"); else targets=(FuzzSaslauthd FuzzPwcheck FuzzAuthdaemond FuzzDoors FuzzDovecot FuzzRealms FuzzConfig); fi

# gold warns once per ASan helper symbol at every link; those lines say nothing about this code.
build_log=$(mktemp)
if ! swift build "${flags[@]}" >"$build_log" 2>&1; then
  grep -v "Cannot export local symbol" "$build_log" >&2
  rm -f "$build_log"
  exit 1
fi
grep -v "Cannot export local symbol" "$build_log" | grep -v '^\[' || true
rm -f "$build_log"
bin=$(swift build "${flags[@]}" --show-bin-path)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
crashes="$PWD/$scratch/crashes"
failed=()
for target in "${targets[@]}"; do
  corpus="$work/$target"
  mkdir -p "$corpus" "$crashes/$target"
  cp Fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  log="$crashes/$target/last-run.log"
  # SWIFT_BACKTRACE off: Swift's crash handler and ASan fight over a trapping process, and
  # libFuzzer's own report already names the invariant and keeps the input.
  # -timeout: a single input taking this long is a hang worth reporting, not a slow machine.
  if SWIFT_BACKTRACE=enable=no "$bin/$target" "$corpus" -max_total_time="$seconds" -max_len=4096 -timeout=30 \
      -artifact_prefix="$crashes/$target/" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
    rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
    rss=$(awk '/stat::peak_rss_mb/ {print $2}' "$log")
    echo "$target: ok, ${runs:-?} inputs in ${seconds}s (${rate:-?}/s, peak ${rss:-?} MB), corpus $(ls "$corpus" | wc -l) files"
  else
    echo "$target: FAILED (full log: $log)" >&2
    grep -E "invariant broken|Fatal error|ERROR: (AddressSanitizer|libFuzzer)|SUMMARY" "$log" | head -5 >&2 || true
    sed -n 's/.*Test unit written to \(.*\)/  crashing input: \1/p' "$log" >&2
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]}" >&2
  exit 1
fi
