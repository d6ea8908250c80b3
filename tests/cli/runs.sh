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
check cascade-delete.yaml 0 '6 of 6 expectations held'
check bad-manifest.yaml 2 'manifests/no-kind.yaml:1:1: kind: required'
# validate reads the manifests an apply step names, as run does.
out=$("$sim_run" validate "$runs/bad-manifest.yaml" 2>&1); code=$?
if [ "$code" = 2 ] && grep -qF 'manifests/no-kind.yaml:1:1: kind: required' <<<"$out"; then
  echo "ok: validate reports a bad manifest"
else
  echo "FAIL: validate on bad-manifest.yaml: exit $code"; echo "$out"; fail=1
fi
# validate on plain manifests: admission's verdict, as kubectl would print it.
fixtures="$2/fixtures/manifests"
out=$("$sim_run" validate "$fixtures/bad-traffic.yaml" 2>&1); code=$?
if [ "$code" = 1 ] && grep -qF 'denied the request: SeldonDeployment.machinelearing.seldon.io "sentiment-model" is invalid: spec: Invalid value: "default": Traffic must sum to 100 for multiple predictors' <<<"$out"; then
  echo "ok: validate rejects bad-traffic.yaml with the webhook's message"
else
  echo "FAIL: validate bad-traffic.yaml: exit $code"; echo "$out"; fail=1
fi
out=$("$sim_run" validate "$fixtures/sentiment-v1.yaml" "$fixtures/namespace.yaml" 2>&1); code=$?
if [ "$code" = 0 ] && grep -qF 'SeldonDeployment/seldon/sentiment-classifier accepted' <<<"$out"; then
  echo "ok: validate accepts the reference manifest"
else
  echo "FAIL: validate sentiment-v1.yaml: exit $code"; echo "$out"; fail=1
fi
out=$("$sim_run" validate "$runs/manifests/no-kind.yaml" 2>&1); code=$?
if [ "$code" = 2 ] && grep -qF 'no-kind.yaml:1:1: kind: required' <<<"$out"; then
  echo "ok: validate reports an unusable manifest with exit 2"
else
  echo "FAIL: validate no-kind.yaml: exit $code"; echo "$out"; fail=1
fi
exit $fail
