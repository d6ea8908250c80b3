#!/usr/bin/env bash
# Every scenario of the catalog (scenarios/*.yaml) teaches one concept and pins its lesson with
# expectations: each must run to exit 0. A failure prints the scenario's own verdict.
set -u
sim_run=$1
root=$2
fail=0
count=0
for s in "$root"/scenarios/*.yaml; do
  count=$((count + 1))
  out=$("$sim_run" run "$s" --quiet 2>&1)
  code=$?
  if [ "$code" != 0 ]; then
    echo "FAIL: ${s#$root/}: exit $code"
    echo "$out"
    fail=1
  else
    echo "ok: ${s#$root/} ($(tail -n 1 <<<"$out"))"
  fi
done
if [ "$count" = 0 ]; then echo "FAIL: no scenario in $root/scenarios"; exit 1; fi
exit $fail
