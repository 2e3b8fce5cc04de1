# shellcheck shell=bash
# Sourced by scripts/e2e.sh: renewals after a restart of acme-delegate on the same database.

say "renewals after a restart of acme-delegate: the same credentials keep working"
mv "$logs/acme-delegate.log" "$logs/acme-delegate-first-run.log"
stop_one acme-delegate
start_delegate || abort "acme-delegate starts again on its database"
pass "acme-delegate restarted on the same database"
www_serial=$(serial_of "$work/certbot/config/live/www/cert.pem")
if REQUESTS_CA_BUNDLE=$tls_ca run_logged "$logs/certbot-renew.log" timeout 180 certbot renew "${certbot_dirs[@]}" \
  --non-interactive --cert-name www --force-renewal --no-random-sleep-on-renew; then
  pass "certbot renew exits 0 for www.example.com"
else
  fail "certbot renew exits 0 for www.example.com" "see below"
  tail -n 30 "$logs/certbot-renew.log"
fi
check_renewal "certbot renewal www.example.com" "$work/certbot/config/live/www/cert.pem" www.example.com "$www_serial"
shop_serial=$(serial_of "$work/lego/certificates/shop.example.org.crt")
# Pebble's certificates last years: ask for renewal when fewer than 100000 days are left.
# This time lego does not follow the CNAME itself, so the hook gets _acme-challenge.shop.example.org.
# (the first run handed it the slot's name): both ways must find the credentials.
if LEGO_DISABLE_CNAME_SUPPORT=true lego_run "$work/lego" "$logs/lego-renew.log" "$credentials" \
  renew --days 100000 --no-random-sleep -- shop.example.org; then
  pass "lego renew exits 0 for shop.example.org"
else
  fail "lego renew exits 0 for shop.example.org" "see below"
  tail -n 30 "$logs/lego-renew.log"
fi
check_renewal "lego renewal shop.example.org" "$work/lego/certificates/shop.example.org.crt" shop.example.org "$shop_serial"
