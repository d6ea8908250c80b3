#!/usr/bin/env bash
# sim-run verify and sim-run sweep end to end: verdicts, exit codes, the reproduce command,
# and that parallel runs give the hashes sequential runs give (nothing shared between threads).
set -u
sim_run=$1
root=$2
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
expect() {  # expected-code description command...
  local want=$1 what=$2
  shift 2
  "$@" >"$out" 2>&1
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; cat "$out"; fail=1; return 1
  fi
  echo "ok: $what"
}
contains() {  # description text
  grep -qF -- "$2" "$out" || { echo "FAIL: $1: output lacks: $2"; cat "$out"; fail=1; }
}
hello="$root/scenarios/hello-cluster.yaml"
seedy="$root/tests/scenarios/runs/seed-dependent.yaml"

for c in verify sweep; do
  expect 0 "$c --help" "$sim_run" "$c" --help && contains "$c --help" "Usage: sim-run $c"
done

expect 0 "verify: hello-cluster is deterministic" "$sim_run" verify "$hello" --runs 3
contains "verify prints each run's hash" "run 3: "
contains "verify's verdict" "deterministic: 3 runs of hello-cluster (seed 42) gave the same trace hash"
hash=$("$sim_run" run "$hello" --quiet | tail -n 1 | sed 's/^trace sha256: //')
contains "verify's hash is run's hash" "run 1: $hash"
expect 2 "verify --runs 1 is a usage error" "$sim_run" verify "$hello" --runs 1
expect 2 "verify on a missing file" "$sim_run" verify "$root/scenarios/nope.yaml"
expect 2 "verify with an unknown option" "$sim_run" verify "$hello" --frob

expect 0 "sweep: every seed passes" "$sim_run" sweep "$hello" --seeds 1..3 -j 2
contains "sweep summary" "3 of 3 seeds passed"
expect 2 "sweep without --seeds" "$sim_run" sweep "$hello"
expect 2 "sweep with a backwards range" "$sim_run" sweep "$hello" --seeds 9..2
expect 2 "sweep with a bad range" "$sim_run" sweep "$hello" --seeds 1..x
expect 2 "sweep with -j 0" "$sim_run" sweep "$hello" --seeds 1..2 -j 0

# seed-dependent.yaml deletes one of three pods at random: some seeds fail, some pass.
expect 1 "sweep: some seeds fail" "$sim_run" sweep "$seedy" --seeds 1..12 -j 2 --list
contains "sweep names the failure" 'expectation "pod-a survives" at 00:02:00: expected 1, observed 0'
failing=$(sed -n 's/^FAIL seed \([0-9]*\):.*/\1/p' "$out")
passing=$(sed -n 's/^seed \([0-9]*\): ok .*/\1/p' "$out")
[ -n "$failing" ] && [ -n "$passing" ] || { echo "FAIL: expected both failing and passing seeds"; cat "$out"; fail=1; }
for s in $failing; do
  contains "reproduce line for seed $s" "reproduce: scripts/sim-run run $seedy --seed $s"
done
listing=$(cat "$out")
# The command it prints reproduces the failure; a passing seed passes alone too; and each
# seed's hash from the parallel sweep is the hash of a run on its own.
for s in $failing $passing; do
  want=1; grep -qx "$s" <<<"$passing" && want=0
  got_hash=$("$sim_run" run "$seedy" --seed "$s" --quiet | tail -n 1 | sed 's/^trace sha256: //')
  "$sim_run" run "$seedy" --seed "$s" --quiet >/dev/null 2>&1; code=$?
  [ "$code" = "$want" ] || { echo "FAIL: run --seed $s exits $code, sweep said $want"; fail=1; }
  grep -qE "^seed $s: (ok  |FAIL) $got_hash\$" <<<"$listing" ||
    { echo "FAIL: seed $s: sweep's hash differs from a lone run's ($got_hash)"; fail=1; }
done
[ $fail = 0 ] && echo "all ok"
exit $fail
