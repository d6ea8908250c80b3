#!/usr/bin/env bash
# The official Python client against `sim-run serve` (the default cluster).
#   python_client.sh SIM_RUN REPO_ROOT
# Debian's python3-kubernetes lives in /usr/bin/python3's dist-packages, so that interpreter
# is preferred over whatever python3 comes first on PATH. Skipped (77) without the client.
set -uo pipefail
root=$2
python=/usr/bin/python3
[[ -x $python ]] || python=$(command -v python3) || { echo "SKIP: no python3"; exit 77; }
"$python" -c 'import kubernetes' 2>/dev/null || {
  echo "SKIP: the kubernetes Python client is not installed (scripts/build installs python3-kubernetes)"; exit 77; }

source "$(dirname "$0")/lib.sh"
start_kubectl_serve "$1"
timeout 120 "$python" "$root/tests/kubectl/python_client.py" "$base"
rc=$?
kill -TERM "$server_pid"
for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
exit $rc
