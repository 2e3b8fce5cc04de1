#!/usr/bin/env bash
# Installs acme-delegate from this checkout on a Linux server with systemd where the Debian package
# (scripts/build-deb.sh) does not fit: builds into /opt/acme-delegate (needs npm and, where no
# prebuilt better-sqlite3 exists, a C++ compiler), creates the system user and its state folder,
# a starter config, the units, and the commands acme-delegate and acme-delegate-hook in
# /usr/local/bin. Usage: sudo scripts/install.sh [--zone auth.example.org --ns-address 203.0.113.10]
set -euo pipefail

prefix=/opt/acme-delegate
bindir=/usr/local/bin
confdir=/etc/acme-delegate
statedir=/var/lib/acme-delegate
zone=""
addresses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --zone) zone="$2"; shift 2 ;;
    --ns-address) addresses+=("$2"); shift 2 ;;
    --prefix) prefix="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
node=$(command -v node) || { echo "install.sh: Node.js 20.19+ is required" >&2; exit 1; }
src="$(cd "$(dirname "$0")/.." && pwd)"

id acme-delegate >/dev/null 2>&1 || useradd --system --user-group --home-dir "$statedir" --shell /usr/sbin/nologin acme-delegate
# Owned by the service user before the first start, so that root's `acme-delegate account add`
# acts as that user and the database is never root's.
install -d -m 0700 -o acme-delegate -g acme-delegate "$statedir"

install -d -m 0755 "$prefix"
cp -a "$src/package.json" "$src/package-lock.json" "$src/tsconfig.json" "$src/tsconfig.build.json" "$src/src" "$prefix/"
(cd "$prefix" && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund)

install -d -m 0750 -g acme-delegate "$confdir"
if [ ! -e "$confdir/config.toml" ]; then
  list=""
  for a in "${addresses[@]}"; do list+="\"$a\", "; done
  sed -e "${zone:+s/^zone = .*/zone = \"$zone\"/}" -e "${list:+s/^ns_addresses = .*/ns_addresses = [${list%, }]/}" \
    "$src/packaging/config.toml" >"$confdir/config.toml"
  chgrp acme-delegate "$confdir/config.toml"
  chmod 0640 "$confdir/config.toml"
fi

# The command on PATH, and the units, pointed at this prefix, this Node.js and this bindir.
sed -e "s#@NODE@#$node#" -e "s#@PREFIX@#$prefix#" "$src/packaging/acme-delegate.in" >"$bindir/acme-delegate"
chmod 0755 "$bindir/acme-delegate"
install -m 0755 "$src/scripts/hooks/acme-delegate-hook" "$bindir/acme-delegate-hook"
for unit in acme-delegate.service acme-delegate-backup.service acme-delegate-backup.timer; do
  sed -e "s#/usr/lib/acme-delegate#$prefix#g" -e "s#/usr/bin/node #$node #" -e "s#/usr/bin/acme-delegate #$bindir/acme-delegate #" \
    "$src/systemd/$unit" >"/etc/systemd/system/$unit"
  chmod 0644 "/etc/systemd/system/$unit"
done
systemctl daemon-reload
echo "Installed. Edit $confdir/config.toml, then: systemctl enable --now acme-delegate"
