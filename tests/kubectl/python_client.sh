#!/usr/bin/env bash
# The official Python client against `sim-run serve` (the default cluster).
#   python_client.sh SIM_RUN REPO_ROOT
# Debian's python3-kubernetes lives in /usr/bin/python3's dist-packages, so that interpreter
# is preferred over whatever python3 comes first on PATH. Skipped (77) without the client.
set -uo pipefail
sim_run=$1
root=$2
python=/usr/bin/python3
[[ -x $python ]] || python=$(command -v python3) || { echo "SKIP: no python3"; exit 77; }
"$python" -c 'import kubernetes' 2>/dev/null || {
  echo "SKIP: the kubernetes Python client is not installed (scripts/build installs python3-kubernetes)"; exit 77; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
"$sim_run" serve --listen 127.0.0.1:0 --speed 10 >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
base=""
for _ in $(seq 100); do
  base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.out" 2>/dev/null | head -1)
  [[ -n "$base" ]] && break
  sleep 0.1
done
[[ -n "$base" ]] || { echo "FAIL: sim-run serve did not start"; cat "$work/serve.out" "$work/serve.err"; exit 1; }
timeout 120 "$python" "$root/tests/kubectl/python_client.py" "$base"
rc=$?
kill -TERM "$server_pid"
for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
exit $rc
