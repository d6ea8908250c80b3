# Shared setup and checks of the kubectl end-to-end scripts (sourced, not run).
#
#   source lib.sh
#   require_kubectl                    # exit 77 (ctest SKIP) without kubectl
#   start_serve SIM_RUN [ARGS...]      # sim-run serve on a free port; sets $base, $server_pid
#   check NAME REGEX -- ARGS...        # kubectl succeeds and prints REGEX
#   check_fails NAME REGEX -- ARGS...  # kubectl fails and prints REGEX
#   check_exit NAME RC REGEX -- ARGS...  # kubectl exits with RC and prints REGEX
#   eventually NAME REGEX -- ARGS...   # polls (at most 30 s) until kubectl prints REGEX
#   stop_serve_and_replay MIN_INPUTS   # SIGTERM, then `sim-run replay` reaches the same hash
#   finish                             # the summary and exit code
#
# $work is a fresh directory removed on exit, with HOME pointing into it so kubectl's
# discovery cache never touches the user's ~/.kube. Every kubectl call is bounded by
# `timeout`; every wait is a bounded poll (no fixed sleeps).

work=$(mktemp -d)
server_pid=""
watch_pid=""
sim_run=""
base=""
failures=0
export HOME=$work
export KUBECONFIG=$work/none

_cleanup() {
  [[ -n "$watch_pid" ]] && kill "$watch_pid" 2>/dev/null
  [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap _cleanup EXIT

require_kubectl() {
  if ! command -v kubectl >/dev/null 2>&1; then
    echo "SKIP: kubectl is not installed (scripts/build installs kubernetes-client)"
    exit 77
  fi
}

# start_serve SIM_RUN [EXTRA ARGS...]: --listen 127.0.0.1:0 --speed 10 --out $work/session.
start_serve() {
  sim_run=$1
  shift
  "$sim_run" serve --listen 127.0.0.1:0 --speed 10 --out "$work/session" "$@" \
    >"$work/serve.out" 2>"$work/serve.err" &
  server_pid=$!
  for _ in $(seq 100); do
    base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.out" 2>/dev/null | head -1)
    [[ -n "$base" ]] && return 0
    sleep 0.1
  done
  echo "FAIL: sim-run serve did not start"; cat "$work/serve.out" "$work/serve.err"; exit 1
}

# kubectl against $base when set (serve), else the KUBECONFIG the script wrote.
k() {
  if [[ -n "$base" ]]; then timeout 20 kubectl --server "$base" --request-timeout=15s "$@"
  else timeout 20 kubectl --request-timeout=15s "$@"; fi
}

_fail() {  # NAME DETAIL OUTPUT
  echo "FAIL $1 $2"; sed 's/^/     | /' <<<"$3"; failures=$((failures + 1))
}

check() {
  local name=$1 pattern=$2
  shift 3
  local out rc
  out=$(k "$@" 2>&1)
  rc=$?
  if [[ $rc -eq 0 ]] && grep -Eq -- "$pattern" <<<"$out"; then echo "ok   $name"
  else _fail "$name" "(rc=$rc): kubectl $*" "$out"; fi
}

check_fails() {
  local name=$1 pattern=$2
  shift 3
  local out rc
  out=$(k "$@" 2>&1)
  rc=$?
  if [[ $rc -ne 0 ]] && grep -Eq -- "$pattern" <<<"$out"; then echo "ok   $name"
  else _fail "$name" "(rc=$rc, expected a failure): kubectl $*" "$out"; fi
}

check_exit() {
  local name=$1 want=$2 pattern=$3
  shift 4
  local out rc
  out=$(k "$@" 2>&1)
  rc=$?
  if [[ $rc -eq $want ]] && grep -Eq -- "$pattern" <<<"$out"; then echo "ok   $name"
  else _fail "$name" "(rc=$rc, expected $want): kubectl $*" "$out"; fi
}

eventually() {
  local name=$1 pattern=$2
  shift 3
  local out=""
  for _ in $(seq 150); do
    out=$(k "$@" 2>&1) && grep -Eq -- "$pattern" <<<"$out" && { echo "ok   $name"; return; }
    sleep 0.2
  done
  _fail "$name" ": never printed /$pattern/: kubectl $*" "$out"
}

# Stops serve with SIGTERM and replays its trace: the same hash, at least MIN_INPUTS inputs.
stop_serve_and_replay() {
  local min_inputs=$1 rc=124
  kill -TERM "$server_pid"
  for _ in $(seq 200); do
    if ! kill -0 "$server_pid" 2>/dev/null; then wait "$server_pid"; rc=$?; break; fi
    sleep 0.1
  done
  server_pid=""
  if [[ $rc -eq 0 ]]; then echo "ok   serve stops on SIGTERM"
  else _fail "serve-exit" "$rc" "$(cat "$work/serve.out" "$work/serve.err")"; return; fi
  local want got inputs
  want=$(sed -n 's/^trace sha256: //p' "$work/serve.out")
  inputs=$(grep -c '"kind":"input"' "$work/session/trace.jsonl")
  timeout 120 "$sim_run" replay "$work/session/trace.jsonl" --out "$work/replay" >"$work/replay.out" 2>&1
  rc=$?
  got=$(sed -n 's/^trace sha256: //p' "$work/replay.out")
  if [[ $rc -eq 0 && -n "$want" && "$got" == "$want" && $inputs -ge $min_inputs ]]; then
    echo "ok   replay of the kubectl session ($inputs inputs) reaches the same hash"
  else
    _fail "replay" "rc=$rc inputs=$inputs: '$got' vs '$want'" "$(cat "$work/replay.out")"
  fi
}

finish() {
  if [[ $failures -ne 0 ]]; then
    echo "$failures kubectl check(s) failed"
    [[ -f "$work/serve.err" ]] && { echo "serve stderr:"; tail -20 "$work/serve.err"; }
    exit 1
  fi
  echo "all kubectl checks passed"
  exit 0
}
