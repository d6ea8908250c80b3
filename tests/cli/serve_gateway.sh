#!/usr/bin/env bash
# sim-run serve's Seldon gateway end to end: curl sends predictions and feedback through
# /seldon/<ns>/<name>/..., the answers carry the real model's probabilities (checked against
# `sim-run predict`), /metrics counts what was served, and a replay reaches the same hash.
#   serve_gateway.sh SIM_RUN REPO_ROOT
set -uo pipefail
sim_run=$1
root=$2
if ! command -v curl >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: curl or python3 is not installed"
  exit 77
fi

# shellcheck source=serve_lib.sh
source "$(dirname "$0")/serve_lib.sh"

cd "$root" || exit 1
start_serve serve tests/scenarios/serve/gateway.yaml --speed 30 --out "$work/session"
gw="$base/seldon/seldon/sentiment-classifier/api/v1.0"

# post URL BODY: prints the HTTP status; the body goes to $work/body.
post() {
  curl -s -m 20 -o "$work/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary "$2" "$1"
}

# Before the predictor's pods are Ready the gateway cannot answer with the model: 404 (no
# routing yet) or 503 (Envoy's "no healthy upstream": the Service has no Ready endpoint).
code=$(post "$gw/predictions" '{"data":{"ndarray":["hello"]}}')
if [[ "$code" == 404 || "$code" == 503 ]]; then ok "before the SeldonDeployment is Available: $code"
else fail "first prediction: HTTP $code"; cat "$work/body"; fi
served=0
for _ in $(seq 300); do
  code=$(post "$gw/predictions" '{"data":{"ndarray":["hello"]}}')
  [[ "$code" == 200 ]] && { served=1; break; }
  sleep 0.05
done
[[ $served -eq 1 ]] && ok "the gateway answers once the predictor is ready" || { fail "never 200 (last $code)"; cat "$work/body"; }

# Three texts, each checked against the model run directly.
texts=("This is absolutely amazing!" "This is terrible and awful." "It works fine")
"$sim_run" predict --model fixtures/models/sentiment-v1.json "${texts[@]}" >"$work/direct.jsonl" 2>"$work/direct.err" ||
  { fail "sim-run predict"; cat "$work/direct.err"; }
predictions=1  # the 200 above
for i in 0 1 2; do
  body=$(python3 -c 'import json,sys; print(json.dumps({"data":{"ndarray":[sys.argv[1]]}}))' "${texts[$i]}")
  code=$(post "$gw/predictions" "$body")
  if [[ "$code" != 200 ]]; then fail "prediction $i: HTTP $code"; cat "$work/body"; continue; fi
  predictions=$((predictions + 1))
  if python3 - "$work/body" "$work/direct.jsonl" "$i" <<'EOF'
import json, sys
answer = json.load(open(sys.argv[1]))
direct = [json.loads(l) for l in open(sys.argv[2])][int(sys.argv[3])]
got = answer["data"]["ndarray"][0]
want = [direct["probabilities"][c] for c in ("negative", "neutral", "positive")]
assert len(got) == 3 and all(abs(a - b) < 1e-9 for a, b in zip(got, want)), (got, want)
assert answer["meta"]["requestPath"]["classifier"] == "sentiment-seldon:latest", answer
EOF
  then ok "\"${texts[$i]}\": the model's probabilities through the gateway"
  else fail "\"${texts[$i]}\": $(cat "$work/body")"; fi
done

code=$(post "$gw/predictions" 'this is not JSON')
if [[ "$code" == 400 ]] && grep -q '"reason":"MICROSERVICE_BAD_DATA"' "$work/body"; then
  ok "a bad body: 400 with the wrapper's Seldon error"
else fail "bad body: HTTP $code $(cat "$work/body")"; fi
code=$(post "$base/seldon/seldon/no-such-model/api/v1.0/predictions" '{"data":{"ndarray":["x"]}}')
[[ "$code" == 404 ]] && ok "an unknown SeldonDeployment: 404" || fail "unknown deployment: HTTP $code"
code=$(post "$gw/feedback" '{"request":{"data":{"ndarray":["good"]}},"response":{"data":{"ndarray":[[0.1,0.2,0.7]]}},"reward":1}')
[[ "$code" == 200 ]] && ok "feedback: 200" || { fail "feedback: HTTP $code"; cat "$work/body"; }

