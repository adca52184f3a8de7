#!/usr/bin/env bash
# Builds the libFuzzer targets with AddressSanitizer and runs each for FUZZ_SECONDS (60).
#   scripts/fuzz.sh                 every target
#   scripts/fuzz.sh events          one of: events, requests, differential
# Seeds: Fuzz/corpus/<target>/ (read only); what the fuzzer learns goes to
# .build-fuzz/corpus/<target>/. A crash stops the run with the input saved under
# .build-fuzz/crashes/<target>/: fix it, then copy the input to Fuzz/crashers/<target>/,
# where `make test` replays it as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
seconds=${FUZZ_SECONDS:-60}
targets=("${@:-events requests differential}")
read -r -a targets <<< "${targets[*]}"

for target in "${targets[@]}"; do
  swift build --scratch-path .build-fuzz --product "callpulse-fuzz-$target" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
    -Xcc -fsanitize=fuzzer-no-link,address \
    -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld 2>&1 | grep -v "Cannot export local symbol" | tail -1
done

status=0
for target in "${targets[@]}"; do
  work=.build-fuzz/corpus/$target crashes=.build-fuzz/crashes/$target
  mkdir -p "$work" "$crashes" "Fuzz/crashers/$target"
  echo "==> fuzzing $target for ${seconds}s (seeds: Fuzz/corpus/$target, $(ls Fuzz/corpus/$target | wc -l) files)"
  log=.build-fuzz/$target.log
  if ASAN_OPTIONS=detect_leaks=0 .build-fuzz/debug/callpulse-fuzz-$target \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$crashes/" "$work" "Fuzz/corpus/$target" "Fuzz/crashers/$target" > "$log" 2>&1; then
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done)" "$log" | tr '\n' ' '
    grep -E "cov: [0-9]+" "$log" | tail -1 | grep -oE "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+" || true
    echo
  else
    status=1
    echo "fuzz: $target FAILED; the input is in $crashes/:"
    ls -1 "$crashes"
    grep -E -A25 "ERROR|Fatal error|panic|==[0-9]+==" "$log" | head -60
  fi
done
exit $status
