#!/usr/bin/env bash
# bench/stores.sh - what proving, sealing, backing up and restoring large
# stores costs.
#
#   bench/stores.sh [--learners 20000] [--updates 1000000] [--seconds 10]
#                   [--port-base B] [--keep]
#
#   --learners L   region imported and planned (default 20000)
#   --updates N    capacity updates sent with regio-load (default 1000000)
#   --seconds S    planning budget of the full plan (default 10)
#   --port-base B  regio ports B+1..B+32 (default 7900; +100 if busy)
#   --keep         keep the temp dir (stores, backup, logs)
#
# Starts the four services on loopback, imports and plans a generated region
# (the planner's store), sends N updates through the capacity service (its
# store), then: regioctl backup under no load (each store's copy and fetch
# time), a clean stop (each store's seal: the walk that writes its digest), a
# start (the check before the real open: meta pages, a read-only walk of
# every table in a child, every protobuf decoded, the digest compared), and
# regioctl restore of the backup into a fresh folder. Prints one table; never
# fails on speed (exit 1 only when something broke).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LEARNERS=20000
UPDATES=1000000
SECONDS_PLAN=10
BASE=7900
while [ $# -gt 0 ]; do
    case $1 in
    --learners) LEARNERS=$2; shift 2 ;;
    --updates) UPDATES=$2; shift 2 ;;
    --seconds) SECONDS_PLAN=$2; shift 2 ;;
    --port-base) BASE=$2; shift 2 ;;
    --keep) BENCH_KEEP=1; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
    esac
done

bench_traps

bench_build
bench_tmp stores
T=$BENCH_TMP
BASE=$(free_base "$BASE")
regio_env "$BASE"
regio_security "$T" curve
SVCS=(registry capacity planner notifier)

start_all() {
    for s in "${SVCS[@]}"; do regio_start "$s" "$BASE" "$T/regio"; done
    regio_wait_up
}

# last_ms SERVICE WHAT: the ms= of the service's last log line with msg="WHAT"
last_ms() {
    grep "msg=\"$2\"" "$T/regio/$1.log" | tail -1 | sed -n 's/.* ms=\([0-9.]*\).*/\1/p'
}

say "region of $LEARNERS learners, planned for ${SECONDS_PLAN} s"
"$BIN/regio-gen" --learners "$LEARNERS" --seed 3 >"$T/region.json"
start_all
"$BIN/regioctl" import "$T/region.json" >/dev/null
"$BIN/regioctl" --timeout-ms 600000 plan --full --seconds "$SECONDS_PLAN" >/dev/null
say "$UPDATES capacity updates"
"$BIN/regio-load" --instance "$T/region.json" --updates "$UPDATES" --clients 8 --run bench >"$T/load.json"
sleep 2 # the planner's replans after the load

say "backup"
B0=$(date +%s%N)
"$BIN/regioctl" backup "$T/backup" >"$T/backup.txt"
B1=$(date +%s%N)
say "clean stop (seal), start (check)"
bench_stop_all
start_all
say "restore into a fresh folder"
R0=$(date +%s%N)
"$BIN/regioctl" restore "$T/backup" --into "$T/restored" >/dev/null
R1=$(date +%s%N)

printf '\nstore      size MiB   entries    check ms   seal ms   backup copy ms  fetch ms\n'
for s in "${SVCS[@]}"; do
    line=$(grep "^$s " "$T/backup.txt")
    size=$(echo "$line" | sed -n 's/.*size=\([0-9.]*\)MiB.*/\1/p')
    entries=$(echo "$line" | sed -n 's/.* entries=\([0-9]*\).*/\1/p')
    copy=$(echo "$line" | sed -n 's/.*copy_ms=\([0-9]*\).*/\1/p')
    fetch=$(echo "$line" | sed -n 's/.*fetch_ms=\([0-9]*\).*/\1/p')
    printf '%-10s %8s %9s %11s %9s %16s %9s\n' "$s" "$size" "$entries" "$(last_ms "$s" "store checked")" \
        "$(last_ms "$s" "store sealed")" "$copy" "$fetch"
done
printf '\nregioctl backup (all four) %.1f s; regioctl restore %.1f s\n' \
    "$(echo "($B1 - $B0) / 1000000000" | bc -l)" "$(echo "($R1 - $R0) / 1000000000" | bc -l)"
printf 'on disk before the backup (not compacted): '
du -sh "$T/regio/capacity" "$T/regio/planner" | tr '\n' ' '
printf '\nload: %s\n' "$(cat "$T/load.json")"
