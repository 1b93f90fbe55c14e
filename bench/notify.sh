#!/usr/bin/env bash
# bench/notify.sh - from a capacity change to the subscribers' notifications,
# with CURVE and without, the fan-out to many subscribers, and catch-up from
# the notifier's log, side by side with mosquitto.
#
#   bench/notify.sh [--subscribers 1000] [--changes 50] [--learners 2000]
#                   [--fanout 100] [--hop-samples 2000] [--catchup-learners 20000]
#                   [--runs 3] [--port-base B] [--keep]
#
#   --subscribers N        feed DEALERs / MQTT clients, one topic each (default 1000)
#   --changes N            measured capacity changes (default 50, after 3 warm-ups)
#   --learners L           region for the latency part (default 2000)
#   --fanout N             subscribers that each take every notification (default 100)
#   --hop-samples N        notifier-alone samples per side, CURVE and --insecure (default 2000)
#   --catchup-learners L   region whose full plan fills the log for catch-up (default 20000)
#   --runs R               catch-up repetitions per side (default 3; the median is shown)
#   --port-base B          regio ports B+1..B+33 and B+61..B+63, mosquitto B+50 (default 7800;
#                          +100 if busy)
#   --keep                 keep the temp dir (logs, topics, changes)
#
# regio: registry, capacity, planner (--replan-delay-ms 0, so it replans as
# soon as a change arrives) and notifier on loopback; a generated region is
# imported and planned once (regioctl plan --full), and every latency run
# starts from a copy of those stores: with CURVE (keys made here), then with
# --insecure, then the fan-out with CURVE. Then two notifiers alone, one
# with CURVE and one --insecure, take NotifyBatches in turn from
# bench/notify_hop.c (regio-bench-hop): CURVE's cost without the planner's
# or the disk's noise. bench/notify_sub.c
# (regio-bench-notify) opens the subscribers on the notifier's feed and
# sends the changes from one process and one monotonic clock. mosquitto: a
# broker on loopback, the same topics and the same messages
# (bench/mqtt_fanout.c, regio-bench-mqtt).
# Prints figures; never fails on speed (exit 1 only when something broke).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUBS=1000
FANOUT=100
HOP=2000
CHANGES=50
WARMUP=3
LEARNERS=2000
CATCHUP_LEARNERS=20000
RUNS=3
BASE=7800
while [ $# -gt 0 ]; do
    case $1 in
    --subscribers) SUBS=$2; shift 2 ;;
    --fanout) FANOUT=$2; shift 2 ;;
    --changes) CHANGES=$2; shift 2 ;;
    --learners) LEARNERS=$2; shift 2 ;;
    --catchup-learners) CATCHUP_LEARNERS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --port-base) BASE=$2; shift 2 ;;
    --keep) BENCH_KEEP=1; shift ;;
    --hop-samples) HOP=$2; shift 2 ;;
    -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

wait_synced() { # until capacity and planner mirror the registry and capacity (follow.h)
    for _ in $(seq 1 300); do
        "$BIN/regioctl" status 2>/dev/null | python3 -c '
import re, sys
out = sys.stdin.read()
seq = lambda s: re.search(r"^%s\s+up\s+seq=(\d+)" % s, out, re.M)
cap = re.search(r"^capacity\s+up\s.*upstream: registry=(\d+)", out, re.M)
pl = re.search(r"^planner\s+up\s.*upstream: registry=(\d+) capacity=(\d+)", out, re.M)
r, c = seq("registry"), seq("capacity")
sys.exit(0 if r and c and cap and pl and cap.group(1) == r.group(1) == pl.group(1) and pl.group(2) == c.group(1) else 1)' &&
            return 0
        sleep 0.1
    done
    die "the services did not catch up with each other: $("$BIN/regioctl" status 2>&1)"
}

wait_outbox() { # until the planner's outbox is drained into the notifier's log
    for _ in $(seq 1 600); do
        "$BIN/regioctl" status 2>/dev/null | grep -q 'outbox_pending=0 ' && return 0
        sleep 0.2
    done
}

median() { python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:] if x not in ("","nan")]; print("%.0f" % statistics.median(v) if v else "nan")' "$@"; }

# ------------------------------------------------------ regio: latency ----
say "regio: 4 services on ports $((BASE + 1))-$((BASE + 33)), planner --replan-delay-ms 0; region of $LEARNERS learners"
"$BIN/regio-gen" --learners "$LEARNERS" --seed 1 >"$T/region.json"
regio_security "$T" curve
start_regio "$T/base"
"$BIN/regioctl" import "$T/region.json" >&2
"$BIN/regioctl" plan --full >"$T/plan.txt" || die "planning failed: $(cat "$T/plan.txt")"
wait_outbox
bench_stop_all

