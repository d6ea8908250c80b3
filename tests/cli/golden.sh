#!/usr/bin/env bash
# The golden trace hashes (fixtures/golden/hashes.txt): each listed scenario and seed must still
# give the same trace. A difference means the simulation now behaves differently; that is fine
# only when it is meant, and then scripts/update-golden records the new hashes.
set -u
sim_run=$1
root=$2
golden="$root/fixtures/golden/hashes.txt"
cd "$root" || exit 2
fail=0
checked=0
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue ;; esac
  read -r scenario seed want _ <<<"$line"
  got=$("$sim_run" run "$scenario" --seed "$seed" --quiet 2>&1 | tail -n 1)
  got=${got#trace sha256: }
  checked=$((checked + 1))
  if [ "$got" = "$want" ]; then
    echo "ok: $scenario seed $seed"
  else
    echo "CHANGED: $scenario seed $seed"
    echo "  golden: $want"
    echo "  now:    $got"
    fail=1
  fi
done <"$golden"
[ "$checked" -gt 0 ] || { echo "FAIL: $golden lists no scenario"; exit 1; }
if [ $fail != 0 ]; then
  cat <<'MSG'

The trace of a golden scenario changed: the simulation now does something different.
- If the change is deliberate (a new trace kind, a fixed behaviour, a new layer), run
    scripts/update-golden
  and commit fixtures/golden/hashes.txt together with the change that explains it.
- If it is not, find what changed: run `sim-run run SCENARIO --seed SEED --out DIR` on this
  commit and on the last good one and diff the two trace.jsonl files.
MSG
fi
exit $fail
