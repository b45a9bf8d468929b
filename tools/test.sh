#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is missing (including
# Chromium, clang and the npm test clients), then runs every stage in turn; each configuration is
# built once, and the script stops at the first failing stage.
#   normal  build/ (g++, Release, warnings as errors): every test through CTest
#   asan    build-asan/ (clang 16, ASan+UBSan, libFuzzer instrumentation): every test through CTest;
#           a report from any process (test binaries and the gadgetgrove processes they start)
#           fails it
#   tsan    build-tsan/ (g++, TSan): the unit and integration tests of the concurrent stages
#           (queue, eventlog, sched, loader, flows)
#   fuzz    build-asan/ again: every libFuzzer target runs GG_FUZZ_SECONDS (default 5) seconds
#           from its seed corpus; a crash fails it and is kept under build-asan/fuzz-artifacts/
# The asan and fuzz stages share one build: clang's ASan runs the suite as well as g++'s, and one
# configuration fewer keeps CI within its time budget. Clang 16, not Debian's default 14: the
# test support uses std::source_location, which libstdc++ 12 offers to clang 15 and later.
# docs/testing.md has the details.
# Usage:
#   tools/test.sh                          the default stages: normal, tsan, fuzz
#   GG_TEST_STAGES="normal asan tsan fuzz" tools/test.sh   every stage
#   tools/test.sh --stage asan             one stage (repeat --stage for several)
#   tools/test.sh --stage normal -L unit   further arguments go to ctest (normal and asan stages)
# GG_BUILD_DIR overrides the normal stage's build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

all_stages=(normal asan tsan fuzz)
# What a run without --stage runs (GG_TEST_STAGES="normal asan tsan fuzz" overrides it). The asan
# stage is left out by default: from a cold compiler cache its build of every test executable
# under clang and the suite under ASan would take .ci/run past its 45-minute budget on 2 cores;
# the fuzz stage builds the same instrumented libraries, so every parser still runs under
# ASan+UBSan by default (docs/testing.md has the measured budget).
read -r -a default_stages <<<"${GG_TEST_STAGES:-normal tsan fuzz}"
stages=()
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --stage)
      [ $# -ge 2 ] || { echo "test.sh: --stage needs one of: ${all_stages[*]}" >&2; exit 2; }
      case " ${all_stages[*]} " in
        *" $2 "*) stages+=("$2") ;;
        *) echo "test.sh: unknown stage '$2' (stages: ${all_stages[*]})" >&2; exit 2 ;;
      esac
      shift 2 ;;
    --stage=*)
      set -- --stage "${1#--stage=}" "${@:2}" ;;
    *) ctest_args+=("$1"); shift ;;
  esac
done
[ ${#stages[@]} -gt 0 ] || stages=("${default_stages[@]}")
for s in "${stages[@]}"; do
  case " ${all_stages[*]} " in
    *" $s "*) ;;
    *) echo "test.sh: unknown stage '$s' (stages: ${all_stages[*]})" >&2; exit 2 ;;
  esac
done

tools/install-deps.sh --test

# The concurrent stages' test executables, built and run under TSan.
tsan_targets=(queue_unit_test eventlog_unit_test eventlog_integration_test sched_unit_test
  sched_integration_test loader_unit_test loader_integration_test flows_unit_test
  flows_integration_test)

# Sanitized code is built with light optimisation and line tables: quick to compile, readable
# stack traces, NDEBUG as in the release build. Warnings are the normal stage's business (the
# instrumentation makes g++'s flow warnings noisy), so these builds do not turn them into errors.
sanitizer_flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
  -DGG_BUILD_BENCH=OFF)

stage_started=0
begin() {
  stage_started=$SECONDS
  echo "=== test.sh: stage $1"
}
finish() {
  echo "=== test.sh: stage $1 passed in $(((SECONDS - stage_started) / 60)) min $(((SECONDS - stage_started) % 60)) s"
}

# Fails when a sanitizer wrote a report into dir $1 (log_path), printing every report.
check_reports() {
  local dir=$1 reports="" f
  for f in $(find "$dir" -type f 2>/dev/null | sort); do
    # A forked child inherits TSan's registry of its parent's threads, so a thread it starts may
    # reuse the id of a parent thread that does not exist in the child; TSan's runtime then stops
    # the child with this one line. The crash tests fork such children and kill them: the line
    # says nothing about our code, and any other content in the file still fails the stage.
    if grep -q 'ThreadSanitizer: dup thread with used id' "$f" &&
      ! grep -qv 'ThreadSanitizer: dup thread with used id' "$f"; then
      echo "test.sh: ignored TSan's fork limitation in $f: $(cat "$f")"
      continue
    fi
    reports+="$f "
  done
  if [ -n "$reports" ]; then
    for f in $reports; do
      echo "--- $f"
      cat "$f"
    done
    echo "test.sh: sanitizer reports above (from $dir)" >&2
    return 1
  fi
}

