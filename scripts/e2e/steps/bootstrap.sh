# shellcheck shell=bash
# Sourced by scripts/e2e.sh: credentials and CNAMEs from `acme-delegate bootstrap` against the
# Cloudflare emulation, two accounts registered as goacmedns does, all loaded into knotd.

# Credentials and CNAMEs: `acme-delegate bootstrap` against the Cloudflare emulation

# name -> bare domain the credentials file is keyed by
names=(www.example.com '*.b.example.com' shop.example.org neg.example.com)
credentials=$work/credentials/acmedns.json

load_records_into_knot() { # load_records_into_knot RECORDS.json: [{name,type,content}...]
  local z
  for z in example.com example.org; do
    jq -r --arg z "$z" '
      .[] | select(.type == "CNAME" or .type == "NS" or .type == "A" or .type == "AAAA" or .type == "TXT")
          | select((.name | ascii_downcase) as $n | $n != $z and ($n | endswith("." + $z)))
          | "\(.name). \(.ttl // 60 | if . == 1 then 60 else . end) IN \(.type) \(
              if .type == "TXT" then (.content | tojson)
              elif .type == "CNAME" or .type == "NS" then (.content | rtrimstr(".")) + "."
              else .content end)"' "$1" >"$work/knot/$z.extra"
  done
  zone_serial=$((zone_serial + 1))
  write_customer_zones
  knotc --config "$work/knot/knot.conf" --blocking zone-reload example.com example.org \
    >>"$logs/knotc.log" 2>&1
}

emulator_main=$repo/test/helpers/cloudflare-emulator-main.ts
say "bootstrap against the Cloudflare emulation"
cloudflare_token=e2e-token-$RANDOM$RANDOM
start cloudflare-emulator node --import tsx "$emulator_main" --token "$cloudflare_token" example.com example.org
wait_until cloudflare-emulator 60 grep -q '^CLOUDFLARE_BASE_URL=' "$logs/cloudflare-emulator.log" ||
  abort "the Cloudflare emulation starts"
cloudflare_base_url=$(sed -n 's/^CLOUDFLARE_BASE_URL=//p' "$logs/cloudflare-emulator.log" | head -n 1)
domain_flags=()
for name in "${names[@]}"; do domain_flags+=(--domain "$name"); done
if CLOUDFLARE_API_TOKEN=$cloudflare_token CLOUDFLARE_BASE_URL=$cloudflare_base_url \
  run_logged "$logs/bootstrap.log" timeout 120 node "$repo/dist/main.js" bootstrap \
  --config "$delegate_config" "${domain_flags[@]}" --out "$work/credentials" --yes; then
  pass "acme-delegate bootstrap registers ${#names[@]} names and creates their CNAMEs"
else
  tail -n 30 "$logs/bootstrap.log" >&2
  abort "acme-delegate bootstrap"
fi
# The clients below read the file exactly as bootstrap wrote it.
[[ -f $credentials ]] || abort "bootstrap wrote the goacmedns credentials file $credentials"
# The emulation is the source of truth for what Cloudflare would serve: load it into knotd.
records_json=$work/cloudflare-records.json
curl -fsS "${cloudflare_base_url%/client/v4}/__emulator/records" >"$records_json" ||
  abort "read the records bootstrap created from the Cloudflare emulation"
jq -e 'type == "array"' "$records_json" >/dev/null ||
  abort "the Cloudflare emulation lists its records as a JSON array"

for name in "${names[@]}"; do
  bare=${name#\*.}
  if ! jq -e --arg d "$bare" '.[$d] | .username and .password and .subdomain and .fulldomain and .server_url' \
    "$credentials" >/dev/null; then
    fail "credentials file has a complete entry for $bare"
  fi
done
if [[ $(stat -c %a "$credentials") == 600 ]]; then
  pass "credentials file is mode 0600"
else
  fail "credentials file is mode 0600" "mode $(stat -c %a "$credentials")"
fi

# Two more accounts registered the way lego's native acme-dns provider does it (goacmedns 0.1.1 and
# 0.2, replayed byte for byte); their CNAMEs are added as an operator would by hand.
goacmedns_storage=$work/credentials/goacmedns.json
for style in 0.1 0.2; do
  name=go${style/./}.example.org
  if GOACMEDNS_STYLE=$style "$e2e/goacmedns-replay.sh" register "$api_url" "$name" "$goacmedns_storage" \
    2>>"$logs/goacmedns.log"; then
    pass "goacmedns $style register request: accepted as that client requires"
    jq --arg n "_acme-challenge.$name" --arg c "$(jq -r --arg d "$name" '.[$d].fulldomain' "$goacmedns_storage")" \
      '. + [{name: $n, type: "CNAME", content: $c, ttl: 60}]' "$records_json" >"$records_json.new" &&
      mv "$records_json.new" "$records_json"
  else
    fail "goacmedns $style register request" "$(tail -n 1 "$logs/goacmedns.log")"
  fi
done

load_records_into_knot "$records_json" || abort "knotd reloads the customer zones with the CNAMEs"
cname_ok=1
for name in "${names[@]}"; do
  bare=${name#\*.}
  want=$(jq -r --arg d "$bare" '.[$d].fulldomain | ascii_downcase | rtrimstr(".") + "."' "$credentials")
  got=$(dig +time=2 +tries=1 +short @127.0.0.1 -p "$knot_port" "_acme-challenge.$bare" CNAME | tr '[:upper:]' '[:lower:]')
  if [[ $got != "$want" ]]; then
    cname_ok=0
    fail "_acme-challenge.$bare is a CNAME to its slot" "knotd says '${got:-nothing}', want $want"
  fi
done
((cname_ok)) && pass "every _acme-challenge name is a CNAME to its own slot in $zone"
