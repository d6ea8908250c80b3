#!/usr/bin/env bash
# sim-run run --executor-metrics: DIR/metrics.prom in Prometheus text, its counts equal to the
# requests the trace shows answered, and the trace's hash unchanged by keeping the metrics.
#   executor_metrics.sh SIM_RUN REPO_ROOT
set -uo pipefail
sim_run=$1
root=$2
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }

scenario="$root/scenarios/canary-traffic.yaml"
"$sim_run" run "$scenario" --quiet --trace-requests --out "$work/plain" >"$work/plain.out" 2>&1
"$sim_run" run "$scenario" --quiet --trace-requests --executor-metrics --out "$work/metrics" >"$work/metrics.out" 2>&1
rc=$?
[[ $rc -eq 0 && -s "$work/metrics/metrics.prom" ]] && ok "run --executor-metrics writes metrics.prom" || { fail "rc=$rc"; cat "$work/metrics.out"; }
a=$(sed -n 's/^trace sha256: //p' "$work/plain.out")
b=$(sed -n 's/^trace sha256: //p' "$work/metrics.out")
[[ -n "$a" && "$a" == "$b" ]] && ok "the trace is the same with and without the metrics ($a)" || fail "hash $a vs $b"

if python3 - "$work/metrics/metrics.prom" "$work/metrics/trace.jsonl" <<'PY'
import json, re, sys
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$')
label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
served, buckets = {}, {}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    m = sample.match(line)
    assert m, line
    name, labels, value = m.group(1), dict(label.findall(m.group(2))), float(m.group(3))
    if name == "seldon_api_executor_server_requests_seconds_count" and labels["service"] == "predictions":
        key = (labels["predictor_name"], labels["code"])
        served[key] = served.get(key, 0) + value
    if name == "seldon_api_executor_server_requests_seconds_bucket":
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        buckets.setdefault(key, []).append(value)
# The trace's request lines (live requests, no shadows here): the executor answered each.
answered = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if r["kind"] == "request":
        key = (r["predictor"], str(r["code"]))
        answered[key] = answered.get(key, 0) + 1
assert served == answered, (served, answered)
for key, values in buckets.items():
    assert values == sorted(values), ("buckets not cumulative", key, values)
print("predictions per (predictor, code):", served)
PY
then ok "metrics.prom counts every request the trace shows answered, per predictor and code"
else fail "metrics.prom disagrees with the trace"; fi

"$sim_run" run "$scenario" --executor-metrics >"$work/noout.out" 2>&1
[[ $? -eq 2 ]] && grep -q 'give --out DIR' "$work/noout.out" && ok "--executor-metrics without --out is a usage error (exit 2)" || fail "no --out: $(cat "$work/noout.out")"

if [[ $failures -ne 0 ]]; then echo "$failures check(s) failed"; exit 1; fi
echo "all executor-metrics checks passed"