run_normal() {
  begin normal
  local dir=${GG_BUILD_DIR:-build}
  GG_BUILD_DIR=$dir tools/build.sh -DGG_WERROR=ON
  (cd "$dir" && ctest --output-on-failure --timeout 600 -j2 "${ctest_args[@]}")
  finish normal
}

# Configures and builds build-asan/ (clang, ASan+UBSan, every library instrumented for libFuzzer);
# `$@` are the targets (none: all). Configures once per run.
asan_configured=0
build_asan() {
  if [ $asan_configured = 0 ]; then
    cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++-16 -DGG_BUILD_TESTS=ON \
      -DGG_SANITIZE=address -DGG_BUILD_FUZZ=ON "${sanitizer_flags[@]}" >/dev/null
    asan_configured=1
  fi
  if [ $# -gt 0 ]; then
    cmake --build build-asan -j"$(nproc)" --target "$@"
  else
    cmake --build build-asan -j"$(nproc)"
  fi
}

run_asan() {
  begin asan
  build_asan
  local logs=$root/build-asan/sanitizer-reports
  rm -rf "$logs" && mkdir -p "$logs"
  # log_path: every process, including the gadgetgrove servers the end-to-end tests start and
  # stop, writes its report to a file that fails the stage even when the test's own checks pass.
  local status=0
  (cd build-asan &&
    ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:check_initialization_order=1" \
      UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1" \
      LSAN_OPTIONS="suppressions=$root/tools/sanitizers/lsan.supp:print_suppressions=0" \
      ctest --output-on-failure --timeout 900 -j2 "${ctest_args[@]}") || status=$?
  check_reports "$logs" || status=1
  [ $status = 0 ] || return $status
  finish asan
}

run_tsan() {
  begin tsan
  local dir=build-tsan
  cmake -S . -B $dir -G Ninja -DGG_BUILD_TESTS=ON -DGG_SANITIZE=thread "${sanitizer_flags[@]}" \
    >/dev/null
  cmake --build $dir -j"$(nproc)" --target "${tsan_targets[@]}"
  local logs=$root/$dir/sanitizer-reports
  rm -rf "$logs" && mkdir -p "$logs"
  local labels
  labels="^($(IFS='|'; echo "${tsan_targets[*]}"))\$"
  local status=0
  # die_after_fork=0: the crash tests fork a child that runs the event log or the loader until it
  # is killed; TSan would otherwise end every such child at its first thread.
  (cd $dir &&
    TSAN_OPTIONS="log_path=$logs/tsan:halt_on_error=1:second_deadlock_stack=1:die_after_fork=0:suppressions=$root/tools/sanitizers/tsan.supp" \
      ctest --output-on-failure --timeout 900 -j2 -L "$labels") || status=$?
  check_reports "$logs" || status=1
  [ $status = 0 ] || return $status
  finish tsan
}

run_fuzz() {
  begin fuzz
  local seconds=${GG_FUZZ_SECONDS:-5}
  build_asan gg_core
  # Every target registers <target>_corpus with the label fuzz.
  local targets
  targets=$(cd build-asan && ctest -N -L fuzz | sed -n 's/^ *Test *#[0-9]*: \(.*\)_corpus$/\1/p')
  [ -n "$targets" ] || { echo "test.sh: no fuzz targets found" >&2; return 1; }
  # shellcheck disable=SC2086
  build_asan $targets
  local artifacts=$root/build-asan/fuzz-artifacts
  mkdir -p "$artifacts"
  for t in $targets; do
    local exe seeds work
    exe=$(find build-asan/tests/fuzz -type f -name "$t" -perm -u+x | head -n1)
    seeds=tests/fuzz/$(basename "$(dirname "$exe")")/corpus
    work=$root/build-asan/fuzz-work/$t
    mkdir -p "$work"
    # libFuzzer's default -max_len is the larger of 4096 bytes and the largest seed.
    if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$artifacts/$t-" "$work" "$seeds" >"$work.log" 2>&1; then
      tail -n 60 "$work.log"
      echo "test.sh: $t failed; its input is under $artifacts: fix the code, then add the" \
        "input to $seeds as regression_<what>" >&2
      return 1
    fi
    echo "$t: $(grep -E '^#[0-9]+' "$work.log" | tail -n1 | sed 's/^\(#[0-9]*\).*\(cov: [0-9]*\).*\(corp: [^ ]*\).*\(exec\/s: [0-9]*\).*/\1 runs, \2, \3, \4/')"
  done
  finish fuzz
}

total_started=$SECONDS
for s in "${stages[@]}"; do
  "run_$s"
done
echo "=== test.sh: ${stages[*]} passed in $(((SECONDS - total_started) / 60)) min $(((SECONDS - total_started) % 60)) s"
