#!/usr/bin/env bash
# Fuzzes the running API with random and mutated HTTP requests on loopback, for a given count or
# time, then checks a real client can still register, update and see its value in DNS.
#   scripts/fuzz-http.sh [COUNT] [SECONDS]     defaults: 20000 requests, at most 600 s
# Prints requests sent, crashes (the server process gone: must be 0) and the final probe.
source "$(dirname "$0")/attack/lib.sh"
count="${1:-20000}" seconds="${2:-600}"
value="LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo"

echo "fuzz-http: up to ${count} requests or ${seconds}s; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
attack_start
fuzz_run fuzz-http "$api_port" "$count" "$seconds"
account="$(curl -s --interface 127.0.0.2 -X POST "http://127.0.0.1:${api_port}/register")"
status="$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 -X POST "http://127.0.0.1:${api_port}/update" \
  -H "X-Api-User: $(jq -r .username <<<"$account" 2>/dev/null)" -H "X-Api-Key: $(jq -r .password <<<"$account" 2>/dev/null)" \
  -d "{\"subdomain\":\"$(jq -r .subdomain <<<"$account" 2>/dev/null)\",\"txt\":\"$value\"}")"
served="$(dig @127.0.0.1 -p "$dns_port" +norec +short +tries=2 +time=2 "$(jq -r .fulldomain <<<"$account" 2>/dev/null)" TXT)"
probe=ok
[[ "$status" == 200 && "$served" == "\"$value\"" ]] || probe=FAILED
echo "  final probe: ${probe} (register + update from 127.0.0.2: ${status}; DNS serves ${served:-nothing})"
[[ $crashes == 0 && $probe == ok ]]
