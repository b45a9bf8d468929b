#!/usr/bin/env bash
# Installs the Debian 12 packages GadgetGrove needs; only what is missing, non-interactively.
#   tools/install-deps.sh          build + run dependencies
#   tools/install-deps.sh --test   also what the test suite needs (Chromium, Node.js, npm modules,
#                                  clang 16 and its sanitizer and libFuzzer runtimes)
#   tools/install-deps.sh --bench  also what the benchmarks need (wrk, nginx, hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_bench=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --bench) want_bench=1 ;;
    *) echo "install-deps: unknown argument $arg" >&2; exit 2 ;;
  esac
done

packages=(build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libsimdjson-dev libfmt-dev catch2 libcli11-dev libpq-dev postgresql-15
  libsystemd-dev libxxhash-dev libconcurrentqueue-dev libyaml-cpp-dev libboost-json1.81-dev
  zlib1g-dev librabbitmq-dev
  libhowardhinnant-date-dev libdate-tz3 tzdata nodejs npm)
if [ "$want_test" = 1 ]; then
  packages+=(chromium clang-format systemd procps psmisc iproute2 python3 python3-jinja2
    clang-16 libclang-rt-16-dev llvm-16 prometheus rabbitmq-server)
fi
if [ "$want_bench" = 1 ]; then
  packages+=(wrk nginx-light hyperfine jq)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# nodejs/npm may come from elsewhere than Debian's packages; a working `npm` is what matters.
if command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    case "$p" in nodejs|npm) ;; *) filtered+=("$p") ;; esac
  done
  missing=("${filtered[@]}")
fi

sudo_cmd=()
if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # libboost1.81-dev conflicts with libboost-dev (1.74); apt swaps them.
  if ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    # rabbitmq-server's postinst fails the whole install when its own service cannot start (a
    # machine without systemd, port 5672 taken). The tests run a private node and need no
    # service: finish the configuration with service starts refused, then drop that policy.
    if [[ " ${missing[*]} " == *" rabbitmq-server "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
      echo "install-deps: configuring again without starting services" >&2
      printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
      "${sudo_cmd[@]}" chmod 755 /usr/sbin/policy-rc.d
      status=0
      "${sudo_cmd[@]}" dpkg --configure -a || status=$?
      if [ "$status" = 0 ]; then
        "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
      fi
      "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d
      [ "$status" = 0 ] || exit "$status"
    else
      exit 1
    fi
  fi
  # The tests need only promtool from the prometheus package, not the server it starts.
  if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null 2>&1 \
      && systemctl is-enabled prometheus >/dev/null 2>&1; then
    "${sudo_cmd[@]}" systemctl disable --now prometheus || true
  fi
fi

# The build installs the dashboard's charting library with `npm ci`; installing it here once
# puts it in npm's cache, so later builds need no network.
if [ -f src/console/charts/package.json ] && [ ! -d src/console/charts/node_modules ]; then
  (cd src/console/charts && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ "$want_test" = 1 ] && [ -f tests/e2e/segment_client/package.json ]; then
  if [ ! -d tests/e2e/segment_client/node_modules ]; then
    (cd tests/e2e/segment_client && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
if [ "$want_test" = 1 ] && [ -f tests/e2e/browser/package.json ]; then
  if [ ! -d tests/e2e/browser/node_modules ]; then
    (cd tests/e2e/browser && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
