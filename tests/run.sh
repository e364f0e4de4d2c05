#!/bin/sh
# Runs every test binary given, sums cmocka's counts, and ends with one line
# "N passed, N failed". A binary that crashes or leaves a sanitizer report counts as failed.
# VALGRIND=1 runs each binary under valgrind (errors and definite leaks fail).
BUILD=${BUILD:-build}
export BUILD
export DIFELUS_BIN="$BUILD/difelus"
reports="$BUILD/sanitizer"
rm -rf "$reports" "$BUILD/tmp"
mkdir -p "$reports"
# Sanitizer reports go to files: the wizard's run inside a pseudo-terminal, where its
# stderr is not seen by anyone.
export ASAN_OPTIONS="log_path=$PWD/$reports/asan:detect_leaks=1:abort_on_error=0"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="log_path=$PWD/$reports/ubsan:print_stacktrace=1:halt_on_error=1"

# Tests never depend on the real date: "today" is fixed (the binary and the test programs
# read it from DIFELUS_AUJOURDHUI), unless the caller chose one.
export DIFELUS_AUJOURDHUI="${DIFELUS_AUJOURDHUI:-2026-11-27}"

# Officials run French locales and live in any time zone: the tests that start the binary
# (command line, catalogue, end-to-end) run a second time under fr_FR.UTF-8 and a time zone
# far from UTC. The first pass uses C.UTF-8 and the caller's TZ.
runs=""
for t in "$@"; do
  runs="$runs $t@C.UTF-8"
done
for t in "$@"; do
  case "$(basename "$t")" in
    test_cli*|test_e2e*|test_catalogue*) runs="$runs $t@fr_FR.UTF-8" ;;
  esac
done

caller_tz=${TZ-}
passed=0
failed=0
for run in $runs; do
  t=${run%@*}
  lang=${run#*@}
  log="$BUILD/tmp-$(basename "$t").log"
  mkdir -p "$BUILD/tmp"
  if [ "$lang" = C.UTF-8 ]; then
    if [ -n "$caller_tz" ]; then export TZ="$caller_tz"; else unset TZ; fi
  else
    export TZ="${DIFELUS_TEST_TZ2:-Pacific/Kiritimati}"
    echo "=== $(basename "$t") sous LANG=$lang TZ=$TZ"
  fi
  if [ -n "$VALGRIND" ]; then
    DIFELUS_TEST_LANG=$lang \
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
      --trace-children=no "$t" >"$log" 2>&1
  else
    DIFELUS_TEST_LANG=$lang "$t" >"$log" 2>&1
  fi
  rc=$?
  cat "$log"
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' "$log" | tail -n 1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' "$log" | tail -n 1)
  p=${p:-0}
  f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "*** $t s'est arrêté anormalement (code $rc)"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  rm -f "$log"
done

if ls "$reports"/* >/dev/null 2>&1; then
  for r in "$reports"/*; do
    echo "*** rapport du sanitizer : $r"
    cat "$r"
  done
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
