#!/usr/bin/env bash
# End-to-end tests: runs the tests in test/ with Node's test runner twice, each time against a
# fresh Canopy started with scripts/canopy on free ports and a fresh data directory, and stops it
# whatever happens:
#   1. one node (`canopy start`);
#   2. a subnet of four replicas in one process (`canopy start --replicas 4`): the agents talk to
#      replica 0, and a test that needs a second replica (CANOPY_OTHER_URL) talks to replica 2 too.
# Certificate and query-signature verification stay on in both.
#
#   e2e/run.sh            (after `npm ci` in e2e/; the node is started with scripts/canopy, which
#                          compiles the main code only if target/ is missing or stale)
#
# Environment: CANOPY_E2E_START_TIMEOUT_S (how long the node may take to report healthy, default
# 240, which covers a first compile), CANOPY_E2E_KEEP_DATA=1 (keep the data directories and logs),
# CANOPY_E2E_ONLY=node|subnet (run against one of the two only).
set -euo pipefail

e2e_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
canopy_home="$(cd "$e2e_dir/.." && pwd)"
start_timeout_s="${CANOPY_E2E_START_TIMEOUT_S:-240}"
stop_timeout_s=30
only="${CANOPY_E2E_ONLY:-}"

if [[ ! -d "$e2e_dir/node_modules/@dfinity/agent" || ! -d "$e2e_dir/node_modules/@icp-sdk/core" ]]
then
  echo "e2e: the agents are not installed; run 'npm ci' in e2e/ first" >&2
  exit 2
fi

free_port() {
  node -e "const s = require('net').createServer();
    s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}

# A port p such that p .. p+count-1 are all free (a subnet of n replicas uses 2n ports from its
# base: HTTP on p+i, Pekko Management on p+n+i).
free_port_range() {
  node -e "const net = require('net');
    const free = (p) => new Promise((ok) => { const s = net.createServer();
      s.once('error', () => ok(false)); s.listen(p, '127.0.0.1', () => s.close(() => ok(true))); });
    (async () => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const base = 20000 + Math.floor(Math.random() * 30000);
        let all = true;
        for (let i = 0; i < $1 && all; i++) all = await free(base + i);
        if (all) { console.log(base); return; }
      }
      process.exit(1);
    })();"
}

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/canopy-e2e.XXXXXX")"
log=""
node_pid=""

stop_node() {
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
  node_pid=""
}

on_exit() {
  local status=$?
  stop_node
  if [[ $status -ne 0 && -n "$log" && -f "$log" ]]; then
    echo "e2e: failed; the node's log ($log) ends with:" >&2
    tail -n 40 "$log" >&2
  fi
  if [[ "${CANOPY_E2E_KEEP_DATA:-0}" == 1 ]]; then
    echo "e2e: data directories and logs kept in $work_dir" >&2
  else
    rm -rf "$work_dir"
  fi
  exit $status
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts `scripts/canopy start <args>` with its log in $log and waits until it reports healthy.
start_canopy() {
  local management_port="$1"
  shift
  : >"$log"
  CANOPY_MANAGEMENT_PORT="$management_port" \
    "$canopy_home/scripts/canopy" start "$@" >"$log" 2>&1 &
  node_pid=$!
  local deadline=$((SECONDS + start_timeout_s))
  until grep -q "is healthy" "$log"; do
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
}

# Runs the tests; the two agent flavours' files run side by side (they create their own
# canisters), which halves the time spent waiting for rounds.
run_tests() {
  (cd "$e2e_dir" && node --test --test-concurrency=2 --test-reporter=spec test/)
}

if [[ -z "$only" || "$only" == node ]]; then
  log="$work_dir/node.log"
  port="$(free_port)"
  echo "e2e: starting a node on port $port (data in $work_dir/node)"
  start_canopy "$(free_port)" --port "$port" --data-dir "$work_dir/node"
  url="$(grep -o "healthy at http://[^ ]*" "$log" | head -n 1 | sed 's/^healthy at //')"
  echo "e2e: $(grep -o "healthy at .*" "$log" | head -n 1)"
  CANOPY_URL="$url" run_tests
  stop_node
fi

if [[ -z "$only" || "$only" == subnet ]]; then
  log="$work_dir/subnet.log"
  base="$(free_port_range 8)"
  echo "e2e: starting a subnet of four replicas on ports $base-$((base + 3)) (data in" \
    "$work_dir/subnet)"
  # The management port option is per node; --replicas puts them at base + 4 + i.
  start_canopy 0 --replicas 4 --port "$base" --data-dir "$work_dir/subnet"
  grep "is healthy\|replica [0-9]:" "$log" | sed 's/^/e2e: /'
  url="$(grep -o "replica 0: node [^ ]* at http://[^ ]*" "$log" | sed 's/.* at //')"
  other_url="$(grep -o "replica 2: node [^ ]* at http://[^ ]*" "$log" | sed 's/.* at //')"
  CANOPY_URL="$url" CANOPY_OTHER_URL="$other_url" run_tests
  stop_node
fi
