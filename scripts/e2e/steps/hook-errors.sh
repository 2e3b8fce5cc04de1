# shellcheck shell=bash
# Sourced by scripts/e2e.sh: the hook's failure modes give clear messages and distinct statuses.

say "the hook's failure modes: clear messages, distinct exit statuses"
# expect_hook LABEL STATUS PATTERN HOOK_ARGS...: the hook exits STATUS and says PATTERN.
expect_hook() {
  local label=$1 want_status=$2 pattern=$3 status=0
  shift 3
  "$hook" "$@" >"$logs/hook-$label.log" 2>&1 || status=$?
  if [[ $status == "$want_status" ]] && grep -qi -- "$pattern" "$logs/hook-$label.log"; then
    pass "hook, $label: exit $status, '$(tail -n 1 "$logs/hook-$label.log" | sed 's/^acme-delegate-hook: //' | cut -c1-100)'"
  else
    fail "hook, $label: exit $want_status with '$pattern'" "exit $status: $(head -c 300 "$logs/hook-$label.log")"
  fi
}
value=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
jq --arg url "https://127.0.0.1:$unused_port" '.["www.example.com"].server_url = $url' "$credentials" \
  >"$work/credentials/unreachable.json"
chmod 600 "$work/credentials/unreachable.json"
expect_hook unreachable-api 1 'could not reach' --credentials "$work/credentials/unreachable.json" set www.example.com "$value"
expect_hook unknown-name 2 'no credentials for nope.example.com' --credentials "$credentials" set nope.example.com "$value"
expect_hook no-credentials 2 'ACME_DELEGATE_CREDENTIALS' set www.example.com "$value"
expect_hook bad-value 1 'bad_txt' --credentials "$credentials" present _acme-challenge.www.example.com. 'not a valid value'
expect_hook lego-raw-mode 2 'EXEC_MODE=RAW' --credentials "$credentials" present -- www.example.com token keyauth
