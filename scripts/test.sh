#!/usr/bin/env bash
# README's test command: builds the provider (RelWithDebInfo, ASan+UBSan and Release, warnings
# fatal), runs the cmocka unit tests under all three builds, the tools/localaws suite, and the
# end-to-end tests that drive the real `terraform` binary against the built provider and
# localaws. Ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=$(nproc 2>/dev/null || echo 2)

scripts/deps.sh || exit 1

passed=0
failed=0
log_dir=$(mktemp -d)

# count_ctest LOG: adds ctest's totals ("N tests failed out of M") to the summary.
count_ctest() {
  local line total nfail
  line=$(grep -E 'tests? failed out of [0-9]+' "$1" | tail -n 1)
  if [ -z "$line" ]; then failed=$((failed + 1)); return; fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  nfail=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - nfail))
  failed=$((failed + nfail))
}

# count_unittest LOG RC: adds a Python unittest run ("Ran N tests", "FAILED (failures=.., errors=..)").
count_unittest() {
  local ran bad
  ran=$(grep -E '^Ran [0-9]+ tests?' "$1" | tail -n 1 | awk '{print $2}')
  if [ -z "$ran" ]; then failed=$((failed + 1)); return; fi
  bad=$(grep -E '^FAILED \(' "$1" | tail -n 1 | grep -oE '(failures|errors)=[0-9]+' |
        cut -d= -f2 | awk '{s += $1} END {print s + 0}')
  bad=${bad:-0}
  if [ "$2" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
  passed=$((passed + ran - bad))
  failed=$((failed + bad))
}

build() { # build DIR BUILD-TYPE CMAKE-ARGS...
  local dir=$1 type=$2; shift 2
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DUNICRON_TESTS=ON -DUNICRON_WERROR=ON "$@" \
    >"$log_dir/cmake-$(basename "$dir").log" 2>&1 &&
    cmake --build "$dir" -j"$JOBS" >>"$log_dir/cmake-$(basename "$dir").log" 2>&1
  local rc=$?
  if [ $rc -ne 0 ]; then
    tail -n 60 "$log_dir/cmake-$(basename "$dir").log"
    echo "build of $dir failed" >&2
  fi
  return $rc
}

# Source rules first (seconds): layer includes (DESIGN.md §4) on every file, clang-format on
# the files listed in .clang-format-check. Each counts as one test.
echo "== layer rules"
if python3 scripts/check-layers.py; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
echo "== format (clang-format, files in .clang-format-check)"
if scripts/check-format.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "== build (RelWithDebInfo)"
if ! build build RelWithDebInfo; then failed=$((failed + 1)); fi
echo "== build (ASan+UBSan)"
if ! build build-asan RelWithDebInfo -DUNICRON_SANITIZE=ON; then failed=$((failed + 1)); fi
# What a packager builds (-O3, NDEBUG): other inlining, other warnings, asserts compiled out.
echo "== build (Release)"
if ! build build-release Release; then failed=$((failed + 1)); fi

echo "== unit and integration tests (RelWithDebInfo)"
ctest --test-dir build --output-on-failure 2>&1 | tee "$log_dir/unit.log"
count_ctest "$log_dir/unit.log"

echo "== unit tests (ASan+UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L unit --output-on-failure 2>&1 | tee "$log_dir/asan.log"
count_ctest "$log_dir/asan.log"

echo "== unit tests (Release)"
ctest --test-dir build-release -L unit --output-on-failure 2>&1 | tee "$log_dir/release.log"
count_ctest "$log_dir/release.log"

# Fuzzing as a habit: every libFuzzer target runs for FUZZ_SECONDS from its committed seed
# corpus (tests/fuzz/corpus/<target>/, read only: new inputs go to a scratch directory). Each
# target counts as one test; a crash, leak, timeout or sanitizer report is a failure, and its
# reproducer is kept under build-fuzz/crashes/.
FUZZ_SECONDS=${FUZZ_SECONDS:-25}
echo "== fuzz (libFuzzer, ${FUZZ_SECONDS} s per target)"
if command -v clang >/dev/null 2>&1 &&
   printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' |
     clang -fsanitize=fuzzer -x c - -o "$log_dir/fuzzcheck" >/dev/null 2>&1; then
  if build build-fuzz RelWithDebInfo -DCMAKE_C_COMPILER=clang -DUNICRON_FUZZ=ON \
       -DUNICRON_TESTS=OFF; then
    mkdir -p build-fuzz/crashes
    for target in build-fuzz/fuzz_*; do
      [ -x "$target" ] || continue
      name=$(basename "$target")
      seeds=tests/fuzz/corpus/$name
      if [ ! -d "$seeds" ]; then
        echo "$name: no seed corpus in $seeds"
        failed=$((failed + 1))
        continue
      fi
      scratch=$(mktemp -d)
      if "$target" -max_total_time="$FUZZ_SECONDS" -timeout=20 -rss_limit_mb=2048 \
           -artifact_prefix="build-fuzz/crashes/$name-" -print_final_stats=1 \
           "$scratch" "$seeds" >"$log_dir/$name.log" 2>&1; then
        echo "$name: ok ($(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log_dir/$name.log" |
          grep -oE '[0-9]+$') runs)"
        passed=$((passed + 1))
      else
        tail -n 40 "$log_dir/$name.log"
        echo "$name: FAILED (reproducer in build-fuzz/crashes/)"
        failed=$((failed + 1))
      fi
      rm -rf "$scratch"
    done
  else
    failed=$((failed + 1))
  fi
else
  echo "fuzz: skipped (clang with libFuzzer not found;" \
    "scripts/deps.sh installs clang and libclang-rt-14-dev)"
fi

if [ -d tools/localaws/tests ]; then
  echo "== tools/localaws tests"
  python3 -m unittest discover -s tools/localaws/tests -t . -v 2>&1 | tee "$log_dir/localaws.log"
  count_unittest "$log_dir/localaws.log" "${PIPESTATUS[0]}"
fi

echo "== end-to-end tests (terraform $(terraform version | head -n 1 | awk '{print $2}'))"
UNICRON_PROVIDER_BIN="$ROOT/build/terraform-provider-unicron" \
  python3 -m unittest discover -s tests/e2e -v 2>&1 | tee "$log_dir/e2e.log"
count_unittest "$log_dir/e2e.log" "${PIPESTATUS[0]}"

rm -rf "$log_dir"
echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
