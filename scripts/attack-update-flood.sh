#!/usr/bin/env bash
# DNS answers while a flood of UPDATEs with a wrong TSIG secret hits the server (issue 11): a
# slot's TXT is queried with dnsperf for ATTACK_SECONDS alone, then during a flood of plain queries
# for missing names (the reference: any traffic at that pace costs the same CPU), then during the
# UPDATE flood, once with the failed-signature limit at its defaults (the flood is refused before
# any HMAC) and once at its maximum (100,000 per address: every message costs a store lookup and
# an HMAC). Prints queries per second of each run and ratios against the same run's figures.
#   ATTACK_SECONDS  length of each run (default 5)
source "$(dirname "$0")/attack/lib.sh"
seconds="${ATTACK_SECONDS:-5}"
command -v dnsperf >/dev/null || { echo "attack-update-flood: dnsperf is not installed (Debian: dnsperf)"; exit 1; }

echo "attack-update-flood: ${seconds}s per run; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version)"
for limits in default max; do
  if [[ $limits == max ]]; then
    ATTACK_STORE_EXTRA=$'[limits]\nupdate_failures_per_address = 100000\nupdate_failures_per_username = 100000' attack_start
  else
    ATTACK_STORE_EXTRA='' attack_start
  fi
  creds="$(node dist/main.js account add --tsig --json --config "$work/config.toml")"
  slot="$(jq -r .fulldomain <<<"$creds")"
  printf 'server 127.0.0.1 %s\nzone auth.example.org\nupdate add %s 60 TXT LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo\nsend\n' "$dns_port" "$slot" |
    nsupdate -y "hmac-sha256:$(jq -r .tsig.name <<<"$creds"):$(jq -r .tsig.secret <<<"$creds")"
  echo "$slot TXT" >"$work/queries"
  perf() { dnsperf -s 127.0.0.1 -p "$dns_port" -d "$work/queries" -l "$seconds" -c 4 -q 200 2>&1 | awk '/Queries per second/ { printf "%d", $4 }'; }
  quiet="$(perf)"
  during() { # during MODE: dnsperf's figure while the flood of MODE runs
    node --import tsx scripts/attack/update-flood.ts "$dns_port" "$slot" auth.example.org "$seconds" "$1" >"$work/flood-$1.txt" &
    local flood_pid=$!
    pids+=("$flood_pid")
    perf
    wait "$flood_pid" || true
  }
  reference="$(during query)"
  loud="$(during update)"
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
  echo "failed-signature limits ${limits}:"
  cat "$work/flood-query.txt" "$work/flood-update.txt"
  echo "  slot TXT queries/s: quiet ${quiet}; during the query flood ${reference} ($(ratio "$reference" "$quiet") of quiet); during the UPDATE flood ${loud} ($(ratio "$loud" "$quiet") of quiet, $(ratio "$loud" "$reference") of the query flood's)"
  echo "  server alive: $(alive); value still served: $(dig +short @127.0.0.1 -p "$dns_port" "$slot" TXT | head -1)"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
done
