#!/usr/bin/env bash
# sim-run serve driven by curl, stopped with SIGTERM, then sim-run replay: the replay must
# reach the recorded trace's hash; a tampered trace must not.
#   serve_replay.sh SIM_RUN REPO_ROOT
set -uo pipefail
sim_run=$1
root=$2
if ! command -v curl >/dev/null 2>&1; then
  echo "SKIP: curl is not installed"
  exit 77
fi

# shellcheck source=serve_lib.sh
source "$(dirname "$0")/serve_lib.sh"

# req METHOD PATH [BODY [CONTENT-TYPE]]: prints the HTTP status, the body goes to $work/body.
req() {
  local method=$1 path=$2 body=${3:-} type=${4:-application/json}
  if [[ -n "$body" ]]; then
    curl -s -m 10 -o "$work/body" -w '%{http_code}' -X "$method" -H "Content-Type: $type" \
      --data-binary "$body" "$base$path"
  else
    curl -s -m 10 -o "$work/body" -w '%{http_code}' -X "$method" "$base$path"
  fi
}
expect_code() {  # NAME WANT GOT
  if [[ "$3" == "$2" ]]; then ok "$1 ($3)"; else fail "$1: HTTP $3, wanted $2"; cat "$work/body"; echo; fi
}

# replay_check NAME TRACE SERVE_OUT: replay must print the serve run's hash and "identical".
replay_check() {
  local name=$1 trace=$2 served=$3
  local want
  want=$(sed -n 's/^trace sha256: //p' "$served")
  (cd "$root" && timeout 120 "$sim_run" replay "$trace" --out "$work/$name-replay") >"$work/$name-replay.out" 2>&1
  local rc=$?
  local got
  got=$(sed -n 's/^trace sha256: //p' "$work/$name-replay.out")
  if [[ $rc -eq 0 && -n "$want" && "$got" == "$want" ]] && grep -q 'identical' "$work/$name-replay.out"; then
    ok "$name: replay reaches the same hash ($got)"
  else
    fail "$name: replay rc=$rc hash '$got', served '$want'"; cat "$work/$name-replay.out"
  fi
}

# ---- 1. the default cluster, driven by curl ------------------------------------------------
start_serve default --speed 20 --out "$work/default" --start-time 2030-06-01T12:00:00Z
expect_code "GET /version" 200 "$(req GET /version)"
expect_code "create namespace seldon" 201 "$(req POST /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"seldon"}}')"
deploy='{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"seldon"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx:1.27","resources":{"requests":{"cpu":"100m"}}}]}}}}'
expect_code "create deployment" 201 "$(req POST /apis/apps/v1/namespaces/seldon/deployments "$deploy")"
expect_code "create configmap (query string kept)" 201 "$(req POST '/api/v1/namespaces/seldon/configmaps?fieldManager=curl%20test&fieldValidation=Strict' '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"ünïcode ✓"}}')"
# The cluster really runs: the Deployment's pods get scheduled and become Running.
running=0
for _ in $(seq 150); do
  req GET '/api/v1/namespaces/seldon/pods?labelSelector=app%3Dweb' >/dev/null
  running=$(grep -o '"phase":"Running"' "$work/body" | wc -l)
  [[ $running -ge 2 ]] && break
  sleep 0.1
done
if [[ $running -ge 2 ]]; then ok "the deployment's 2 pods are Running"; else fail "pods not Running ($running)"; cat "$work/body"; fi
expect_code "scale via merge patch on /scale" 200 "$(req PATCH /apis/apps/v1/namespaces/seldon/deployments/web/scale '{"spec":{"replicas":3}}' application/merge-patch+json)"
expect_code "stale update is a 409" 409 "$(req PUT /api/v1/namespaces/seldon/configmaps/c '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","resourceVersion":"1"},"data":{"k":"x"}}')"
grep -q 'the object has been modified' "$work/body" && ok "409 carries the conflict message" || fail "409 message: $(cat "$work/body")"
head -c 4000000 /dev/zero | tr '\0' 'a' >"$work/big"
code=$(curl -s -m 10 -o "$work/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$work/big" "$base/api/v1/namespaces/seldon/configmaps")
expect_code "a 4 MB body is refused" 413 "$code"
printf 'k8s\x00\xff\xfe' >"$work/binary"
code=$(curl -s -m 10 -o "$work/body" -w '%{http_code}' -X POST -H 'Content-Type: application/vnd.kubernetes.protobuf' --data-binary @"$work/binary" "$base/api/v1/namespaces/seldon/configmaps")
expect_code "a non-UTF-8 body (recorded as base64)" 415 "$code"
expect_code "delete the configmap" 200 "$(req DELETE /api/v1/namespaces/seldon/configmaps/c)"
stop_serve default

