#!/usr/bin/env bash
# The request path end to end on scenarios/canary-traffic.yaml: the run passes, the same seed
# gives the same hash, and with --trace-requests there is one `request` line per live request
# counted in the per-second `traffic` lines.
set -u
sim_run=$1
root=$2
scenario="$root/scenarios/canary-traffic.yaml"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$sim_run" run "$scenario" --quiet --out "$out/a" > "$out/a.txt" 2>&1
code=$?
cat "$out/a.txt"
[ "$code" = 0 ] || { echo "FAIL: exit $code"; exit 1; }
h2=$("$sim_run" run "$scenario" --quiet | tail -n 1)
[ "$(tail -n 1 "$out/a.txt")" = "$h2" ] || { echo "FAIL: same seed, different hash"; exit 1; }
grep -q '"kind":"request"' "$out/a/trace.jsonl" && { echo "FAIL: request lines without --trace-requests"; exit 1; }
"$sim_run" run "$scenario" --quiet --trace-requests --out "$out/b" > /dev/null || { echo "FAIL: --trace-requests run"; exit 1; }
requests=$(grep -c '"kind":"request"' "$out/b/trace.jsonl")
counted=$(grep '"kind":"traffic"' "$out/b/trace.jsonl" | grep '"shadow":false' |
  sed 's/.*"requests":\([0-9]*\).*/\1/' | awk '{s += $1} END {print s + 0}')
echo "request lines: $requests, requests in traffic lines: $counted"
[ "$requests" -gt 10000 ] && [ "$requests" = "$counted" ] || { echo "FAIL: request lines do not match"; exit 1; }
echo ok
