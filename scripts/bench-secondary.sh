#!/usr/bin/env bash
# Update-to-secondary latency (p50/p99 over BENCH_SECONDARY_UPDATES updates, default 100) and
# transfer bytes per update, with a 10,000-slot zone (BENCH_SECONDARY_SLOTS) and a real Knot
# secondary (Debian "knot") on loopback. Starts and stops everything it uses by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v knotd >/dev/null || [ -x /usr/sbin/knotd ] || { echo "knotd not installed (Debian: apt-get install knot)" >&2; exit 1; }
exec npx tsx scripts/bench-secondary.ts
