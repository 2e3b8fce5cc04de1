#!/usr/bin/env bash
# Scale benchmark: for each size, an acme-dns database of that many accounts (acme-dns's schema,
# Go-style $2a$ hashes; generated once and kept in $BENCH_SCALE_CACHE), `import-acme-dns` into a
# fresh store (wall and CPU time), then `serve` on loopback: time from spawn to the first DNS
# answer (wall and the server's CPU time) and its RSS then and 2 s later. Every server is
# stopped by its PID. The figures are printed as one table.
#   BENCH_SCALE_SIZES   accounts per run (default "10000 100000"; add 1000000 for the big one)
#   BENCH_SCALE_CACHE   where generated acme-dns databases are kept (default /tmp/acme-delegate-bench-scale)
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="${BENCH_SCALE_SIZES:-10000 100000}"
cache="${BENCH_SCALE_CACHE:-/tmp/acme-delegate-bench-scale}"
zone="auth.example.org"
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npm run --silent build
read -r dns_port api_port < <(node scripts/e2e/free-ports.mjs 2 | paste -sd' ')

printf '%-9s %-24s %-30s %s\n' accounts "import (wall / CPU)" "start to first answer (wall / CPU)" "RSS at answer / 2 s later"
for size in $sizes; do
  source_db="$cache/acme-dns-$size.db"
  if [[ ! -f "$source_db" ]]; then
    node --import tsx scripts/bench-acme-dns-db.ts "$source_db.tmp" "$size" "$source_db.json"
    mv "$source_db.tmp" "$source_db"
  fi
  ours="$work/ours-$size.db"
  /usr/bin/time -f '%e %U %S' -o "$work/time" node dist/main.js import-acme-dns --from "$source_db" --db "$ours" --zone "$zone" 2>"$work/import.log" \
    || { cat "$work/import.log" >&2; exit 1; }
  read -r wall user sys <"$work/time"
  import_text="$(awk -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f s / %.1f s", w, u + s }')"
  slot="$(jq -r .subdomain "$source_db.json").$zone"
  start="$(node --import tsx scripts/bench-first-answer.ts "$dns_port" "$slot" -- \
    --db "$ours" --zone "$zone" --dns-listen "127.0.0.1:$dns_port" --api-listen "127.0.0.1:$api_port" --log-level warn)"
  start_text="$(jq -r '"\(.firstAnswerMs) ms / \(.cpuMsAtAnswer) ms"' <<<"$start")"
  rss_text="$(jq -r '"\(.rssAtAnswerMb) MB / \(.rssAfter2sMb) MB"' <<<"$start")"
  printf '%-9s %-24s %-30s %s\n' "$size" "$import_text" "$start_text" "$rss_text"
  rm -f "$ours" "$ours-wal" "$ours-shm"
done
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (wall times stretch with load; CPU times much less)"
