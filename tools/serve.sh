#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing, builds a Release binary
# and runs `gadgetgrove serve` with the embedded PostgreSQL and synthetic traffic.
# Extra arguments are passed to `gadgetgrove serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
data_dir=${GG_DATA_DIR:-}
if [ -z "$data_dir" ]; then
  # As root the embedded PostgreSQL runs as the postgres user, which cannot enter a data
  # directory inside root's home; /var/lib is the conventional place for a service's state.
  if [ "$(id -u)" = 0 ]; then data_dir=/var/lib/gadgetgrove; else data_dir=./data; fi
fi
exec build/gadgetgrove serve --data-dir "$data_dir" "$@"