# latency RUN SECURITY [regio-bench-notify flags...]: a copy of the planned
# stores, services with SECURITY (curve or insecure), one latency run; its
# JSON line in OUT.
latency() {
    local run=$1 sec=$2
    shift 2
    cp -a "$T/base" "$T/$run"
    regio_security "$T" "$sec"
    start_regio "$T/$run"
    wait_synced
    say "regio ($run): $* $WARMUP warm-up + $CHANGES capacity changes (seats of the busiest offerings to 0)"
    OUT=$("$BIN/regio-bench-notify" latency --instance "$T/region.json" --changes "$CHANGES" \
        --warmup "$WARMUP" --verbose "$@" 2>"$T/$run.log") || { FAILED=1; warn "regio $run run failed: $(tail -n 3 "$T/$run.log")"; }
    echo "regio $run: $OUT" >&2
    bench_stop_all
    [ "$BENCH_KEEP" = 1 ] || rm -rf "${T:?}/$run"
}
latency curve curve --subscribers "$SUBS" --topics-out "$T/topics.txt" --changes-out "$T/changes.txt"
R_LAT=$OUT
latency insecure insecure --subscribers "$SUBS"
R_INS=$OUT
latency fanout curve --subscribers "$FANOUT" --all-topics
R_FAN=$OUT
regio_security "$T" curve

# ------------------------------------------- regio: the notifier alone ----
# hop VARIANT [regio-bench-hop flags...]: two fresh notifiers, CURVE on the
# usual ports and --insecure on B+61..63, samples taken in turn; JSON lines
# (curve, insecure, curve_cost) in $T/hop-VARIANT.json.
hop() {
    local v=$1 ep="tcp://127.0.0.1"
    shift
    regio_security "$T" curve
    regio_start notifier "$BASE" "$T/hop-$v-curve"
    mkdir -p "$T/hop-$v-insecure"
    "$BIN/regio-notifier" --insecure --router "$ep:$((BASE + 61))" --feed "$ep:$((BASE + 62))" \
        --pub "$ep:$((BASE + 63))" --db "$T/hop-$v-insecure/notifier" >>"$T/hop-$v-insecure.log" 2>&1 &
    BENCH_PIDS+=("$!")
    say "regio notifier alone ($v): $HOP samples per side, $*"
    "$BIN/regio-bench-hop" --curve "$ep:$((BASE + 31)),$ep:$((BASE + 32))" \
        --insecure "$ep:$((BASE + 61)),$ep:$((BASE + 62))" --count "$HOP" "$@" >"$T/hop-$v.json" \
        2>"$T/hop-$v.log" || { FAILED=1; warn "regio-bench-hop ($v) failed: $(tail -n 3 "$T/hop-$v.log")"; }
    cat "$T/hop-$v.json" >&2
    bench_stop_all
}
sleep 0.5 # the ports of the runs before are free again
hop own --subscribers "$SUBS"
hop fanout --subscribers "$FANOUT" --all-topics
# hoprows VARIANT: the notifier-alone figures of one variant, for the table.
hoprows() {
    python3 - "$T/hop-$1.json" <<'PY'
import json, sys
try:
    rows = {r["side"]: r for r in map(json.loads, open(sys.argv[1]))}
except (OSError, ValueError):
    sys.exit(0)
fmt = lambda r, m: " / ".join("%.2f" % r[f"{m}_{p}_ms"] for p in ("p50", "p99", "p999"))
c = rows["curve"]
print(f"  {c['subscribers']} subscribers ({'each every notification' if c['all_topics'] else 'one topic each'}),"
      f" {c['samples']} samples a side, missing {c['missing'] + rows['insecure']['missing']}; ms p50 / p99 / p99.9:")
for m, what in (("ack", "batch sent -> acked (request hop + LMDB commit)"), ("all", "batch sent -> last delivery"),
                ("feed", "acked -> last delivery (the feed alone)")):
    print(f"    {what:<48} CURVE {fmt(c, m):<22} insecure {fmt(rows['insecure'], m):<22}"
          f" cost {fmt(rows['curve_cost'], m)}")
PY
}

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
wait_outbox
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
delta() { python3 -c 'import sys; a,b=sys.argv[1:]; print("-" if "nan" in (a,b) else "%+.2f" % (float(a)-float(b)))' "$(f "$1" "$3")" "$(f "$2" "$3")"; }
R_RATES=() M_RATES=() M_RATES2=() M_PUB=()
for x in "${R_CU[@]}"; do R_RATES+=("$(f "$x" per_second)"); done
for x in "${M_CU[@]}"; do M_RATES+=("$(f "$x" per_second)"); M_PUB+=("$(f "$x" publish_per_second)"); done
for x in "${M_CU2[@]}"; do M_RATES2+=("$(f "$x" per_second)"); done
CPU=$(lscpu 2>/dev/null | awk -F: '/Model name/{gsub(/^ +/,"",$2); print $2; exit}')
echo
echo "Notification fan-out: $SUBS subscribers, $CHANGES capacity changes (after $WARMUP warm-ups), loopback"
echo "machine: $(nproc) CPUs ($CPU); p99 is the nearest rank of $CHANGES samples (up to 100 samples: the maximum)"
echo
W="----------------------------"
printf '%-44s | %-26s | %-26s | %-26s\n' "" "regio, CURVE" "regio --insecure" "mosquitto $MOSQ_VERSION"
printf '%s\n' "---------------------------------------------+$W+$W+$W"
row() { printf '%-44s | %-26s | %-26s | %-26s\n' "$1" "$2" "$3" "$4"; }
pp() { echo "$(fmt "$(f "$1" "$2_p50_ms")") / $(fmt "$(f "$1" "$2_p99_ms")") ms"; }
row "change sent -> first notification p50/p99" "$(pp "$R_LAT" first)" "$(pp "$R_INS" first)" "$(pp "$M_LAT" first) (publish ->)"
row "change sent -> all concerned p50/p99" "$(pp "$R_LAT" all)" "$(pp "$R_INS" all)" "$(pp "$M_LAT" all) (publish ->)"
row "hop only, first p50/p99 (regio: plan" "$(pp "$R_LAT" hop_first)" "$(pp "$R_INS" hop_first)" "$(pp "$M_LAT" first)"
row "  committed -> subscribers), all p50/p99" "$(pp "$R_LAT" hop_all)" "$(pp "$R_INS" hop_all)" "$(pp "$M_LAT" all)"
row "notifications per change (mean, all topics)" "$(fmt "$(f "$R_LAT" notifications_per_change_mean)")" \
    "$(fmt "$(f "$R_INS" notifications_per_change_mean)")" "$(fmt "$(f "$M_LAT" messages_per_change_mean)") (the same messages)"
