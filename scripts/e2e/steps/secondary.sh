# shellcheck shell=bash
# Sourced by scripts/e2e.sh: issuance when the CA's resolver can reach only a secondary (issue 8).
#
# BIND becomes a secondary of our zone (TSIG-signed transfers, NOTIFY; our SOA refresh and retry
# are a day, so only a NOTIFY can bring it a new value in time). The CA's resolver (unbound) is
# restarted with our zone stubbed to BIND alone, and lego issues a certificate. It can only pass if
# our NOTIFY and the transfer carried the challenge value to BIND: BIND's query log must show the
# resolver's TXT question, and our primary must get no query but the secondary's SOA and transfers.

say "issuance through a secondary: BIND takes our zone by NOTIFY + IXFR, the CA's resolver sees only BIND"
if ! command -v named >/dev/null 2>&1; then
  if [[ ${CI:-} == true ]]; then
    fail "named (Debian: bind9) is installed for the issuance through a secondary"
  else
    echo "  skip issuance through a secondary: named is missing (sudo apt-get install bind9)"
  fi
  return 0
fi

mapfile -t secondary_ports < <(node "$e2e/free-ports.mjs" 2 || true)
((${#secondary_ports[@]} == 2)) || abort "find free loopback ports for the secondary (scripts/e2e/free-ports.mjs)"
named_port=${secondary_ports[0]}
metrics_port=${secondary_ports[1]}
secondary_dir=$work/secondary
mkdir -p "$secondary_dir"
tsig_name=e2e-transfer
tsig_secret=$(openssl rand -base64 32)
(umask 077 && printf 'hmac-sha256:%s:%s\n' "$tsig_name" "$tsig_secret" >"$secondary_dir/tsig.keys")

# acme-delegate restarted as the secondary's primary, configured as an operator would.
sed -e '/^\[dns\]$/a\
secondaries = ["127.0.0.1:'"$named_port"'"]\
tsig_key_file = "'"$secondary_dir/tsig.keys"'"\
soa_refresh = 86400\
soa_retry = 86400\
negative_ttl = 1' "$delegate_config" >"$secondary_dir/acme-delegate.toml"
printf '\n[metrics]\nlisten = "127.0.0.1:%s"\n' "$metrics_port" >>"$secondary_dir/acme-delegate.toml"
delegate_config=$secondary_dir/acme-delegate.toml
mv "$logs/acme-delegate.log" "$logs/acme-delegate-before-secondary.log"
stop_one acme-delegate
start_delegate || abort "acme-delegate starts with a secondary configured"
primary_serial() { dig +time=2 +tries=1 +short @127.0.0.1 -p "$dns_port" "$zone" SOA | awk '{print $3}'; }
secondary_serial() { dig +time=2 +tries=1 +short @127.0.0.1 -p "$named_port" "$zone" SOA | awk '{print $3}'; }

render "$e2e/named-secondary.conf.in" "$secondary_dir/named.conf" "DIR=$secondary_dir" "PORT=$named_port" \
  "LOG=$logs/named.log" "ZONE=$zone" "PRIMARY_PORT=$dns_port" "KEY_NAME=$tsig_name" "KEY_SECRET=$tsig_secret"
start named-process named -f -n 1 -c "$secondary_dir/named.conf"
serials_match() { [[ -n $(secondary_serial) && $(secondary_serial) == "$(primary_serial)" ]]; }
if wait_until named-process 30 serials_match; then
  pass "BIND loaded $zone from acme-delegate (TSIG transfer), serial $(secondary_serial)"
else
  fail "BIND loads $zone from acme-delegate" "BIND serial '$(secondary_serial)', ours '$(primary_serial)'"
  tail -n 20 "$logs/named.log" >&2 || true
fi

# The CA's resolver, restarted with an empty cache: our zone's only address is now BIND's.
mv "$logs/unbound.log" "$logs/unbound-before-secondary.log"
stop_one unbound
render "$e2e/unbound.conf.in" "$secondary_dir/unbound.conf" "DIR=$work/unbound" "PORT=$unbound_port" \
  "KNOT_PORT=$knot_port" "DELEGATE_DNS_PORT=$named_port" "ZONE=$zone"
if grep -q "@$dns_port\$" "$secondary_dir/unbound.conf"; then
  abort "the CA's resolver config must not name acme-delegate's port $dns_port"
fi
start unbound-via-secondary unbound -d -c "$secondary_dir/unbound.conf"
wait_until unbound-via-secondary 20 resolves "$zone" SOA ||
  abort "unbound resolves $zone through BIND alone (:$unbound_port)"
pass "the CA's resolver reaches $zone only through BIND (:$named_port), not acme-delegate (:$dns_port)"

# Queries our primary answered, except the secondary's SOA checks and transfers.
primary_queries() {
  curl -fsS "http://127.0.0.1:$metrics_port/metrics" |
    awk '/^acme_delegate_dns_responses_total\{/ && !/qtype="(SOA|AXFR|IXFR)"/ { n += $NF } END { print n + 0 }'
}
queries_before=$(primary_queries) || abort "read acme-delegate's metrics on :$metrics_port"
serial_before=$(primary_serial)
slot=$(jq -r '.["shop.example.org"].fulldomain | ascii_downcase | rtrimstr(".")' "$credentials")

# lego runs the project hook, then waits until the secondary serves the value: what its own
# complete-propagation check does in production, where the zone's name servers listen on port 53
# (here they cannot, so that check stays disabled). Without our NOTIFY this wait fails after 20 s.
wait_hook=$secondary_dir/hook-then-wait-for-secondary
cat >"$wait_hook" <<EOF
#!/bin/sh
"$hook" "\$@" || exit
[ "\$1" = present ] || exit 0
i=0
while [ \$i -lt 100 ]; do
  dig +time=1 +tries=1 +short @127.0.0.1 -p $named_port "$slot" TXT | grep -qF "\"\$3\"" && exit 0
  sleep 0.2
  i=\$((i + 1))
done
echo "the secondary (127.0.0.1#$named_port) did not serve the value within 20 s" >&2
exit 1
EOF
chmod +x "$wait_hook"
lego_waiting_for_secondary() { local lego_exec_path=$wait_hook; lego_run "$@"; }

say "lego through the secondary: shop.example.org"
expect_success "lego exits 0 for shop.example.org, validated through BIND" "$logs/lego-secondary.log" \
  lego_waiting_for_secondary "$work/lego-secondary" "$logs/lego-secondary.log" "$credentials" run -- shop.example.org
check_cert "lego through the secondary shop.example.org" \
  "$work/lego-secondary/certificates/shop.example.org.crt" shop.example.org || true

serial_after=$(primary_serial)
if ((serial_after > serial_before)) && serials_match; then
  pass "the update moved our serial ($serial_before -> $serial_after) and BIND has it"
else
  fail "BIND follows our serial" "ours $serial_before -> $serial_after, BIND's $(secondary_serial)"
fi
if grep -q "received notify for zone '$zone'" "$logs/named.log" &&
  grep -q "transfer of '$zone/IN' from 127.0.0.1#$dns_port: Transfer status: success" "$logs/named.log"; then
  pass "BIND got our NOTIFY and transferred the change ($(grep -c 'received notify' "$logs/named.log") NOTIFY)"
else
  fail "BIND got our NOTIFY and transferred the change" "see $logs/named.log"
  tail -n 20 "$logs/named.log" >&2 || true
fi
if grep -q 'kind=IXFR style=incremental' "$logs/acme-delegate.log"; then
  pass "the change went to BIND as an incremental transfer (IXFR), not the whole zone"
else
  fail "the change goes to BIND as an IXFR" "no incremental transfer in $logs/acme-delegate.log"
fi
# The resolver asks without recursion desired ("-"); the wait above asks with it ("+").
txt_questions=$(grep -ci "query: $slot IN TXT -" "$logs/named.log" || true)
if ((txt_questions > 0)); then
  pass "BIND answered the resolver's TXT question for the slot ($txt_questions in its query log)"
else
  fail "BIND answered the resolver's TXT question for $slot" "no such query in $logs/named.log"
fi
queries_after=$(primary_queries) || queries_after=unknown
if [[ $queries_after == "$queries_before" ]]; then
  pass "acme-delegate answered no query during the issuance but the secondary's SOA and transfers"
else
  fail "acme-delegate answers only the secondary during the issuance" "queries $queries_before -> $queries_after"
fi
txt_of() { dig +time=2 +tries=1 +short @127.0.0.1 -p "$1" "$slot" TXT | sort | paste -sd ' '; }
if [[ -n $(txt_of "$named_port") && $(txt_of "$named_port") == "$(txt_of "$dns_port")" ]]; then
  pass "BIND serves the slot's TXT values exactly as acme-delegate does"
else
  fail "BIND serves the slot's TXT values" "BIND '$(txt_of "$named_port")', ours '$(txt_of "$dns_port")'"
fi
if grep -rqF -- "$tsig_secret" "$logs"; then
  fail "the TSIG secret appears in no log"
else
  pass "the TSIG secret appears in no log"
fi

# The CA's resolver as it was, for whatever runs next.
stop_one unbound-via-secondary
start unbound unbound -d -c "$work/unbound/unbound.conf"
wait_until unbound 20 resolves "$zone" SOA || abort "unbound is back on its usual stub zones"
