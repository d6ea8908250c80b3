# Shared setup of the sim-run serve scripts in tests/cli (sourced, not run): a fresh $work
# removed on exit (killing a server still running), ok/fail counters, and
#   start_serve NAME ARGS...  sim-run serve on a free port; sets $server_pid and $base
#   stop_serve NAME           SIGTERM; the server must exit 0 by itself within 20 s
# The caller sets $sim_run first. Waits are bounded polls.

work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }

# start_serve NAME ARGS...: starts sim-run serve on a free port; sets $server_pid and $base.
start_serve() {
  local name=$1
  shift
  "$sim_run" serve "$@" --listen 127.0.0.1:0 >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  base=""
  for _ in $(seq 100); do
    base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/$name.out" 2>/dev/null | head -1)
    [[ -n "$base" ]] && return 0
    sleep 0.1
  done
  echo "FAIL $name: serve did not start"; cat "$work/$name.out" "$work/$name.err"; exit 1
}

# stop_serve NAME: SIGTERM, then the process must exit 0 by itself within 20 s.
stop_serve() {
  local name=$1
  kill -TERM "$server_pid"
  local rc=124
  for _ in $(seq 200); do
    if ! kill -0 "$server_pid" 2>/dev/null; then wait "$server_pid"; rc=$?; break; fi
    sleep 0.1
  done
  server_pid=""
  if [[ $rc -eq 0 ]] && grep -q '^trace sha256: ' "$work/$name.out"; then ok "$name: stops on SIGTERM and writes its outputs"
  else fail "$name: exit $rc after SIGTERM"; cat "$work/$name.out" "$work/$name.err"; fi
}

