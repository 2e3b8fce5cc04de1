# shellcheck shell=bash
# Sourced by scripts/e2e.sh: first certificates from certbot and lego with the project hook, and
# from lego with goacmedns's exact update requests.

say "certbot --manual with the project hook: www.example.com"
expect_success "certbot exits 0 for www.example.com" "$logs/certbot-www.log" \
  certbot_certonly www "$logs/certbot-www.log" "$certbot_hook" www.example.com
check_cert "certbot www.example.com" "$work/certbot/config/live/www/cert.pem" www.example.com || true

say "certbot: *.b.example.com and b.example.com in one order (two TXT values in one slot)"
expect_success "certbot exits 0 for *.b.example.com + b.example.com" "$logs/certbot-b.log" \
  certbot_certonly b "$logs/certbot-b.log" "$certbot_hook" '*.b.example.com' b.example.com
check_cert "certbot *.b.example.com + b.example.com" "$work/certbot/config/live/b/cert.pem" \
  '*.b.example.com' b.example.com || true
txt_count=$(dig +time=2 +tries=1 +short @127.0.0.1 -p "$unbound_port" _acme-challenge.b.example.com TXT | grep -c '^"' || true)
if [[ $txt_count == 2 ]]; then
  pass "the b.example.com slot serves both TXT values, through the CNAME, via unbound"
else
  fail "the b.example.com slot serves both TXT values" "unbound returned $txt_count TXT records"
fi

say "lego --dns exec with the project hook: shop.example.org (second customer zone)"
expect_success "lego exits 0 for shop.example.org" "$logs/lego-shop.log" \
  lego_run "$work/lego" "$logs/lego-shop.log" "$credentials" run -- shop.example.org
check_cert "lego shop.example.org" "$work/lego/certificates/shop.example.org.crt" shop.example.org || true

say "lego with goacmedns's exact update requests (lego's native acme-dns provider, replayed)"
for style in 0.1 0.2; do
  name=go${style/./}.example.org
  if ! jq -e --arg d "$name" 'has($d)' "$goacmedns_storage" >/dev/null 2>&1; then
    fail "lego + goacmedns $style for $name" "no account (register failed)"
    continue
  fi
  if GOACMEDNS_STYLE=$style lego_exec_path=$e2e/goacmedns-replay.sh \
    lego_run "$work/lego" "$logs/lego-$name.log" "$goacmedns_storage" run -- "$name"; then
    pass "lego exits 0 for $name with goacmedns $style updates"
  else
    fail "lego exits 0 for $name with goacmedns $style updates" "see below"
    tail -n 10 "$logs/lego-$name.log"
  fi
  check_cert "lego + goacmedns $style $name" "$work/lego/certificates/$name.crt" "$name" || true
done
