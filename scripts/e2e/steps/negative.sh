# shellcheck shell=bash
# Sourced by scripts/e2e.sh: one name's credentials cannot get a certificate for another, and a
# slot serves only its newest two values.

say "negative: the credentials of www.example.com cannot get a certificate for neg.example.com"
# (a) A's username and password against B's slot: the API refuses.
jq '{ "neg.example.com": (.["www.example.com"] + {subdomain: .["neg.example.com"].subdomain,
                                                  fulldomain: .["neg.example.com"].fulldomain}) }' \
  "$credentials" >"$work/credentials/stolen-into-b.json"
chmod 600 "$work/credentials/stolen-into-b.json"
neg_status=$(jq -r '.["www.example.com"] as $a | .["neg.example.com"] as $b |
    "X-Api-User: \($a.username)\nX-Api-Key: \($a.password)"' "$credentials" |
  curl -sS -o "$work/neg-update.json" -w '%{http_code}' -H @- -H 'Content-Type: application/json' \
    --data-binary "$(jq -c '{subdomain: .["neg.example.com"].subdomain, txt: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}' "$credentials")" \
    "$api_url/update" || true)
if [[ $neg_status == 401 ]] && jq -e '.error == "forbidden"' "$work/neg-update.json" >/dev/null 2>&1; then
  pass "POST /update with A's credentials on B's slot: 401 forbidden"
else
  fail "POST /update with A's credentials on B's slot is refused" "HTTP $neg_status $(head -c 200 "$work/neg-update.json" 2>/dev/null)"
fi
set +e
CERTBOT_DOMAIN=neg.example.com CERTBOT_VALIDATION=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
  "$hook" --credentials "$work/credentials/stolen-into-b.json" >"$logs/hook-negative.log" 2>&1
hook_status=$?
set -e
if [[ $hook_status == 1 ]] && grep -q 'forbidden' "$logs/hook-negative.log"; then
  pass "the hook fails with a clear message: $(head -n 1 "$logs/hook-negative.log" | cut -c1-110)..."
else
  fail "the hook fails on a refused update" "exit $hook_status: $(head -c 300 "$logs/hook-negative.log")"
fi
# certbot 2.1 goes on after a failing hook: the CA must then refuse, and no certificate appear.
if certbot_certonly neg "$logs/certbot-neg.log" "$(printf '%q --credentials %q' "$hook" "$work/credentials/stolen-into-b.json")" neg.example.com; then
  fail "certbot with A's credentials for neg.example.com fails" "certbot exited 0"
elif grep -q 'forbidden' "$work/certbot/logs/letsencrypt.log" && grep -q 'Some challenges have failed' "$logs/certbot-neg.log"; then
  pass "certbot with A's credentials for neg.example.com fails: update forbidden, then the CA's DNS check"
else
  fail "certbot with A's credentials for neg.example.com fails for the right reason" "$(tail -n 5 "$logs/certbot-neg.log")"
fi
if [[ -e $work/certbot/config/live/neg/cert.pem ]]; then
  fail "no certificate for neg.example.com was issued" "found $work/certbot/config/live/neg/cert.pem"
else
  pass "no certificate for neg.example.com was issued (certbot)"
fi
# (b) A's complete account filed under B's name: the update succeeds, but into A's slot, which
# neg.example.com's CNAME does not point to, so validation fails.
jq '{ "neg.example.com": .["www.example.com"] }' "$credentials" >"$work/credentials/a-for-b.json"
chmod 600 "$work/credentials/a-for-b.json"
# (lego must not follow the CNAME here, or it would hand the hook B's slot name, which this file
# does not know.)
if LEGO_DISABLE_CNAME_SUPPORT=true lego_run "$work/lego-neg" "$logs/lego-neg.log" "$work/credentials/a-for-b.json" \
  run -- neg.example.com; then
  fail "lego with A's slot for neg.example.com fails" "lego exited 0"
elif grep -q 'error presenting token' "$logs/lego-neg.log" ||
  ! grep -qi 'unauthorized\|incorrect TXT\|no TXT record\|NXDOMAIN\|TXT record' "$logs/lego-neg.log"; then
  fail "lego with A's slot for neg.example.com fails at the CA's DNS check" "$(tail -n 3 "$logs/lego-neg.log")"
else
  pass "lego with A's slot for neg.example.com: update accepted into A's slot, the CA's DNS check fails"
fi
if [[ -e $work/lego-neg/certificates/neg.example.com.crt ]]; then
  fail "no certificate for neg.example.com was issued (lego)"
else
  pass "no certificate for neg.example.com was issued (lego)"
fi

# www.example.com's slot has now had three values (issuance, renewal, the lego run above): it
# serves only the newest two, whatever the resolver cached before (TXT TTL is 1 s).
sleep 1.5
www_txt=$(dig +time=2 +tries=1 +short @127.0.0.1 -p "$unbound_port" _acme-challenge.www.example.com TXT | grep -c '^"' || true)
if [[ $www_txt == 2 ]]; then
  pass "a slot serves only its two newest values after three updates"
else
  fail "a slot serves only its two newest values after three updates" "unbound returned $www_txt TXT records"
fi
