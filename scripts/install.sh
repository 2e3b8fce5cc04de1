#!/usr/bin/env bash
# Installs acme-delegate from this checkout on a Debian/Ubuntu VPS with systemd:
# builds into /opt/acme-delegate, creates the system user, a starter config and the unit.
# Usage: sudo scripts/install.sh [--zone auth.example.org --ns-address 203.0.113.10]
set -euo pipefail

prefix=/opt/acme-delegate
confdir=/etc/acme-delegate
zone=""
addresses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --zone) zone="$2"; shift 2 ;;
    --ns-address) addresses+=("$2"); shift 2 ;;
    --prefix) prefix="$2"; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
command -v node >/dev/null || { echo "install.sh: Node.js 20.19+ is required" >&2; exit 1; }
src="$(cd "$(dirname "$0")/.." && pwd)"

id acme-delegate >/dev/null 2>&1 || useradd --system --home-dir /var/lib/acme-delegate --shell /usr/sbin/nologin acme-delegate

install -d -m 0755 "$prefix"
cp -a "$src/package.json" "$src/package-lock.json" "$src/tsconfig.json" "$src/tsconfig.build.json" "$src/src" "$prefix/"
(cd "$prefix" && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund)

install -d -m 0750 -g acme-delegate "$confdir"
if [ ! -e "$confdir/config.toml" ]; then
  list=""
  for a in "${addresses[@]}"; do list+="\"$a\", "; done
  cat > "$confdir/config.toml" <<TOML
# acme-delegate configuration: see \`acme-delegate config-reference\` for every key.
[dns]
zone = "${zone:-auth.example.org}"
ns_addresses = [${list%, }]
listen = ["0.0.0.0:53", "[::]:53"]

[api]
listen = "127.0.0.1:8053"   # put a TLS reverse proxy in front, or set tls_cert/tls_key
registration = "closed"      # make accounts with \`acme-delegate account add\` or bootstrap

[store]
path = "/var/lib/acme-delegate/acme-delegate.db"   # must stay under /var/lib/acme-delegate
TOML
  chgrp acme-delegate "$confdir/config.toml"
  chmod 0640 "$confdir/config.toml"
fi

install -m 0755 "$src/scripts/hooks/acme-delegate-hook" /usr/local/bin/acme-delegate-hook
install -m 0644 "$src/systemd/acme-delegate.service" /etc/systemd/system/acme-delegate.service
sed -i -e "s#/opt/acme-delegate#$prefix#g" -e "s#/usr/bin/node #$(command -v node) #" /etc/systemd/system/acme-delegate.service
systemctl daemon-reload
echo "Installed. Edit $confdir/config.toml, then: systemctl enable --now acme-delegate"
