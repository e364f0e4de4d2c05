#!/bin/sh
# Runs the libFuzzer targets built by `make fuzz` (build/fuzz/fuzz_<name>), FUZZ_JOBS at a
# time, each for FUZZ_SECONDS, under nice: every target starts from its kept corpus
# (tests/fuzz-corpus/<name>/, read only) and writes what it finds in a run folder; at the
# end the inputs that add coverage are merged back into the kept corpus (-merge=1) and
# findings are saved in build/fuzz/crashes/. Ends with one line per target:
#   <name> : <runs> exécutions en <s> s, couverture <cov> arêtes (<ft> traits), <n> trouvaille(s)
# and fails when any target found something.
FUZZ_DIR=${FUZZ_DIR:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-600}
FUZZ_JOBS=${FUZZ_JOBS:-2}
crashes="$FUZZ_DIR/crashes"
mkdir -p "$crashes"
# abort_on_error=0 and no leak check at exit of each input would hide nothing that matters
# here; halt on the first UBSan report so that it is a finding, not a line in the log.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export DIFELUS_AUJOURDHUI="${DIFELUS_AUJOURDHUI:-2026-11-27}"

run_one() {
  name=$1
  bin="$FUZZ_DIR/fuzz_$name"
  run="$FUZZ_DIR/run/$name"
  kept="tests/fuzz-corpus/$name"
  rm -rf "$run"
  mkdir -p "$run/new" "$kept" "$crashes/previous"
  # This run's findings only: an earlier run's are kept aside.
  for f in "$crashes/$name"-*; do
    [ -e "$f" ] && mv "$f" "$crashes/previous/"
  done
  dict=""
  [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
  # The target's files (databases, catalogues) in a folder of this job's own, removed after
  # the job: a timeout, an abort or a crash skips the target's own cleanup at exit.
  shm=/tmp
  [ -d /dev/shm ] && [ -w /dev/shm ] && shm=/dev/shm
  tmp=$(mktemp -d "$shm/difelus-fuzz-$name-XXXXXX") || return 1
  trap 'rm -rf "$tmp"' EXIT
  trap 'rm -rf "$tmp"; exit 130' INT TERM
  export TMPDIR="$tmp"
  start=$(date +%s)
  # shellcheck disable=SC2086
  nice -n 19 "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
    -max_len=${FUZZ_MAX_LEN:-4096} -print_final_stats=1 $dict \
    -artifact_prefix="$crashes/$name-" "$run/new" "$kept" >"$run/log" 2>&1
  rc=$?
  end=$(date +%s)
  # Keep only what adds coverage to the kept corpus (and nothing when the run crashed:
  # the finding is to be fixed first).
  if [ "$rc" -eq 0 ]; then
    nice -n 19 "$bin" -merge=1 $dict "$kept" "$run/new" >"$run/merge.log" 2>&1
  fi
  rm -rf "$tmp"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$run/log" | tail -n 1)
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  found=$(ls "$crashes" 2>/dev/null | grep -c "^$name-")
  [ "$rc" -ne 0 ] && [ "$found" -eq 0 ] && found=1
  echo "$name : ${runs:-?} exécutions en $((end - start)) s, couverture ${cov:-?} arêtes" \
       "(${ft:-?} traits), $found trouvaille(s), corpus $(ls "$kept" | wc -l) fichiers" \
       >"$run/summary"
}

for name in "$@"; do
  if [ ! -x "$FUZZ_DIR/fuzz_$name" ]; then
    echo "cible inconnue : $name (tests/fuzz/fuzz_$name.c)" >&2
    exit 2
  fi
done

echo "Fuzzing ($FUZZ_SECONDS s par cible, $FUZZ_JOBS à la fois) : $*"
running=0
for name in "$@"; do
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$FUZZ_JOBS" ]; then
    wait
    running=0
  fi
done
wait

status=0
for name in "$@"; do
  line=$(cat "$FUZZ_DIR/run/$name/summary" 2>/dev/null)
  echo "$line"
  case "$line" in
    *" 0 trouvaille(s)"*) ;;
    *) status=1
       echo "  journal : $FUZZ_DIR/run/$name/log ; entrées : $crashes/$name-*" ;;
  esac
done
exit $status
