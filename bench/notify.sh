#!/usr/bin/env bash
# bench/notify.sh - from a capacity change to the subscribers' notifications,
# and catch-up from the notifier's log, side by side with mosquitto.
#
#   bench/notify.sh [--subscribers 1000] [--changes 50] [--learners 2000]
#                   [--catchup-learners 20000] [--runs 3] [--port-base B] [--keep]
#
#   --subscribers N        SUB sockets / MQTT clients, one topic each (default 1000)
#   --changes N            measured capacity changes (default 50, after 3 warm-ups)
#   --learners L           region for the latency part (default 2000)
#   --catchup-learners L   region whose full plan fills the log for catch-up (default 20000)
#   --runs R               catch-up repetitions per side (default 3; the median is shown)
#   --port-base B          regio ports B+1..B+32, mosquitto B+50 (default 7800; +100 if busy)
#   --keep                 keep the temp dir (logs, topics, changes)
#
# regio: registry, capacity, planner (--replan-delay-ms 0, so it replans as
# soon as a change arrives) and notifier on loopback; a generated region is
# imported and planned (regioctl plan --full); then bench/notify_sub.c
# (regio-bench-notify) opens the subscribers and sends the changes from one
# process and one monotonic clock. mosquitto: a broker on loopback, the same
# topics and the same messages (bench/mqtt_fanout.c, regio-bench-mqtt).
# Prints figures; never fails on speed (exit 1 only when something broke).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUBS=1000
CHANGES=50
WARMUP=3
LEARNERS=2000
CATCHUP_LEARNERS=20000
RUNS=3
BASE=7800
while [ $# -gt 0 ]; do
    case $1 in
    --subscribers) SUBS=$2; shift 2 ;;
    --changes) CHANGES=$2; shift 2 ;;
    --learners) LEARNERS=$2; shift 2 ;;
    --catchup-learners) CATCHUP_LEARNERS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --port-base) BASE=$2; shift 2 ;;
    --keep) BENCH_KEEP=1; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
    esac
done

bench_traps

bench_packages mosquitto libmosquitto-dev python3
bench_build
[ -x "$BIN/regio-bench-mqtt" ] || die "regio-bench-mqtt was not built (libmosquitto-dev missing?)"
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || die "mosquitto not installed"
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
bench_tmp notify
raise_nofile 16384
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((SUBS * 2 + 200)) ] ||
    warn "ulimit -n is $(ulimit -n): $SUBS subscribers need about $((SUBS * 2 + 200)) descriptors"
T=$BENCH_TMP
BASE=$(free_base "$BASE")
regio_env "$BASE"
MQTT_PORT=$((BASE + 50))
FAILED=0

start_regio() { # DIR
    for s in registry capacity notifier; do regio_start "$s" "$BASE" "$1"; done
    regio_start planner "$BASE" "$1" --replan-delay-ms 0
    regio_wait_up
}

median() { python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:] if x not in ("","nan")]; print("%.0f" % statistics.median(v) if v else "nan")' "$@"; }

# ------------------------------------------------------ regio: latency ----
say "regio: 4 services on ports $((BASE + 1))-$((BASE + 32)), planner --replan-delay-ms 0; region of $LEARNERS learners"
"$BIN/regio-gen" --learners "$LEARNERS" --seed 1 >"$T/region.json"
start_regio "$T/regio"
"$BIN/regioctl" import "$T/region.json" >&2
"$BIN/regioctl" plan --full >"$T/plan.txt" || die "planning failed: $(cat "$T/plan.txt")"
say "regio: $SUBS subscribers, $WARMUP warm-up + $CHANGES capacity changes (seats of the busiest offerings to 0)"
R_LAT=$("$BIN/regio-bench-notify" latency --instance "$T/region.json" --subscribers "$SUBS" \
    --changes "$CHANGES" --warmup "$WARMUP" --topics-out "$T/topics.txt" --changes-out "$T/changes.txt" \
    --verbose 2>"$T/regio-latency.log") || { FAILED=1; warn "regio latency run failed: $(tail -n 3 "$T/regio-latency.log")"; }
echo "regio latency: $R_LAT" >&2
bench_stop_all

