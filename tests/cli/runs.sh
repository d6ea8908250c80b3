#!/usr/bin/env bash
# Whole runs and their verdicts: exit codes and the messages that explain them.
set -u
sim_run=$1
runs="$2/tests/scenarios/runs"
fail=0
check() {  # scenario expected-exit expected-text
  local out code
  out=$("$sim_run" run "$runs/$1" --quiet 2>&1)
  code=$?
  if [ "$code" != "$2" ]; then
    echo "FAIL: $1: exit $code, expected $2"; echo "$out"; fail=1; return
  fi
  if ! grep -qF -- "$3" <<<"$out"; then
    echo "FAIL: $1: output lacks: $3"; echo "$out"; fail=1; return
  fi
  echo "ok: $1 (exit $code)"
}
check refused-step.yaml 1 'refused-step.yaml:10:7): the API server refused this step: deployments.apps "missing" not found'
check expected-refusal.yaml 0 '0 of 0 expectations held'
check refusal-wrong-message.yaml 1 'does not match /Traffic must sum to 100/'
check unrefused-step.yaml 1 'expected the API server to refuse this step, but it was accepted'
check failing-expectation.yaml 1 'at 00:00:00: expected 3, observed 2'
check failing-expectation.yaml 1 'at 00:00:10: no value at status.conditions[type=Bogus].status'
check operator-down.yaml 0 '3 of 3 expectations held'
check bad-manifest.yaml 2 'manifests/no-kind.yaml:1:1: kind: required'
# validate reads the manifests an apply step names, as run does.
out=$("$sim_run" validate "$runs/bad-manifest.yaml" 2>&1); code=$?
if [ "$code" = 2 ] && grep -qF 'manifests/no-kind.yaml:1:1: kind: required' <<<"$out"; then
  echo "ok: validate reports a bad manifest"
else
  echo "FAIL: validate on bad-manifest.yaml: exit $code"; echo "$out"; fail=1
fi
exit $fail
