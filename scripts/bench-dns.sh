#!/usr/bin/env bash
# Benchmarks the DNS responder on loopback with dnsperf (Debian package "dnsperf"): TXT hits on a
# slot, NXDOMAIN for 1,000 names, and the slot name in 1,000 random letter cases (what Let's
# Encrypt sends). Prints queries/s for each. Starts its own server and stops it by PID.
#   BENCH_DNS_PORT (default 5399), BENCH_DNS_SECONDS per run (default 10),
#   BENCH_DNS_NO_FAST_PATH=1 to measure the general dns2 path without the answer cache.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${BENCH_DNS_PORT:-5399}"
seconds="${BENCH_DNS_SECONDS:-10}"
slot="d420c923-bbd7-4056-ab64-c3ca54c9b3cf"
zone="auth.example.org"

if ! command -v dnsperf >/dev/null; then
  echo "bench-dns: dnsperf is not installed (Debian: apt-get install dnsperf)" >&2
  exit 1
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# node directly (not npx), so $! is the server process itself.
node --import tsx scripts/bench-dns-server.ts "$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
  grep -q '^ready' "$work/server.log" && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "bench-dns: server did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
grep -q '^ready' "$work/server.log" || { echo "bench-dns: server not ready after 15 s" >&2; exit 1; }

echo "$slot.$zone TXT" >"$work/txt"
for i in $(seq 1 1000); do echo "nx-$i.$zone A"; done >"$work/nxdomain"
# Random case per letter, like DNS 0x20 from the CA's resolvers.
awk -v name="$slot.$zone" 'BEGIN { srand(20); for (i = 0; i < 1000; i++) { out = ""; for (j = 1; j <= length(name); j++) { c = substr(name, j, 1); out = out (rand() < 0.5 ? toupper(c) : c) } print out " TXT" } }' >"$work/mixed"

run() {
  local label="$1" file="$2" out
  out="$(dnsperf -s 127.0.0.1 -p "$port" -d "$work/$file" -l "$seconds" -c 8 -q 500 2>&1)"
  local qps lost
  qps="$(awk '/Queries per second/ { print $4 }' <<<"$out")"
  lost="$(awk '/Queries lost/ { print $3 }' <<<"$out")"
  printf '%-22s %12s queries/s   (lost: %s)\n' "$label" "${qps:-?}" "${lost:-?}"
}

echo "bench-dns: ${seconds}s per run against 127.0.0.1:$port${BENCH_DNS_NO_FAST_PATH:+ (fast path off)}"
run "TXT hit" txt
run "NXDOMAIN" nxdomain
run "TXT hit, mixed case" mixed
