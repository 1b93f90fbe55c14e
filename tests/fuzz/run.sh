#!/usr/bin/env bash
# run.sh - build the fuzz targets with clang and run each for a bounded time.
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS]
#
# Configures and builds BUILD_DIR-fuzz (CC=clang, -DREGIO_FUZZ=ON) when
# needed, copies the committed corpus (tests/fuzz/corpus/<target>/) to a
# temporary directory (the committed one is never written), and runs every
# target for SECONDS (default 60) with -rss_limit_mb=2048 -timeout=10,
# REGIO_FUZZ_JOBS at a time (default: the number of CPUs). Prints per target
# the executions, exec/s and coverage; exits 1 when a target crashed, timed
# out or broke a property, naming the input it saved under
# BUILD_DIR-fuzz/findings/<target>/ (with the log beside it and, for the
# stateful service targets, the inputs that led up to it: see
# fuzz_history.h).
#
# Environment: REGIO_FUZZ_TARGETS="fuzz_registry fuzz_planner" runs only
# those; REGIO_FUZZ_SRC is the source tree to configure (default: this repo).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SRC=${REGIO_FUZZ_SRC:-$ROOT}
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [SECONDS]" >&2; exit 2; }
FB=${1%/}-fuzz
SECS=${2:-60}
JOBS=${REGIO_FUZZ_JOBS:-$(nproc)}
ALL=(fuzz_rpp_instance fuzz_rpp_solution fuzz_rpp_change fuzz_registry fuzz_capacity
     fuzz_planner fuzz_notifier fuzz_config)
read -r -a TARGETS <<<"${REGIO_FUZZ_TARGETS:-${ALL[*]}}"

die() { printf 'fuzz: %s\n' "$*" >&2; exit 2; }

[[ $SECS =~ ^[0-9]+$ ]] && [ "$SECS" -gt 0 ] || die "SECONDS must be a positive integer"
command -v clang >/dev/null || die "needs clang and libFuzzer (apt-get install clang libfuzzer-14-dev)"
grep -q REGIO_FUZZ "$SRC/CMakeLists.txt" ||
    die "$SRC/CMakeLists.txt has no REGIO_FUZZ option (see tests/fuzz/README.md)"

if [ -f "$FB/CMakeCache.txt" ]; then
    was=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$FB/CMakeCache.txt")
    if [ "$(realpath "$was" 2>/dev/null)" != "$(realpath "$SRC")" ]; then
        echo "fuzz: $FB was configured for $was; configuring it again" >&2
        rm -rf "$FB"
    fi
fi
if [ ! -f "$FB/CMakeCache.txt" ]; then
    echo "fuzz: configuring $FB" >&2
    CC=clang cmake -S "$SRC" -B "$FB" -DREGIO_FUZZ=ON -DBUILD_TESTING=OFF \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$FB.configure.log" 2>&1 ||
        { cat "$FB.configure.log" >&2; die "configuring $FB failed"; }
    rm -f "$FB.configure.log"
fi
echo "fuzz: building $FB" >&2
if ! out=$(cmake --build "$FB" -j"$(nproc)" --target fuzz 2>&1); then
    printf '%s\n' "$out" | grep -E 'error|Error' >&2 || printf '%s\n' "$out" >&2
    die "building the fuzz targets failed"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/regio-fuzz-run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Run one target in $work/<target>; its exit status lands in $work/<target>.rc.
run_one() {
    local t=$1 dir=$work/$1 found=$FB/findings/$1
    mkdir -p "$dir/corpus" "$found"
    [ -d "$HERE/corpus/$t" ] && cp -r "$HERE/corpus/$t/." "$dir/corpus/"
    local dict=()
    [[ $t == fuzz_rpp_* ]] && dict=(-dict="$HERE/rpp.dict")
    local rc=0
    (cd "$dir" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} REGIO_FUZZ_HISTORY="$dir/history" \
        "$FB/fuzz/$t" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$found/" "${dict[@]}" corpus) \
        >"$dir/log" 2>&1 || rc=$?
    echo "$rc" >"$dir.rc"
}

# One line per target from its log; 1 when it found something.
report() {
    local t=$1 log=$work/$1/log rc
    rc=$(cat "$work/$t.rc")
    local stats runs eps cov ft
    stats=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$stats")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$stats")
    if [ "$rc" -eq 0 ]; then
        printf '%-18s ok     runs %-9s exec/s %-7s cov %-6s ft %s\n' "$t" "${runs:-?}" \
            "${eps:-?}" "${cov:-?}" "${ft:-?}"
        return 0
    fi
    local input why
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    why=$(grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: )|runtime error|Timeout|out-of-memory' \
        "$log" || echo "exit status $rc")
    cp "$log" "$FB/findings/$t/last.log"
    printf '%-18s FAILED %s\n' "$t" "$why"
    printf '%-18s        input: %s\n' "" "${input:-none saved}"
    printf '%-18s        log:   %s\n' "" "$FB/findings/$t/last.log"
    if [ -s "$work/$t/history" ] && [ -n "$input" ]; then
        # the service targets are stateful: keep what led up to the input
        cp "$work/$t/history" "$input.history"
        printf '%-18s        again: REGIO_FUZZ_PRELUDE=%s %s %s\n' "" "$input.history" \
            "$FB/fuzz/$t" "$input"
    fi
    return 1
}

echo "fuzz: ${#TARGETS[@]} targets, ${SECS}s each, $JOBS at a time" >&2
running=0
for t in "${TARGETS[@]}"; do
    [ -x "$FB/fuzz/$t" ] || die "no such target: $t"
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
wait || true

failed=0
for t in "${TARGETS[@]}"; do
    report "$t" || failed=1
done
exit "$failed"
