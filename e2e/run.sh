#!/usr/bin/env bash
# End-to-end tests: starts a Canopy node on a free port with a fresh data directory, runs the
# tests in test/ against it with Node's test runner, and stops the node whatever happens.
#
#   e2e/run.sh            (after `npm ci` in e2e/; the node is started with scripts/canopy, which
#                          compiles the main code only if target/ is missing or stale)
#
# Environment: CANOPY_E2E_START_TIMEOUT_S (how long the node may take to report healthy, default
# 240, which covers a first compile), CANOPY_E2E_KEEP_DATA=1 (keep the data directory and log).
set -euo pipefail

e2e_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
canopy_home="$(cd "$e2e_dir/.." && pwd)"
start_timeout_s="${CANOPY_E2E_START_TIMEOUT_S:-240}"
stop_timeout_s=30

if [[ ! -d "$e2e_dir/node_modules/@dfinity/agent" || ! -d "$e2e_dir/node_modules/@icp-sdk/core" ]]
then
  echo "e2e: the agents are not installed; run 'npm ci' in e2e/ first" >&2
  exit 2
fi

free_port() {
  node -e "const s = require('net').createServer();
    s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/canopy-e2e.XXXXXX")"
log="$work_dir/node.log"
node_pid=""
: >"$log"

stop_node() {
  local status=$?
  if [[ -n "$node_pid" ]] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null || true
    for _ in $(seq 1 $((stop_timeout_s * 10))); do
      kill -0 "$node_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$node_pid" 2>/dev/null; then
      echo "e2e: the node did not stop within ${stop_timeout_s} s; killing it" >&2
      kill -KILL "$node_pid" 2>/dev/null || true
    fi
    wait "$node_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -f "$log" ]]; then
    echo "e2e: failed; the node's log ends with:" >&2
    tail -n 40 "$log" >&2
  fi
  if [[ "${CANOPY_E2E_KEEP_DATA:-0}" == 1 ]]; then
    echo "e2e: data directory and log kept in $work_dir" >&2
  else
    rm -rf "$work_dir"
  fi
  exit $status
}
trap stop_node EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port="$(free_port)"
management_port="$(free_port)"
echo "e2e: starting a node on port $port (data in $work_dir)"
CANOPY_MANAGEMENT_PORT="$management_port" \
  "$canopy_home/scripts/canopy" start --port "$port" --data-dir "$work_dir/data" >"$log" 2>&1 &
node_pid=$!

deadline=$((SECONDS + start_timeout_s))
until grep -q "healthy at" "$log"; do
  if ! kill -0 "$node_pid" 2>/dev/null; then
    echo "e2e: the node exited before it was healthy" >&2
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "e2e: the node was not healthy within ${start_timeout_s} s" >&2
    exit 1
  fi
  sleep 0.2
done
url="$(grep -o "healthy at http://[^ ]*" "$log" | head -n 1 | sed 's/^healthy at //')"
echo "e2e: $(grep -o "healthy at .*" "$log" | head -n 1)"

cd "$e2e_dir"
CANOPY_URL="$url" node --test --test-reporter=spec test/
