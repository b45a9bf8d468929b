#!/usr/bin/env bash
# Installs a build into a scratch prefix and checks that the binary, the systemd unit, the
# example config and the SQL files land where the unit file expects them.
#   tools/check-install.sh <build-dir>
set -euo pipefail
build=${1:?usage: check-install.sh <build-dir>}
prefix=$(mktemp -d /tmp/gg-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
missing=0
for f in bin/gadgetgrove lib/systemd/system/gadgetgrove.service etc/gadgetgrove/gadgetgrove.toml \
         share/gadgetgrove/sql/migrations/0001_initial.sql; do
  if [ ! -e "$prefix/$f" ]; then echo "missing after install: $f"; missing=1; fi
done
"$prefix/bin/gadgetgrove" version >/dev/null
[ "$missing" = 0 ] && echo "install: every file in place"
exit "$missing"