row "  to a subscribed topic (mean)" "$(fmt "$(f "$R_LAT" concerned_per_change_mean)") (to $(fmt "$(f "$R_LAT" concerned_subscribers_per_change_mean)") subs)" \
    "$(fmt "$(f "$R_INS" concerned_per_change_mean)")" "$(fmt "$(f "$M_LAT" concerned_per_change_mean)")"
row "lost (missing at a subscriber)" "$(f "$R_LAT" missing)" "$(f "$R_INS" missing)" "$(f "$M_LAT" missing)"
row "catch-up of $EVENTS events, events/s" "$(median "${R_RATES[@]}") (median)" "" "$(median "${M_RATES[@]}") (median)"
row "  each run" "${R_RATES[*]}" "" "${M_RATES[*]}"
row "  broker max_inflight_messages 0 (unlimited)" "" "" "$(median "${M_RATES2[@]}") (median)"
row "  via regioctl subscribe all --from 0" "$CTL_RATE (prints text)" "" ""
row "  publishing them beforehand, msgs/s" "" "" "$(median "${M_PUB[@]}")"
echo
echo "CURVE's cost in notification latency (CURVE minus --insecure, ms): hop first p50 $(delta "$R_LAT" "$R_INS" hop_first_p50_ms)," \
    "p99 $(delta "$R_LAT" "$R_INS" hop_first_p99_ms); hop all p99 $(delta "$R_LAT" "$R_INS" hop_all_p99_ms);" \
    "change -> all p99 $(delta "$R_LAT" "$R_INS" all_p99_ms) (target: at most 1 ms of p99)"
echo "The notifier alone, CURVE and --insecure taking NotifyBatches of one change (3 notifications) in turn:"
hoprows own
hoprows fanout
echo "Fan-out through the feed, CURVE: $(f "$R_FAN" subscribers) subscribers each taking every notification" \
    "($(fmt "$(f "$R_FAN" concerned_per_change_mean)") deliveries per change):"
echo "  hop first $(pp "$R_FAN" hop_first), hop all $(pp "$R_FAN" hop_all), change -> all $(pp "$R_FAN" all)," \
    "lost $(f "$R_FAN" missing)"
echo
echo "What the regio figures include (medians, ms after the company system sent the change):"
echo "  capacity ack (LMDB commit with fsync): $(fmt "$(f "$R_LAT" ack_p50_ms)");" \
    "planner committed the repaired plan and published its summary: $(fmt "$(f "$R_LAT" planned_p50_ms)")" \
    "(engine time $(fmt "$(f "$R_LAT" engine_p50_ms)"));"
echo "  notifier had logged every change (LMDB commit with fsync; seen by a status poll every 2 ms): $(fmt "$(f "$R_LAT" logged_p50_ms)")."
echo "  So a regio notification is: capacity commit -> publish -> planner mirror -> repair plan (LNS budget"
echo "  50 ms) -> planner LMDB commit (plan + outbox) -> NotifyBatch -> notifier LMDB commit -> feed"
echo "  (ROUTER: per subscriber an authorisation check and a send) -> the subscriber's DEALER."
echo "  One change yields $(fmt "$(f "$R_LAT" placement_changes_per_change_mean)") placement changes on average (a repair also improves the"
echo "  plan elsewhere); each goes to school/, learner/ and partner/ topics."
echo "mosquitto: one publisher sends those same messages (same topics, same bytes) with QoS 1; the"
echo "  figure is one broker hop, in memory (persistence false), no planning, no disk."
echo "catch-up: regio replays its LMDB log (ReplayRequest topic \"\", chunks of 256, 10000 per request);"
echo "  mosquitto drains a persistent session's in-memory queue (clean_session false, QoS 1, broker"
echo "  default max_inflight_messages 20 per client, each message PUBACKed)."
exit $FAILED