# -------------------------------------------------- mosquitto: latency ----
port_free "$MQTT_PORT" || MQTT_PORT=$(free_port)
start_mosquitto() { # [extra config line]
    cat >"$T/mosquitto.conf" <<EOF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence false
# ZeroMQ sets TCP_NODELAY; so does this broker (and regio-bench-mqtt's clients)
set_tcp_nodelay true
# let an offline persistent session hold the whole catch-up backlog (default 1000)
max_queued_messages 0
${1:-}
EOF
    "$MOSQUITTO" -c "$T/mosquitto.conf" >>"$T/mosquitto.log" 2>&1 &
    MOSQ_PID=$!
    BENCH_PIDS+=("$MOSQ_PID")
    for _ in $(seq 1 50); do port_free "$MQTT_PORT" || return 0; sleep 0.1; done
    die "mosquitto did not start: $(tail -n 3 "$T/mosquitto.log")"
}
MOSQ_VERSION=$({ "$MOSQUITTO" -h 2>&1 || true; } | awk '/version/{print $3; exit}')
say "mosquitto $MOSQ_VERSION on 127.0.0.1:$MQTT_PORT: $SUBS subscribers (QoS 1), the same messages"
M_LAT=""
if [ -s "$T/changes.txt" ]; then
    start_mosquitto
    M_LAT=$("$BIN/regio-bench-mqtt" latency --port "$MQTT_PORT" --topics "$T/topics.txt" \
        --changes "$T/changes.txt" --warmup "$WARMUP" 2>"$T/mqtt-latency.log") ||
        { FAILED=1; warn "mosquitto latency run failed: $(tail -n 3 "$T/mqtt-latency.log")"; }
    echo "mosquitto latency: $M_LAT" >&2
    bench_stop_all
fi

# ------------------------------------------------------ regio: catch-up ----
say "regio catch-up: region of $CATCHUP_LEARNERS learners, full plan fills the notifier's log"
"$BIN/regio-gen" --learners "$CATCHUP_LEARNERS" --seed 2 >"$T/region-catchup.json"
start_regio "$T/regio-catchup"
"$BIN/regioctl" import "$T/region-catchup.json" >&2
# a 5 s budget: only the volume of the log matters here, not the plan's quality
"$BIN/regioctl" --timeout-ms 300000 plan --full --seconds 5 >"$T/plan-catchup.txt" ||
    die "planning failed: $(cat "$T/plan-catchup.txt")"
# wait until the planner's outbox is drained into the notifier's log
for _ in $(seq 1 600); do
    "$BIN/regioctl" status 2>/dev/null | grep -q 'outbox_pending=0 ' && break
    sleep 0.2
done
R_CU=()
for i in $(seq 1 "$RUNS"); do
    out=$("$BIN/regio-bench-notify" catchup 2>>"$T/regio-catchup.log") || { FAILED=1; warn "regio catch-up failed"; }
    echo "regio catch-up $i: $out" >&2
    R_CU+=("$out")
done
EVENTS=$(jget "${R_CU[0]}" events)
t0=$(date +%s.%N)
"$BIN/regioctl" subscribe all --from 0 --count "$EVENTS" >/dev/null || { FAILED=1; warn "regioctl subscribe failed"; }
CTL_RATE=$(python3 -c "import sys; print('%.0f' % ($EVENTS / ($(date +%s.%N) - $t0)))")
echo "regioctl subscribe all --from 0 --count $EVENTS: $CTL_RATE events/s (text output to /dev/null)" >&2
bench_stop_all

# -------------------------------------------------- mosquitto: catch-up ----
SIZE=$(python3 -c "import json,sys; print(round(json.loads(sys.argv[1])['bytes_per_notification']))" "$R_LAT" 2>/dev/null || echo 108)
say "mosquitto catch-up: persistent session offline while $EVENTS messages of $SIZE bytes are published (QoS 1)"
M_CU=() M_CU2=()
for i in $(seq 1 "$RUNS"); do
    for variant in default unlimited; do
        # a fresh broker each run: no session left over from the run before
        if [ $variant = default ]; then start_mosquitto; else start_mosquitto "max_inflight_messages 0"; fi
        out=$("$BIN/regio-bench-mqtt" catchup --port "$MQTT_PORT" --topics "$T/topics.txt" --count "$EVENTS" \
            --size "$SIZE" 2>>"$T/mqtt-catchup.log") || { FAILED=1; warn "mosquitto catch-up failed: $(tail -n 2 "$T/mqtt-catchup.log")"; }
        echo "mosquitto catch-up $i ($variant max_inflight_messages): $out" >&2
        if [ $variant = default ]; then M_CU+=("$out"); else M_CU2+=("$out"); fi
        bench_stop_all
    done
done

