# shellcheck shell=bash
# Sourced by scripts/e2e.sh: no password and no TSIG secret in any log.

say "secrets stay secret"
leaks=0
while IFS= read -r password; do
  if grep -rqF -- "$password" "$logs" "$work/certbot/logs" 2>/dev/null; then leaks=1; fi
done < <(jq -r '.[].password' "$credentials" "$goacmedns_storage" "${ddns_storage:-/dev/null}" 2>/dev/null; jq -r '.password, .tsig.secret' "$tsig_json" 2>/dev/null)
if ((leaks)); then
  fail "no password or TSIG secret appears in any log (daemons, bootstrap, certbot, lego, hook)"
else
  pass "no password or TSIG secret appears in any log (daemons, bootstrap, certbot, lego, hook)"
fi
