#!/usr/bin/env bash
# sim-run's exit codes and help: 0 success, 2 usage, and every command teaches with --help.
set -u
sim_run=$1
root=$2
fail=0
expect() {  # expected-code description command...
  local want=$1 what=$2
  shift 2
  "$@" >/tmp/sim-run-cli.out 2>&1
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; cat /tmp/sim-run-cli.out; fail=1
  else
    echo "ok: $what"
  fi
}
expect 2 "no arguments is a usage error" "$sim_run"
expect 0 "--help" "$sim_run" --help
expect 2 "unknown command" "$sim_run" frobnicate
for c in run validate explain bench version; do
  expect 0 "$c --help" "$sim_run" "$c" --help
  grep -q "Usage: sim-run $c" /tmp/sim-run-cli.out || { echo "FAIL: $c --help has no usage line"; fail=1; }
done
expect 0 "version" "$sim_run" version
expect 2 "run without a file" "$sim_run" run
expect 2 "run on a missing file" "$sim_run" run "$root/scenarios/does-not-exist.yaml"
expect 2 "run with an unknown option" "$sim_run" run "$root/scenarios/hello-cluster.yaml" --frob
expect 2 "run with a bad seed" "$sim_run" run "$root/scenarios/hello-cluster.yaml" --seed abc
exit $fail
