#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] [TARGET...]: builds the fuzz targets if needed, seeds their
# corpora and runs each target for SECONDS (default 60), one after another.
#
#   corpora   tests/fuzz/corpus/<target>/ (kept between runs), seeded from content/**/*.md,
#             tests/fixtures, ../shared/corpora (tests/fuzz/seeds.py → tests/fuzz/seeds/)
#   crashes   tests/fuzz/crashes/<target>-{crash,timeout,oom,leak}-<sha1>
#   logs      tests/fuzz/logs/<target>.log
#
# Each run: -max_len (per target) -timeout=10 -rss_limit_mb=2048. By default a target stops at
# its first crash; FUZZ_KEEP_GOING=1 runs it in fork mode and goes on after crashes, timeouts
# and OOMs (every one is still saved). Exit status: 0 when no target crashed, 1 otherwise,
# 2 when the targets cannot be built. Minimize a crash with:
#   tests/fuzz/build/<target> -minimize_crash=1 -runs=10000 tests/fuzz/crashes/<file>
set -uo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-60}
shift || true
TARGETS=${*:-fuzz_frontmatter fuzz_pipeline fuzz_records}
F=tests/fuzz
tests/fuzz/build.sh || exit 2
/usr/bin/python3 $F/seeds.py $F/seeds >/dev/null || exit 2
mkdir -p $F/crashes $F/logs
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
for t in $TARGETS; do
  case $t in
    fuzz_frontmatter) max=16384; extra="" ;;
    fuzz_pipeline)    max=65536; extra="" ;;
    fuzz_records)     max=32768; extra="-close_fd_mask=2" ;;
    *) echo "run.sh: unknown target $t" >&2; exit 2 ;;
  esac
  mkdir -p $F/corpus/$t
  before=$(ls $F/crashes | grep -c "^$t-" || true)
  mode=""
  [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && mode="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
  echo "run.sh: $t for ${SECS}s"
  $F/build/$t $mode $extra -max_len=$max -timeout=10 -rss_limit_mb=2048 -max_total_time="$SECS" \
    -print_final_stats=1 -artifact_prefix="$F/crashes/$t-" $F/corpus/$t $F/seeds/${t#fuzz_} >$F/logs/$t.log 2>&1
  rc=$?
  after=$(ls $F/crashes | grep -c "^$t-" || true)
  # Executions: the final stats, else the last status line ("#N ..." in both modes).
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' $F/logs/$t.log | tail -1 | grep -Eo '[0-9]+$')
  [ -z "$execs" ] && execs=$(grep -Eo '^#[0-9]+' $F/logs/$t.log | tail -1 | tr -d '#')
  eps=""
  [ -n "$execs" ] && [ "$SECS" -gt 0 ] && eps=$((execs / SECS))
  corpus=$(ls $F/corpus/$t | wc -l)
  echo "run.sh: $t exit $rc, ${execs:-?} runs in ${SECS}s (${eps:-?} exec/s on average), corpus $corpus files, $((after - before)) new crash files"
  if [ $rc -ne 0 ] || [ "$after" -gt "$before" ]; then
    status=1
    grep -E 'ERROR|SUMMARY|fuzz_(pipeline|records|frontmatter):' $F/logs/$t.log | head -5 | sed 's/^/  /'
  fi
done
exit $status