# The executor's REST middlewares: the request's Seldon-Puid comes back, with the CORS and
# nosniff headers; a CORS preflight is answered 200 by the executor.
curl -s -m 20 -D "$work/headers" -o /dev/null -X POST -H 'Content-Type: application/json' \
  -H 'Seldon-Puid: puid-42' --data-binary '{"data":{"ndarray":["hello"]}}' "$gw/predictions"
predictions=$((predictions + 1))
if grep -qi '^Seldon-Puid: puid-42' "$work/headers" && grep -qi '^Access-Control-Allow-Origin: \*' "$work/headers" &&
   grep -qi '^X-Content-Type-Options: nosniff' "$work/headers"; then
  ok "the executor's headers: Seldon-Puid echoed, CORS, nosniff"
else fail "response headers"; cat "$work/headers"; fi
code=$(curl -s -m 20 -D "$work/preflight" -o /dev/null -w '%{http_code}' -X OPTIONS "$gw/predictions")
if [[ "$code" == 200 ]] && grep -qi '^Access-Control-Allow-Methods: GET, OPTIONS, POST' "$work/preflight" &&
   grep -qiE '^Seldon-Puid: [0-9a-f]{8}-[0-9a-f]{4}-4' "$work/preflight"; then
  ok "a CORS preflight: 200 with the executor's headers and a new puid"
else fail "preflight: HTTP $code"; cat "$work/preflight"; fi

# /metrics: Prometheus text; the executors' server count for 200 predictions equals what we got.
curl -s -m 10 -o "$work/metrics" -w '%{http_code} %{content_type}\n' "$base/metrics" >"$work/metrics.status"
if python3 - "$work/metrics" "$predictions" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\} (\S+)$')
counts = {}
types = {}
for line in text.splitlines():
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ")
        types[name] = kind
        continue
    if line.startswith("#") or not line:
        continue
    m = sample.match(line)
    assert m, "not a sample line: " + line
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2)))
    float(m.group(3))
    if m.group(1).endswith("_count"):
        key = (m.group(1), labels.get("service"), labels.get("code"))
        counts[key] = counts.get(key, 0) + float(m.group(3))
        for need in ("deployment_name", "predictor_name", "predictor_version", "method"):
            assert need in labels, (need, line)
assert types.get("seldon_api_executor_server_requests_seconds") == "histogram", types
assert types.get("seldon_api_executor_client_requests_seconds") == "histogram", types
want = int(sys.argv[2])
got = counts.get(("seldon_api_executor_server_requests_seconds_count", "predictions", "200"))
assert got == want, (got, want, counts)
assert counts.get(("seldon_api_executor_server_requests_seconds_count", "predictions", "400")) == 1, counts
assert counts.get(("seldon_api_executor_server_requests_seconds_count", "feedback", "200")) == 1, counts
assert counts.get(("seldon_api_executor_client_requests_seconds_count", "/predict", "200")) == want, counts
EOF
then ok "/metrics parses and counts the $predictions predictions served ($(cat "$work/metrics.status"))"
else fail "/metrics"; cat "$work/metrics"; fi

stop_serve serve

inputs=$(grep -c '"kind":"input".*"path":"/seldon/' "$work/session/trace.jsonl")
# every POST to the gateway is an input: 1 + the polls + 3 + bad + unknown + feedback
[[ $inputs -ge 7 ]] && ok "$inputs gateway requests recorded as inputs" || fail "$inputs gateway inputs"
head -1 "$work/session/trace.jsonl" | grep -q '"gateway":true' && ok "run.start says the session served the gateway" || fail "run.start: $(head -1 "$work/session/trace.jsonl")"
grep -q '"kind":"traffic".*"source":"live"' "$work/session/trace.jsonl" && ok "live requests appear in the traffic lines" || fail "no traffic line for source live"

want=$(sed -n 's/^trace sha256: //p' "$work/serve.out")
timeout 120 "$sim_run" replay "$work/session/trace.jsonl" >"$work/replay.out" 2>&1
rc=$?
got=$(sed -n 's/^trace sha256: //p' "$work/replay.out")
if [[ $rc -eq 0 && -n "$want" && "$got" == "$want" ]] && grep -q identical "$work/replay.out"; then
  ok "replay reaches the served session's hash ($got)"
else fail "replay rc=$rc hash '$got', served '$want'"; cat "$work/replay.out"; fi

if [[ $failures -ne 0 ]]; then echo "$failures check(s) failed"; exit 1; fi
echo "all gateway checks passed"
