#!/usr/bin/env bash
# Builds the Debian package build/acme-delegate_<version>_<arch>.deb with dpkg-deb: the compiled
# dist/, production node_modules (with better-sqlite3's native module as built here by `npm ci`,
# for this machine's architecture and Node major version), the systemd units, the commands
# /usr/bin/acme-delegate and /usr/bin/acme-delegate-hook, a commented conffile
# /etc/acme-delegate/config.toml, and maintainer scripts from packaging/deb/. Nothing is
# downloaded, here or when the package is installed.
#
# Usage: scripts/build-deb.sh [--source DIR] [--version VERSION] [--out DIR]
#   --source DIR   a checkout with its node_modules (dev dependencies included) to package;
#                  default: this one. Packaging files always come from this checkout.
#   --version V    package version; default: package.json's version
#   --out DIR      where the .deb goes; default: build/
# Prints the path of the package on its last line.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source_dir=$repo
version=""
out=$repo/build
while (($# > 0)); do
  case "$1" in
    --source) source_dir=$(cd "$2" && pwd); shift 2 ;;
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "build-deb.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

for tool in dpkg-deb dpkg node npm; do
  command -v "$tool" >/dev/null || { echo "build-deb.sh: $tool is required (apt-get install dpkg-dev nodejs)" >&2; exit 1; }
done
[[ -d $source_dir/node_modules/better-sqlite3 ]] ||
  { echo "build-deb.sh: $source_dir/node_modules is missing; run 'npm ci' there first" >&2; exit 1; }

packaging=$repo/packaging
[[ -n $version ]] || version=$(node -p "require('$source_dir/package.json').version")
arch=$(dpkg --print-architecture)
# The native module works only with the Node major version it was compiled for
# (NODE_MODULE_VERSION), so the package accepts exactly that major, and at least 20.19.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major <= 20)); then
  node_depends="nodejs (>= 20.19), nodejs (<< $((node_major + 1)))"
else
  node_depends="nodejs (>= $node_major), nodejs (<< $((node_major + 1)))"
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/acme-delegate-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
app=$root/usr/lib/acme-delegate

echo "build-deb: [${SECONDS}s] compiling $source_dir" >&2
(cd "$source_dir" && npm run --silent build)

echo "build-deb: [${SECONDS}s] production node_modules" >&2
install -d "$app"
cp -a "$source_dir/dist" "$source_dir/package.json" "$source_dir/package-lock.json" "$app/"
# Copy the production packages only (through a symlinked node_modules too), then let npm drop
# anything else offline: the native module stays the one `npm ci` compiled and the tests ran
# against.
(cd "$source_dir" && npm ls --omit=dev --all --parseable 2>/dev/null || true) | tail -n +2 >"$stage/production.txt"
[[ -s $stage/production.txt ]] || { echo "build-deb.sh: npm ls lists no production packages" >&2; exit 1; }
while read -r path; do
  relative=node_modules/${path#*/node_modules/}
  [[ $relative == */node_modules/* ]] && continue # copied with the package above it
  install -d "$app/$(dirname "$relative")"
  cp -a "$source_dir/$relative" "$app/$relative"
done <"$stage/production.txt"
if ! (cd "$app" && npm prune --omit=dev --offline --ignore-scripts --no-audit --no-fund >"$stage/prune.log" 2>&1); then
  cat "$stage/prune.log" >&2
  exit 1
fi
rm -f "$app/package-lock.json"
find "$app/dist" -name '*.map' -delete # they point into src/, which is not shipped

# Nothing at run time reads type declarations, source maps, markdown, the SDK's TypeScript
# sources or better-sqlite3's C sources and build intermediates (about 100 of 113 MB).
find "$app/node_modules" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
  -o \( -iname '*.md' ! -iname 'licen[sc]e*' ! -iname 'copying*' ! -iname 'notice*' \) \) -delete
rm -rf "$app/node_modules/cloudflare/src" "$app/node_modules/better-sqlite3/deps" "$app/node_modules/better-sqlite3/src"
native=$app/node_modules/better-sqlite3/build/Release/better_sqlite3.node
[[ -f $native ]] || { echo "build-deb.sh: $native is missing (better-sqlite3 was not compiled)" >&2; exit 1; }
mv "$native" "$stage/better_sqlite3.node"
rm -rf "$app/node_modules/better-sqlite3/build"
install -D -m 0755 "$stage/better_sqlite3.node" "$native"
find "$app/node_modules" -depth -type d -empty -delete

# Smoke test of what was kept: the native module opens a database, the Cloudflare SDK (used by
# bootstrap on the server) and the whole program load.
(cd "$app" && node --input-type=module -e "
  const { default: Database } = await import('better-sqlite3');
  new Database(':memory:').prepare('select 1').get();
  await import('cloudflare');
  await import('cloudflare/resources/dns/records');
  await import('./dist/bootstrap/cloudflare-gateway.js');") ||
  { echo "build-deb.sh: the trimmed node_modules do not load" >&2; exit 1; }
node "$app/dist/main.js" config-reference >/dev/null
echo "build-deb: [${SECONDS}s] trimmed and checked" >&2

echo "build-deb: [${SECONDS}s] package tree" >&2
sed -e "s#@NODE@#/usr/bin/node#" -e "s#@PREFIX@#/usr/lib/acme-delegate#" "$packaging/acme-delegate.in" >"$stage/acme-delegate"
install -D -m 0755 "$stage/acme-delegate" "$root/usr/bin/acme-delegate"
install -D -m 0755 "$repo/scripts/hooks/acme-delegate-hook" "$root/usr/bin/acme-delegate-hook"
install -D -m 0644 -t "$root/usr/lib/systemd/system" "$repo"/systemd/*.service "$repo"/systemd/*.timer
install -D -m 0644 "$packaging/deb/sysusers.conf" "$root/usr/lib/sysusers.d/acme-delegate.conf"
install -D -m 0644 "$packaging/config.toml" "$root/etc/acme-delegate/config.toml"
doc=$root/usr/share/doc/acme-delegate
install -D -m 0644 "$packaging/deb/copyright" "$doc/copyright"
install -m 0644 "$repo/README.md" "$repo"/docs/*.md "$doc/"
gzip -9n "$doc"/*.md

# Files root-owned (dpkg-deb --root-owner-group) and world-readable, as Debian expects.
chmod -R u+rwX,go+rX,go-w "$root"
install -d -m 0755 "$root/DEBIAN"
for script in postinst prerm postrm; do
  install -m 0755 "$packaging/deb/$script" "$root/DEBIAN/$script"
done
echo /etc/acme-delegate/config.toml >"$root/DEBIAN/conffiles"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
  -e "s/@NODE_DEPENDS@/$node_depends/" "$packaging/deb/control.in" >"$root/DEBIAN/control"

install -d "$out"
deb=$out/acme-delegate_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "build-deb: [${SECONDS}s] $(du -h "$deb" | cut -f1) package, $((installed_size / 1024)) MB installed" >&2
echo "$deb"
