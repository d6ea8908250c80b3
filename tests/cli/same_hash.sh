#!/usr/bin/env bash
# A whole run is deterministic: the same scenario and seed give the same trace hash twice, and
# the trace written with --out hashes to the printed value; another seed gives another hash.
set -eu
sim_run=$1
root=$2
scenario="$root/scenarios/hello-cluster.yaml"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
h1=$("$sim_run" run "$scenario" --out "$out/a" | tail -n 1)
h2=$("$sim_run" run "$scenario" | tail -n 1)
h3=$("$sim_run" run "$scenario" --seed 7 | tail -n 1)
echo "first:  $h1"; echo "second: $h2"; echo "seed 7: $h3"
case "$h1" in "trace sha256: "*) ;; *) echo "FAIL: last line is not the hash"; exit 1 ;; esac
[ "$h1" = "$h2" ] || { echo "FAIL: same seed, different hash"; exit 1; }
[ "$h1" != "$h3" ] || { echo "FAIL: another seed, same hash"; exit 1; }
file_hash="trace sha256: $(sha256sum "$out/a/trace.jsonl" | cut -d' ' -f1)"
[ "$h1" = "$file_hash" ] || { echo "FAIL: trace.jsonl hashes to $file_hash"; exit 1; }
for f in trace.jsonl summary.txt junit.xml; do
  [ -s "$out/a/$f" ] || { echo "FAIL: --out did not write $f"; exit 1; }
done
echo ok
