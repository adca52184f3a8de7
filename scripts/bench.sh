#!/usr/bin/env bash
# `make bench`: core and replay throughput, printed beside spec/quality.md's targets.
# Figures are printed, never asserted: the machine is shared and noisy.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
events=${BENCH_EVENTS:-1000000}

"$bin/callpulse-bench" --events "$events" --runs "${BENCH_RUNS:-5}"

echo
echo "replay through the CLI (file on disk, page cache warm):"
file=.build/bench-events.ndjson
if [ ! -s "$file" ] || [ "$(wc -l < "$file")" -ne "$events" ]; then
  "$bin/callpulse" simulate --queues 20 --rate 300 --count "$events" --seed 42 --output "$file"
fi
cat "$file" > /dev/null
size=$(stat -c %s "$file")
best=""
for _ in 1 2 3; do
  start=$(date +%s.%N)
  "$bin/callpulse" replay "$file" > /dev/null
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" -eq 1 ]; then best=$t; fi
done
rss=$( { /usr/bin/env time -f "%M" "$bin/callpulse" replay "$file" > /dev/null; } 2>&1 | tail -1 ) || rss="?"
printf "  %d events, %.0f MB: best %.3f s = %.2fM events/s, %.0f MB/s; peak RSS %s KiB\n" \
  "$events" "$(echo "$size / 1000000" | bc -l)" "$best" "$(echo "$events / $best / 1000000" | bc -l)" \
  "$(echo "$size / $best / 1000000" | bc -l)" "$rss"
