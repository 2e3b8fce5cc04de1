# Shared by scripts/attack-*.sh and scripts/fuzz-*.sh: a temporary server started from dist/ on
# free loopback ports, stopped by its PID; figures read from /proc.
# Usage: source it, then `attack_start [EXTRA TOML LINES...]`; sets $work, $server_pid,
# $api_port, $dns_port, $metrics_port. Everything started is stopped on exit. fuzz_run (below)
# runs a fuzzer and reports crashes for scripts/fuzz-*.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -f dist/main.js ]]; then npm run build >/dev/null; fi
work="$(mktemp -d)"
pids=()
attack_cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap attack_cleanup EXIT

# attack_start [section.key=value ...]: config overrides as TOML lines "[section]\nkey = value".
attack_start() {
  mapfile -t ports < <(node scripts/e2e/free-ports.mjs 3)
  api_port="${ports[0]}" dns_port="${ports[1]}" metrics_port="${ports[2]}"
  {
    echo '[dns]'; echo 'zone = "auth.example.org"'; echo "listen = [\"127.0.0.1:${dns_port}\"]"
    echo "${ATTACK_DNS_EXTRA:-}"
    echo '[api]'; echo "listen = \"127.0.0.1:${api_port}\""; echo 'registration = "open"'
    echo "${ATTACK_API_EXTRA:-}"
    echo '[store]'; echo "path = \"${work}/db.sqlite\""
    echo "${ATTACK_STORE_EXTRA:-}"
    echo '[metrics]'; echo "listen = \"127.0.0.1:${metrics_port}\""
    echo '[log]'; echo 'level = "error"'
  } >"$work/config.toml"
  # ATTACK_HEAP_SNAPSHOT=1: SIGUSR2 makes the server write a heap snapshot into $work, after a
  # full garbage collection (what the memory figures after a flood compare against).
  local node_options="${NODE_OPTIONS:-}"
  if [[ "${ATTACK_HEAP_SNAPSHOT:-}" == 1 ]]; then node_options+=" --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=$work"; fi
  NODE_OPTIONS="$node_options" node dist/main.js serve --config "$work/config.toml" >"$work/server.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  local end=$((SECONDS + 20))
  until curl -sf "http://127.0.0.1:${api_port}/health" >/dev/null 2>&1; do
    if ((SECONDS >= end)) || ! kill -0 "$server_pid" 2>/dev/null; then echo "server did not start:" >&2; cat "$work/server.log" >&2; exit 1; fi
    sleep 0.1
  done
}

# rss_mib: the server's resident memory now, in MiB.
rss_mib() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/${server_pid}/status"; }

# alive: "yes" while the server process runs.
alive() { if kill -0 "$server_pid" 2>/dev/null; then echo yes; else echo no; fi; }

# fuzz_run FUZZER PORT COUNT SECONDS: runs scripts/attack/FUZZER.ts against PORT, then prints how
# long it took, crashes (the server process gone: must be 0) and RSS before and after; sets
# $crashes for the script's verdict.
fuzz_run() {
  local fuzzer="$1" port="$2" count="$3" seconds="$4" started=$SECONDS rss_before
  rss_before="$(rss_mib)"
  node --import tsx "scripts/attack/${fuzzer}.ts" "$port" "$count" "$seconds"
  crashes=0
  if [[ "$(alive)" != yes ]]; then crashes=1; echo "  the server died:"; tail -20 "$work/server.log"; fi
  echo "  took $((SECONDS - started)) s; crashes: ${crashes}; RSS ${rss_before} -> $( [[ $crashes == 0 ]] && rss_mib) MiB"
}
