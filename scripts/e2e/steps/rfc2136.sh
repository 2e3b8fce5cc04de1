# shellcheck shell=bash
# Sourced by scripts/e2e.sh: lego's own rfc2136 provider (DNS UPDATE signed with TSIG) issues a
# certificate with nothing but an account's TSIG key, following the customer's CNAME to the slot.

say "lego --dns rfc2136 with an account's TSIG key only: tsig.example.org"
tsig_name=tsig.example.org
tsig_json=$work/credentials/tsig.json
if node "$repo/dist/main.js" account add --tsig --json --label "$tsig_name" --config "$delegate_config" >"$tsig_json" 2>>"$logs/account-tsig.log" &&
  jq -e '.tsig.name and .tsig.secret and .fulldomain' "$tsig_json" >/dev/null; then
  pass "account add --tsig prints the key (name, algorithm, secret) as JSON"
  jq --arg n "_acme-challenge.$tsig_name" --arg c "$(jq -r .fulldomain "$tsig_json")" \
    '. + [{name: $n, type: "CNAME", content: $c, ttl: 60}]' "$records_json" >"$records_json.new" &&
    mv "$records_json.new" "$records_json"
  load_records_into_knot "$records_json" || fail "knotd reloads the customer zones with the $tsig_name CNAME"
  tsig_env=(
    "RFC2136_NAMESERVER=127.0.0.1:$dns_port"
    "RFC2136_TSIG_KEY=$(jq -r .tsig.name "$tsig_json")"
    "RFC2136_TSIG_ALGORITHM=$(jq -r .tsig.algorithm "$tsig_json")."
    "RFC2136_TSIG_SECRET=$(jq -r .tsig.secret "$tsig_json")"
    RFC2136_PROPAGATION_TIMEOUT=60 RFC2136_POLLING_INTERVAL=2
  )
  # No acme-dns credentials and no hook in its environment: the TSIG key is all it has.
  expect_success "lego --dns rfc2136 exits 0 for $tsig_name" "$logs/lego-rfc2136.log" \
    run_logged "$logs/lego-rfc2136.log" env -u ACME_DELEGATE_CREDENTIALS -u EXEC_PATH "${tsig_env[@]}" \
    LEGO_CA_CERTIFICATES="$tls_ca" timeout 180 lego --server "$acme_directory" \
    --accept-tos --email admin@example.org --path "$work/lego-rfc2136" --dns rfc2136 --dns.disable-cp \
    --dns.resolvers "127.0.0.1:$unbound_port" -d "$tsig_name" run
  check_cert "lego rfc2136 $tsig_name" "$work/lego-rfc2136/certificates/$tsig_name.crt" "$tsig_name" || true
  if grep -q "txt updated.*via=dns update.*key=$(jq -r .fulldomain "$tsig_json")" "$logs/acme-delegate.log"; then
    pass "the challenge went in by DNS UPDATE (server log)"
  else
    fail "the challenge went in by DNS UPDATE" "no 'txt updated ... via=dns update' in the server log"
  fi
  left=$(dig +time=2 +tries=1 +short @127.0.0.1 -p "$dns_port" "$(jq -r .fulldomain "$tsig_json")" TXT | grep -c '^"' || true)
  if [[ $left == 0 ]]; then
    pass "lego's cleanup UPDATE removed its TXT from the slot"
  else
    fail "lego's cleanup UPDATE removed its TXT" "$left value(s) left"
  fi
else
  fail "account add --tsig prints the key as JSON" "$(tail -n 3 "$logs/account-tsig.log")"
fi
