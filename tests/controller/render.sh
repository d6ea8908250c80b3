#!/usr/bin/env bash
# sim-run render end to end: the reference manifest renders to the golden names, output is
# deterministic, and bad input gets the documented exit codes.
set -u
sim_run=$1
root=$2
fail=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err" "$out.2" "$tmpdir"/*; rmdir "$tmpdir" 2>/dev/null' EXIT
tmpdir=$(mktemp -d)
input="$root/tests/controller/golden/learn-seldon-core-v1.input.yaml"
check() {  # description, then a command that must succeed
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}

"$sim_run" render "$input" >"$out" 2>"$err"
check "render exits 0" test $? -eq 0
for name in "# Deployment seldon/sentiment-classifier-default-0-classifier" \
            "# Service seldon/sentiment-classifier-default" \
            "# Service seldon/sentiment-classifier-default-classifier" \
            "  state: Available" \
            "    url: http://sentiment-classifier-default.seldon.svc.cluster.local:8000/api/v1.0/predictions"; do
  check "output has: $name" grep -qxF -- "$name" "$out"
done
check "two containers in the pod" test "$(grep -c '^        name: \(classifier\|seldon-container-engine\)$' "$out")" -eq 2
"$sim_run" render "$input" >"$out.2" 2>/dev/null
check "same output on a second run" cmp -s "$out" "$out.2"

check "no Istio objects by default" bash -c "! grep -q '^# VirtualService' '$out'"
"$sim_run" render --ingress istio "$input" >"$out" 2>"$err"
check "--ingress istio exits 0" test $? -eq 0
check "--ingress istio: the VirtualService" grep -qxF "# VirtualService seldon/sentiment-classifier" "$out"
check "--ingress istio: the DestinationRule" grep -qxF "# DestinationRule seldon/sentiment-classifier-default" "$out"
check "--ingress istio: the REST prefix" grep -qF "prefix: /seldon/seldon/sentiment-classifier/" "$out"
"$sim_run" render --ingress nginx "$input" >"$out" 2>"$err"
check "--ingress nginx is a usage error" test $? -eq 2

"$sim_run" render --first-pass "$input" >"$out" 2>"$err"
check "--first-pass: no entry Service yet" bash -c "! grep -qxF '# Service seldon/sentiment-classifier-default' '$out'"
check "--first-pass: state Creating" grep -qxF "  state: Creating" "$out"

printf 'apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\nmetadata: {name: x}\nspec:\n  predictors:\n  - name: p\n    graph: {name: missing}\n' >"$tmpdir/bad.yaml"
"$sim_run" render "$tmpdir/bad.yaml" >"$out" 2>"$err"
check "rejected manifest exits 1" test $? -eq 1
check "rejection prints the webhook's Status message" grep -qF \
  'admission webhook "v1.vseldondeployment.kb.io" denied the request: SeldonDeployment.machinelearing.seldon.io "" is invalid: spec.predictors[0].graph: Invalid value: "missing": Can'"'"'t find container for Predictive Unit' "$err"

printf 'kind: [\n' >"$tmpdir/broken.yaml"
"$sim_run" render "$tmpdir/broken.yaml" >"$out" 2>"$err"
check "unparsable manifest exits 2" test $? -eq 2
check "parse error names file:line:col" grep -qF "$tmpdir/broken.yaml:" "$err"
"$sim_run" render >"$out" 2>"$err"
check "no MANIFEST is a usage error" test $? -eq 2
"$sim_run" render --help >"$out" 2>"$err"
check "render --help" grep -q "Usage: sim-run render" "$out"
exit $fail
