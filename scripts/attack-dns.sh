#!/usr/bin/env bash
# A random-subdomain flood over UDP from 127.0.0.3 while a CA client on 127.0.0.1 asks for a
# real slot's TXT (5 times a second), with RRL on (its defaults, loopback not exempt) and then off.
# Prints the CA's share answered within 1 s, the flood's answers (full, truncated) and the
# amplification factor, and the server's memory before, at peak and after the flood.
#   ATTACK_SECONDS  length of each flood (default 10)
#   ATTACK_DNS_RATES  flood rates in queries/s, 0 = as fast as the sender can (default "20000 0")
#   ATTACK_DNS_RRL  which runs: "on", "off" or both (default "on off")
#   ATTACK_HEAP_SNAPSHOT=1  after the 5 s wait, a heap snapshot (which collects all garbage
#     first) and the memory figures again: what the flood left behind
#   ATTACK_DNS_SENDERS  flood processes (default 1); on this machine each takes CPU from the server,
#     as an attacker on the same machine would (a real flood comes from elsewhere)
source "$(dirname "$0")/attack/lib.sh"
seconds="${ATTACK_SECONDS:-10}"

echo "attack-dns: ${seconds}s per run; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version)"
for rate in ${ATTACK_DNS_RATES:-20000 0}; do
for rrl in ${ATTACK_DNS_RRL:-on off}; do
  if [[ "$rrl" == on ]]; then
    echo "flood rate ${rate/#0/unbounded} q/s; RRL on (20/s per /24, slip 2), loopback not exempt:"
    ATTACK_DNS_EXTRA='rrl_exempt = []' attack_start
  else
    echo "flood rate ${rate/#0/unbounded} q/s; RRL off:"
    ATTACK_DNS_EXTRA='rrl_responses_per_second = 0' attack_start
  fi
  account="$(curl -s -X POST "http://127.0.0.1:${api_port}/register")"
  user="$(jq -r .username <<<"$account")" key="$(jq -r .password <<<"$account")" sub="$(jq -r .subdomain <<<"$account")"
  curl -s -o /dev/null -X POST "http://127.0.0.1:${api_port}/update" -H "X-Api-User: $user" -H "X-Api-Key: $key" \
    -d "{\"subdomain\":\"$sub\",\"txt\":\"LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo\"}"
  node --import tsx scripts/attack/dns-flood.ts "$dns_port" "$server_pid" "$(jq -r .fulldomain <<<"$account")" "$seconds" "$rate" "${ATTACK_DNS_SENDERS:-1}" "$metrics_port" "${ATTACK_HEAP_SNAPSHOT:+$work}"
  echo "  server alive: $(alive)"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
done
done
