# Shared setup and checks of the kubectl end-to-end scripts (sourced, not run), on top of
# tests/cli/serve_lib.sh ($work removed on exit, $failures, start_serve, stop_serve).
#
#   source lib.sh
#   require_kubectl                    # exit 77 (ctest SKIP) without kubectl
#   start_kubectl_serve SIM_RUN [ARGS...]  # sim-run serve --speed 10 --out $work/session on a
#                                      # free port; sets $sim_run, $base, $server_pid
#   begin_kubectl_session SIM_RUN ROOT # require_kubectl, cd ROOT, start_kubectl_serve
#   check NAME REGEX -- ARGS...        # kubectl succeeds and prints REGEX
#   check_fails NAME REGEX -- ARGS...  # kubectl fails and prints REGEX
#   check_exit NAME RC REGEX -- ARGS...  # kubectl exits with RC and prints REGEX
#   eventually NAME REGEX -- ARGS...   # polls (at most 30 s) until kubectl prints REGEX
#   stop_serve_and_replay MIN_INPUTS   # SIGTERM, then `sim-run replay` reaches the same hash
#   finish                             # the summary and exit code
#
# HOME points into $work so kubectl's discovery cache never touches the user's ~/.kube.
# Every kubectl call is bounded by `timeout`; every wait is a bounded poll (no fixed sleeps).

source "$(dirname "${BASH_SOURCE[0]}")/../cli/serve_lib.sh"
watch_pid=""
sim_run=""
base=""
export HOME=$work
export KUBECONFIG=$work/none

_cleanup() {
  [[ -n "$watch_pid" ]] && kill "$watch_pid" 2>/dev/null
  cleanup
}
trap _cleanup EXIT

require_kubectl() {
  if ! command -v kubectl >/dev/null 2>&1; then
    echo "SKIP: kubectl is not installed (scripts/build installs kubernetes-client)"
    exit 77
  fi
}

start_kubectl_serve() {
  sim_run=$1
  shift
  start_serve serve --speed 10 --out "$work/session" "$@"
}

# begin_kubectl_session SIM_RUN REPO_ROOT: what the serve scripts start with (kubectl present,
# in the repository, serve running).
begin_kubectl_session() {
  require_kubectl
  cd "$2" || exit 1
  start_kubectl_serve "$1"
}

# kubectl against $base when set (serve), else the KUBECONFIG the script wrote.
k() {
  if [[ -n "$base" ]]; then timeout 20 kubectl --server "$base" --request-timeout=15s "$@"
  else timeout 20 kubectl --request-timeout=15s "$@"; fi
}

_fail() {  # NAME DETAIL OUTPUT
  echo "FAIL $1 $2"; sed 's/^/     | /' <<<"$3"; failures=$((failures + 1))
}

# _expect NAME WANT REGEX ARGS...: kubectl ARGS exits with WANT ("fail": any non-zero code)
# and prints REGEX.
_expect() {
  local name=$1 want=$2 pattern=$3
  shift 3
  local out rc exit_ok=1
  out=$(k "$@" 2>&1)
  rc=$?
  if [[ $want == fail ]]; then ((rc != 0)) && exit_ok=0; else ((rc == want)) && exit_ok=0; fi
  if ((exit_ok == 0)) && grep -Eq -- "$pattern" <<<"$out"; then echo "ok   $name"
  else _fail "$name" "(rc=$rc, expected $want): kubectl $*" "$out"; fi
}
check() { local name=$1 pattern=$2; shift 3; _expect "$name" 0 "$pattern" "$@"; }
check_fails() { local name=$1 pattern=$2; shift 3; _expect "$name" fail "$pattern" "$@"; }
check_exit() { local name=$1 want=$2 pattern=$3; shift 4; _expect "$name" "$want" "$pattern" "$@"; }

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
  local min_inputs=$1 rc before=$failures
  stop_serve serve
  [[ $failures -eq $before ]] || return
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