inputs=$(grep -c '"kind":"input"' "$work/default/trace.jsonl")
if [[ $inputs -eq 8 ]]; then ok "8 writes recorded as input lines"; else fail "$inputs input lines, wanted 8"; grep '"kind":"input"' "$work/default/trace.jsonl" | cut -c1-200; fi
grep -q '"kind":"input".*"query":"fieldManager=curl%20test&fieldValidation=Strict"' "$work/default/trace.jsonl" && ok "query recorded URL-encoded" || fail "query not recorded as sent"
grep -q '"bodyBase64":true' "$work/default/trace.jsonl" && ok "a binary body is recorded as base64" || fail "no bodyBase64 input"
if grep -q '"method":"GET"' "$work/default/trace.jsonl"; then fail "a GET was recorded"; else ok "reads are not recorded"; fi
head -1 "$work/default/trace.jsonl" | grep -q '"startTime":"2030-06-01T12:00:00Z","session":"serve","scenarioFile":"","speed":20,"gateway":true}' && ok "run.start names the session and its --start-time" || fail "run.start: $(head -1 "$work/default/trace.jsonl")"
replay_check default "$work/default/trace.jsonl" "$work/default.out"

# A tampered input (another replica count) must diverge, and replay says where.
sed 's/{\\"spec\\":{\\"replicas\\":3}}/{\\"spec\\":{\\"replicas\\":1}}/' "$work/default/trace.jsonl" >"$work/tampered.jsonl"
if cmp -s "$work/tampered.jsonl" "$work/default/trace.jsonl"; then fail "the tamper did not change the trace"; fi
timeout 120 "$sim_run" replay "$work/tampered.jsonl" --out "$work/tampered" >"$work/tampered.out" 2>&1
rc=$?
if [[ $rc -eq 1 ]] && grep -q 'DIVERGED' "$work/tampered.out" && grep -q 'first difference at line' "$work/tampered.out"; then
  ok "a tampered trace diverges (exit 1, first differing line named)"
else fail "tampered replay rc=$rc"; cat "$work/tampered.out"; fi

# Bad input: not a served trace, a truncated one.
"$sim_run" run "$root/scenarios/hello-cluster.yaml" --out "$work/plain" --quiet >/dev/null 2>&1
"$sim_run" replay "$work/plain/trace.jsonl" >"$work/plain.out" 2>&1
rc=$?
[[ $rc -eq 2 ]] && grep -q 'only a trace written by `sim-run serve`' "$work/plain.out" && ok "a scenario run's trace is refused (exit 2)" || { fail "plain trace rc=$rc"; cat "$work/plain.out"; }
head -n -1 "$work/default/trace.jsonl" >"$work/cut.jsonl"
"$sim_run" replay "$work/cut.jsonl" >"$work/cut.out" 2>&1
rc=$?
[[ $rc -eq 2 ]] && grep -q 'no run.end line' "$work/cut.out" && ok "a trace without run.end is refused (exit 2)" || { fail "cut trace rc=$rc"; cat "$work/cut.out"; }

# ---- 2. a scenario with a timeline, writes landing while it plays and past its duration ----
# hello-cluster lasts 5m of virtual time: at speed 200 that is 1.5 s of wall time.
pushd "$root" >/dev/null || exit 1
start_serve hello scenarios/hello-cluster.yaml --speed 200 --out "$work/hello"
popd >/dev/null || exit 1
expect_code "label the SeldonDeployment mid-run" 200 "$(req PATCH /apis/machinelearning.seldon.io/v1/namespaces/seldon/seldondeployments/sentiment-classifier '{"metadata":{"labels":{"by":"curl"}}}' application/merge-patch+json)"
# Past the 5m duration the expectations are decided and the run keeps serving: create
# ConfigMaps until one carries a creationTimestamp after 00:05:00 (virtual time).
late=""
for _ in $(seq 100); do
  req POST /api/v1/namespaces/default/configmaps '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"late-"}}' >/dev/null
  stamp=$(grep -o '"creationTimestamp":"[^"]*"' "$work/body" | cut -d'"' -f4)
  [[ "$stamp" > "2025-01-01T00:05:00Z" ]] && { late=$stamp; break; }
  sleep 0.1
done
[[ -n "$late" ]] && ok "a write after the scenario's duration (at $late)" || fail "no write landed after 00:05:00"
stop_serve hello
last_t=$(tail -1 "$work/hello/trace.jsonl" | sed 's/^{"t":\([0-9]*\).*/\1/')
grep -q '"kind":"expect".*"result":"pass"' "$work/hello/trace.jsonl" && ! grep -q '"result":"fail"' "$work/hello/trace.jsonl" && ok "hello's expectations held" || fail "hello's expectations"
[[ $last_t -gt 300000000000 ]] && ok "the run went on past its duration (ended at t=$last_t)" || fail "ended at t=$last_t"
replay_check hello "$work/hello/trace.jsonl" "$work/hello.out"

if [[ $failures -ne 0 ]]; then echo "$failures check(s) failed"; exit 1; fi
echo "all serve/replay checks passed"
