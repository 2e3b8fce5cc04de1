#!/usr/bin/env bash
# Password guessing against POST /update on loopback, with the default limits and bcrypt cost,
# while the real client of the account keeps updating: from one address with 64 connections,
# from 50 addresses (127.0.0.10-59) on one username, and from 50 addresses spraying random
# usernames. Prints the real client's success count, p50 and max latency, and how many guesses
# bcrypt actually evaluated per minute per attacking address.
#   ATTACK_SECONDS  length of each run (default 20)
source "$(dirname "$0")/attack/lib.sh"
seconds="${ATTACK_SECONDS:-20}"

echo "attack-bruteforce: ${seconds}s per run; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version)"
for mode in none one fifty spray; do
  attack_start
  case "$mode" in
    none) echo "no attack (baseline on this machine now):" ;;
    one) echo "one address, 64 connections, one username:" ;;
    fifty) echo "50 addresses, 2 connections each, one username:" ;;
    spray) echo "50 addresses, 2 connections each, random usernames:" ;;
  esac
  node --import tsx scripts/attack/bruteforce.ts "$api_port" "$mode" "$seconds"
  echo "  server alive: $(alive); RSS $(rss_mib) MiB"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
done
