#!/usr/bin/env bash
# Fuzzes the running name server with malformed DNS packets over UDP and TCP on loopback, for a
# given count or time, then checks it still answers correctly.
#   scripts/fuzz-dns.sh [COUNT] [SECONDS]     defaults: 1000000 packets, at most 600 s
# Prints packets sent, crashes (the server process gone: must be 0) and the final probe.
source "$(dirname "$0")/attack/lib.sh"
count="${1:-1000000}" seconds="${2:-600}"
value="LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo"

echo "fuzz-dns: up to ${count} packets or ${seconds}s; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
attack_start
account="$(curl -s -X POST "http://127.0.0.1:${api_port}/register")"
curl -s -o /dev/null -X POST "http://127.0.0.1:${api_port}/update" -H "X-Api-User: $(jq -r .username <<<"$account")" \
  -H "X-Api-Key: $(jq -r .password <<<"$account")" -d "{\"subdomain\":\"$(jq -r .subdomain <<<"$account")\",\"txt\":\"$value\"}"
fuzz_run fuzz-dns "$dns_port" "$count" "$seconds"
fulldomain="$(jq -r .fulldomain <<<"$account")"
udp="$(dig @127.0.0.1 -p "$dns_port" +norec +short +tries=2 +time=2 "$fulldomain" TXT)"
tcp="$(dig @127.0.0.1 -p "$dns_port" +tcp +norec +short +tries=2 +time=2 "$fulldomain" TXT)"
nx="$(dig @127.0.0.1 -p "$dns_port" +norec +tries=2 +time=2 "nope.auth.example.org" TXT | grep -o 'status: [A-Z]*')"
probe=ok
[[ "$udp" == "\"$value\"" && "$tcp" == "\"$value\"" && "$nx" == "status: NXDOMAIN" ]] || probe=FAILED
echo "  final probe: ${probe} (UDP ${udp:-none}, TCP ${tcp:-none}, ${nx:-no answer} for a missing name)"
[[ $crashes == 0 && $probe == ok ]]