# --------------------------------------------------------------- table ----
f() { jget "$1" "$2" 2>/dev/null || echo nan; }
fmt() { python3 -c 'import sys; v=sys.argv[1]; print("-" if v in ("","nan","None") else "%.1f" % float(v))' "$1"; }
R_RATES=() M_RATES=() M_RATES2=() M_PUB=()
for x in "${R_CU[@]}"; do R_RATES+=("$(f "$x" per_second)"); done
for x in "${M_CU[@]}"; do M_RATES+=("$(f "$x" per_second)"); M_PUB+=("$(f "$x" publish_per_second)"); done
for x in "${M_CU2[@]}"; do M_RATES2+=("$(f "$x" per_second)"); done
CPU=$(lscpu 2>/dev/null | awk -F: '/Model name/{gsub(/^ +/,"",$2); print $2; exit}')
echo
echo "Notification fan-out: $SUBS subscribers, $CHANGES capacity changes (after $WARMUP warm-ups), loopback"
echo "machine: $(nproc) CPUs ($CPU); p99 is the nearest rank of $CHANGES samples (up to 100 samples: the maximum)"
echo
printf '%-44s | %-30s | %-30s\n' "" "regio" "mosquitto $MOSQ_VERSION"
printf '%s\n' "---------------------------------------------+--------------------------------+-------------------------------"
row() { printf '%-44s | %-30s | %-30s\n' "$1" "$2" "$3"; }
row "change sent -> first notification p50/p99" "$(fmt "$(f "$R_LAT" first_p50_ms)") / $(fmt "$(f "$R_LAT" first_p99_ms)") ms" \
    "$(fmt "$(f "$M_LAT" first_p50_ms)") / $(fmt "$(f "$M_LAT" first_p99_ms)") ms (publish ->)"
row "change sent -> all concerned p50/p99" "$(fmt "$(f "$R_LAT" all_p50_ms)") / $(fmt "$(f "$R_LAT" all_p99_ms)") ms" \
    "$(fmt "$(f "$M_LAT" all_p50_ms)") / $(fmt "$(f "$M_LAT" all_p99_ms)") ms (publish ->)"
row "hop only, first p50/p99 (regio: plan" "$(fmt "$(f "$R_LAT" hop_first_p50_ms)") / $(fmt "$(f "$R_LAT" hop_first_p99_ms)") ms" \
    "$(fmt "$(f "$M_LAT" first_p50_ms)") / $(fmt "$(f "$M_LAT" first_p99_ms)") ms"
row "  committed -> subscribers), all p50/p99" "$(fmt "$(f "$R_LAT" hop_all_p50_ms)") / $(fmt "$(f "$R_LAT" hop_all_p99_ms)") ms" \
    "$(fmt "$(f "$M_LAT" all_p50_ms)") / $(fmt "$(f "$M_LAT" all_p99_ms)") ms"
row "notifications per change (mean, all topics)" "$(fmt "$(f "$R_LAT" notifications_per_change_mean)")" \
    "$(fmt "$(f "$M_LAT" messages_per_change_mean)") (the same messages)"
row "  to a subscribed topic (mean)" "$(fmt "$(f "$R_LAT" concerned_per_change_mean)") (to $(fmt "$(f "$R_LAT" concerned_subscribers_per_change_mean)") subscribers)" \
    "$(fmt "$(f "$M_LAT" concerned_per_change_mean)")"
row "lost (missing at a subscriber)" "$(f "$R_LAT" missing)" "$(f "$M_LAT" missing)"
row "catch-up of $EVENTS events, events/s" "$(median "${R_RATES[@]}") (median)" "$(median "${M_RATES[@]}") (median)"
row "  each run" "${R_RATES[*]}" "${M_RATES[*]}"
row "  broker max_inflight_messages 0 (unlimited)" "" "$(median "${M_RATES2[@]}") (median)"
row "  via regioctl subscribe all --from 0" "$CTL_RATE (prints text)" ""
row "  publishing them beforehand, msgs/s" "" "$(median "${M_PUB[@]}")"
echo
echo "What the regio figures include (medians, ms after the company system sent the change):"
echo "  capacity ack (LMDB commit with fsync): $(fmt "$(f "$R_LAT" ack_p50_ms)");" \
    "planner committed the repaired plan and published its summary: $(fmt "$(f "$R_LAT" planned_p50_ms)")" \
    "(engine time $(fmt "$(f "$R_LAT" engine_p50_ms)"));"
echo "  notifier had logged every change (LMDB commit with fsync; seen by a status poll every 2 ms): $(fmt "$(f "$R_LAT" logged_p50_ms)")."
echo "  So a regio notification is: capacity commit -> publish -> planner mirror -> repair plan (LNS budget"
echo "  50 ms) -> planner LMDB commit (plan + outbox) -> NotifyBatch -> notifier LMDB commit -> PUB -> SUB."
echo "  One change yields $(fmt "$(f "$R_LAT" placement_changes_per_change_mean)") placement changes on average (a repair also improves the"
echo "  plan elsewhere); each goes to school/, learner/ and partner/ topics."
echo "mosquitto: one publisher sends those same messages (same topics, same bytes) with QoS 1; the"
echo "  figure is one broker hop, in memory (persistence false), no planning, no disk."
echo "catch-up: regio replays its LMDB log (ReplayRequest topic \"\", chunks of 256, 10000 per request);"
echo "  mosquitto drains a persistent session's in-memory queue (clean_session false, QoS 1, broker"
echo "  default max_inflight_messages 20 per client, each message PUBACKed)."
exit $FAILED
