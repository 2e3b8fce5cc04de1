#!/usr/bin/env bash
# API benchmark on loopback against the real server (`node dist/main.js serve`) over a store of
# BENCH_API_ACCOUNTS accounts: warm updates (the same account again) from 1 and 16 clients, 40
# accounts from 16 clients, cold updates (each a bcrypt compare), registrations, and DNS queries
# per second idle and while cold updates hammer the API (dnsperf, random existing slots).
# Each run lasts BENCH_API_SECONDS (default 5); the server is stopped by its PID.
# The failure and registration rate limits are raised for the run: they would otherwise (rightly)
# turn a benchmark's volume into 429s.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${BENCH_API_SECONDS:-5}"
count="${BENCH_API_ACCOUNTS:-3000}"
zone="auth.example.org"
work="$(mktemp -d)"
server_pid=""
load_pid=""
cleanup() {
  for pid in "$load_pid" "$server_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

npm run --silent build
read -r api_port dns_port < <(node scripts/e2e/free-ports.mjs 2 | paste -sd' ')
node --import tsx scripts/bench-api-accounts.ts "$work/store.db" "$work/accounts.json" "$count"

ACME_DELEGATE_LIMITS_REGISTRATIONS_PER_ADDRESS=100000 ACME_DELEGATE_LIMITS_UPDATE_FAILURES_PER_ADDRESS=100000 \
  node dist/main.js serve --db "$work/store.db" --zone "$zone" --dns-listen "127.0.0.1:$dns_port" \
  --api-listen "127.0.0.1:$api_port" --log-level error 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 300); do
  curl -s -o /dev/null "http://127.0.0.1:$api_port/health" && break
  kill -0 "$server_pid" 2>/dev/null || { echo "bench-api: server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done

load() {
  node --import tsx scripts/bench-api-load.ts --url "http://127.0.0.1:$api_port" --accounts "$work/accounts.json" --seconds "$seconds" "$@"
}
# The server's CPU time (ms) so far: per request, a figure that holds on a busy machine too.
server_cpu_ms() { awk '{ print ($14 + $15) * 10 }' "/proc/$server_pid/stat"; }
# A load run, with the server's CPU time per answered request appended.
measured() {
  local before after line answered
  before="$(server_cpu_ms)"
  line="$(load "$@")"
  after="$(server_cpu_ms)"
  answered="$(grep -o '[0-9]*:[0-9]*' <<<"$line" | awk -F: '$1 >= 200 && $1 < 300 { n += $2 } END { print n + 0 }')"
  printf '%s   server CPU %s ms/request\n' "$line" "$(awk -v a="$before" -v b="$after" -v n="$answered" 'BEGIN { printf "%.2f", n ? (b - a) / n : 0 }')"
}

echo "bench-api: ${seconds}s per run, $count accounts, 127.0.0.1:$api_port"
load --mode warm --clients 1 --seconds 1 >/dev/null # first update of accounts[0]: the compare
load --mode spread --clients 16 --seconds 2 >/dev/null # the same for the 40 accounts of "spread"
measured --mode warm --clients 1 --label "update, same account (warm), 1 client"
measured --mode warm --clients 16 --label "update, same account (warm), 16 clients"
measured --mode spread --clients 16 --label "update, 40 accounts (warm), 16 clients"
measured --mode cold --clients 16 --first-cold 100 --label "update, cold (bcrypt each), 16 clients"
measured --mode register --clients 16 --label "register (bcrypt hash each), 16 clients"

if ! command -v dnsperf >/dev/null; then
  echo "DNS under API load: skipped (dnsperf is not installed)"
  exit 0
fi
jq -r --arg zone "$zone" '.[:1000][] | "\(.subdomain).\($zone) TXT"' "$work/accounts.json" >"$work/queries"
dns() {
  dnsperf -s 127.0.0.1 -p "$dns_port" -d "$work/queries" -l "$seconds" -c 8 -q 500 2>&1 | awk '/Queries per second/ { print $4 }'
}
idle="$(dns)"
load --mode cold --clients 16 --first-cold 1100 --seconds "$((seconds + 2))" --label "  (cold updates during DNS run)" >"$work/load.txt" &
load_pid=$!
sleep 1
busy="$(dns)"
wait "$load_pid" || true
load_pid=""
printf '%-40s %10s queries/s\n' "DNS, random slots, idle" "$idle"
printf '%-40s %10s queries/s  (%s %% of idle)\n' "DNS, random slots, cold updates hammered" "$busy" "$(awk -v a="$busy" -v b="$idle" 'BEGIN { printf "%.0f", 100 * a / b }')"
cat "$work/load.txt"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
