#!/usr/bin/env bash
# 600 slowloris connections on loopback with the default timeouts and caps, while a real client
# updates every 200 ms: spread over 50 addresses (127.0.0.10-59), then all from one address.
# Prints the real client's successes and latency, and how the slow connections were closed.
#   ATTACK_SECONDS  length of each run (default 20; the header timeout is 10 s)
source "$(dirname "$0")/attack/lib.sh"
seconds="${ATTACK_SECONDS:-20}"

echo "attack-slowloris: ${seconds}s per run; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version)"
for mode in spread one; do
  attack_start
  if [[ "$mode" == spread ]]; then echo "600 connections from 50 addresses:"; else echo "600 connections from one address:"; fi
  node --import tsx scripts/attack/slowloris.ts "$api_port" "$mode" "$seconds"
  echo "  server alive: $(alive); RSS $(rss_mib) MiB"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
done
