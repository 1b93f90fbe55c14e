#!/usr/bin/env bash
# bench/ingest.sh - availability ingest: regio's capacity service with CURVE
# and with --insecure, against PostgreSQL 15 doing the same durable,
# idempotent, versioned upserts one per transaction (pgbench) and batched.
#
#   bench/ingest.sh [--updates N] [--clients "1 8"] [--rounds R] [--pg-seconds S]
#                   [--pg-batches "100 1000"] [--port-base B] [--learners L]
#                   [--with-planner] [--no-follower] [--no-equal] [--keep]
#
#   --updates N       updates per regio-load run (default 200000)
#   --clients LIST    client counts K (default "1 8")
#   --rounds R        regio runs per K and security mode, CURVE and --insecure
#                     alternating (default 5); the tables show the median
#   --pg-seconds S    duration of each PostgreSQL run (default 10)
#   --pg-batches LIST updates per PostgreSQL transaction in the batched runs
#                     (default "100 1000"; "" skips them)
#   --port-base B     CURVE cluster on B+1..B+32, --insecure one on the next free base
#                     100 or more higher (default 7800; a busy base moves up by 100)
#   --learners L      size of the generated region (default 2000; keys = offerings x periods)
#   --with-planner    keep the planner and notifier running during the load (default:
#                     they are stopped after the import, so the figures are the capacity
#                     service's own; the registry stays up, capacity follows it)
#   --no-follower     no subscriber on the change feed (default: one regio-bench-follow
#                     per cluster, in the planner's place, so that every applied change
#                     is published to a subscriber, encrypted with CURVE, as in a cluster)
#   --no-equal        skip the regio runs with one update in flight per client
#   --keep            keep the temp dir (data, logs, results.tsv)
#
# Both sides acknowledge an update only after it is durable on disk (LMDB
# commit with fsync / PostgreSQL commit with fsync=on, synchronous_commit=on).
# Every run also measures the CPU time of the server (capacity service, or
# all PostgreSQL processes) and of the client per update: on this 2-core
# machine the load generator shares the cores. About 2.5 minutes with the
# defaults. Prints figures; never fails on speed (exit 1 only when something broke).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

UPDATES=200000
CLIENTS="1 8"
ROUNDS=5
PG_SECONDS=10
PG_BATCHES="100 1000"
BASE=7800
LEARNERS=2000
WITH_PLANNER=0
FOLLOWER=1
EQUAL=1
while [ $# -gt 0 ]; do
    case $1 in
    --updates) UPDATES=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --pg-seconds) PG_SECONDS=$2; shift 2 ;;
    --pg-batches) PG_BATCHES=$2; shift 2 ;;
    --port-base) BASE=$2; shift 2 ;;
    --learners) LEARNERS=$2; shift 2 ;;
    --with-planner) WITH_PLANNER=1; shift ;;
    --no-follower) FOLLOWER=0; shift ;;
    --no-equal) EQUAL=0; shift ;;
    --keep) BENCH_KEEP=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
    esac
done

PGDATA=""
PG_PID=""
PGBIN=""
cleanup() {
    local rc=$?
    set +e
    bench_stop_all
    if [ -n "$PGDATA" ] && [ -f "$PGDATA/postmaster.pid" ]; then
        pg_as "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 30 stop >/dev/null 2>&1
        [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null && stop_pid "$PG_PID"
    fi
    if [ -n "$BENCH_TMP" ]; then
        if [ "$BENCH_KEEP" = 1 ]; then warn "kept $BENCH_TMP"; else rm -rf "$BENCH_TMP"; fi
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'warn "failed at line $LINENO: $BASH_COMMAND"' ERR

# PostgreSQL refuses to run as root: run its tools as the postgres user then.
pg_as() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ---------------------------------------------------------------- setup ----
bench_packages postgresql postgresql-contrib libpq-dev python3
bench_build
for v in 15 16 17 14 13; do
    [ -x "/usr/lib/postgresql/$v/bin/pgbench" ] && { PGBIN=/usr/lib/postgresql/$v/bin; break; }
done
[ -n "$PGBIN" ] || die "pgbench not found under /usr/lib/postgresql/*/bin"
[ -z "$PG_BATCHES" ] || [ -x "$BIN/regio-bench-pg" ] || die "$BIN/regio-bench-pg was not built (libpq-dev?)"
PG_VERSION=$("$PGBIN/postgres" --version | awk '{print $3}')
bench_tmp ingest
raise_nofile 8192
T=$BENCH_TMP
RESULTS=$T/results.tsv
: >"$RESULTS"
FAILED=0

say "region: $LEARNERS learners (regio-gen --seed 1)"
"$BIN/regio-gen" --learners "$LEARNERS" --seed 1 >"$T/region.json"
KEYS=$(python3 - "$T/region.json" "$T/keys.csv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
periods = [p["id"] for p in r["periods"]] if isinstance(r["periods"], list) else ["P%d" % (i + 1) for i in range(r["periods"])]
with open(sys.argv[2], "w") as f:
    k = 0
    for o in r["offerings"]:          # key k = offering index * periods + period index, as regio-load
        for p in periods:
            f.write("%d,%s,%s\n" % (k, o["id"], p))
            k += 1
print(k)
PY
)

# ---------------------------------------------------------------- regio ----
# Two clusters, one with CURVE and one --insecure, each with its own data:
# both see the same runs in the same order, so their update-id tables grow alike.
declare -A CLUSTER_BASE CAP_PID
use_cluster() { # MODE: point regioctl, regio-load and regio_start at that cluster
    regio_env "${CLUSTER_BASE[$1]}"
    regio_security "$T/regio-$1" "$1"
}
start_cluster() { # MODE BASE
    CLUSTER_BASE[$1]=$2
    say "regio ($1): services on ports $(($2 + 1))-$(($2 + 32)), data in $T/regio-$1"
    use_cluster "$1"
    local s
    for s in registry capacity planner notifier; do regio_start "$s" "$2" "$T/regio-$1"; done
    regio_wait_up
    "$BIN/regioctl" import "$T/region.json" >&2
    if [ "$WITH_PLANNER" = 0 ]; then
        # shellcheck disable=SC2154 # set by regio_start
        stop_pid "$PID_planner"
        # shellcheck disable=SC2154
        stop_pid "$PID_notifier"
    fi
    # shellcheck disable=SC2154
    CAP_PID[$1]=$PID_capacity
    if [ "$WITH_PLANNER" = 0 ] && [ "$FOLLOWER" = 1 ]; then
        "$BIN/regio-bench-follow" --pub "tcp://127.0.0.1:$(($2 + 12))" >"$T/follow-$1.out" 2>&1 &
        BENCH_PIDS+=("$!")
    fi
}
BASE=$(free_base "$BASE")
start_cluster curve "$BASE"
start_cluster insecure "$(free_base $((BASE + 100)))"
if [ "$WITH_PLANNER" = 0 ] && [ "$FOLLOWER" = 1 ]; then
    RUNNING="registry + capacity + a subscriber to its change feed (planner and notifier stopped after the import)"
elif [ "$WITH_PLANNER" = 0 ]; then
    RUNNING="registry + capacity, no subscriber (planner and notifier stopped after the import)"
else
    RUNNING="registry + capacity + planner + notifier (planner follows every change)"
fi

cap_counter() { # commits/requests of the capacity service of the current cluster
    { "$BIN/regioctl" status 2>/dev/null || true; } |
        awk -v k="$1" '$1=="capacity"{for(i=1;i<=NF;i++) if(index($i,k"=")==1) print substr($i,length(k)+2)}'
}

# ------------------------------------------------------------- postgres ----
PGPORT=$(free_port)
PGDATA=$T/pg/data
mkdir -p "$T/pg/sock" "$T/pg/log"
[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$T/pg"
say "postgres $PG_VERSION: cluster in $PGDATA on 127.0.0.1:$PGPORT (fsync=on, synchronous_commit=on)"
pg_as "$PGBIN/initdb" -D "$PGDATA" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 >"$T/pg/initdb.log" 2>&1 ||
    pg_as "$PGBIN/initdb" -D "$PGDATA" --auth=trust -U postgres -E UTF8 >"$T/pg/initdb.log" 2>&1 ||
    die "initdb failed: $(tail -n 5 "$T/pg/initdb.log")"
cat >>"$PGDATA/postgresql.conf" <<EOF
# bench/ingest.sh: loopback only, durable commits, everything else default
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$T/pg/sock'
fsync = on
synchronous_commit = on
EOF
pg_as "$PGBIN/pg_ctl" -D "$PGDATA" -l "$T/pg/server.log" -w -t 60 start >/dev/null ||
    die "postgres did not start: $(tail -n 5 "$T/pg/server.log")"
PG_PID=$(head -n 1 "$PGDATA/postmaster.pid")
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres)
"${PSQL[@]}" <<EOF
CREATE TABLE keys (k int PRIMARY KEY, offering text NOT NULL, period text NOT NULL);
CREATE TABLE availability (
  offering text NOT NULL,
  period   text NOT NULL,
  seats    int[] NOT NULL,          -- 10 weekly slots
  version  bigint NOT NULL,
  PRIMARY KEY (offering, period));
-- idempotency, as the capacity service's updates + updates_by_time tables
CREATE TABLE updates (
  update_id  text PRIMARY KEY,
  version    bigint NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX updates_by_time ON updates (applied_at);
\copy keys FROM '$T/keys.csv' WITH (FORMAT csv)
INSERT INTO availability SELECT offering, period, '{0,0,0,0,0,0,0,0,0,0}', 0 FROM keys;
ANALYZE;
EOF
# One acknowledged update = one transaction = one durable commit: record the
# update id (a retry would fail here and be answered as a duplicate), then
# upsert the row unless a newer version is stored.
cat >"$T/pg/update.sql" <<'EOF'
\set k random(0, :nkeys - 1)
\set u random(1, 9223372036854775806)
\set s0 random(0, 4)
\set s1 random(0, 4)
\set s2 random(0, 4)
\set s3 random(0, 4)
\set s4 random(0, 4)
\set s5 random(0, 4)
\set s6 random(0, 4)
\set s7 random(0, 4)
\set s8 random(0, 4)
\set s9 random(0, 4)
BEGIN;
INSERT INTO updates (update_id, version)
  VALUES ('pg-' || :client_id || '-' || :u, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
INSERT INTO availability AS a (offering, period, seats, version)
  SELECT offering, period, ARRAY[:s0, :s1, :s2, :s3, :s4, :s5, :s6, :s7, :s8, :s9]::int[],
         (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
  FROM keys WHERE k = :k
  ON CONFLICT (offering, period) DO UPDATE SET seats = excluded.seats, version = excluded.version
  WHERE a.version < excluded.version;
END;
EOF
# ----------------------------------------------------------- measuring ----
# ticks PID...: CPU clock ticks (user + system, all threads) of the processes
ticks() {
    local t=0 p v
    for p in "$@"; do
        v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) || v=0
        t=$((t + ${v:-0}))
    done
    echo "$t"
}

# io_ticks PID: CPU ticks of the process's ZeroMQ I/O threads (where CURVE
# encrypts and decrypts).
io_ticks() {
    cat /proc/"$1"/task/*/stat 2>/dev/null | awk '$2 ~ /^\(ZMQbg\/IO/ {t += $14 + $15} END {print t + 0}'
}

# pg_ticks: CPU ticks of the whole PostgreSQL cluster: the postmaster, the
# backends it has reaped (cutime + cstime) and the processes alive now.
pg_ticks() {
    local own
    own=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$PG_PID/stat")
    # shellcheck disable=SC2046
    echo $((own + $(ticks $(ps --ppid "$PG_PID" -o pid= 2>/dev/null))))
}

# timed TIMEFILE ERRFILE CMD...: run CMD (stdout passes through, stderr to
# ERRFILE) and write its CPU seconds "user sys" to TIMEFILE.
timed() {
    local tf=$1 ef=$2 TIMEFORMAT='%U %S'
    shift 2
    { time "$@" 2>"$ef"; } 2>"$tf"
}

# record SYSTEM K JSON SERVER_TICKS [EXTRA]: one row of results.tsv (JSON
# holds updates, per_second, p50_ms, p99_ms; the client's CPU is in
# $T/client.time; EXTRA: "commits=N io=TICKS" for regio).
record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$(cat "$T/client.time")" "${5:-}" >>"$RESULTS"
    echo "$1 K=$2: $3" >&2
}

# regio_run MODE K N LABEL [regio-load flags...]: one regio-load run of N
# updates from K clients against the MODE cluster.
regio_run() {
    local mode=$1 k=$2 n=$3 label=$4 s0 s1 c0 c1 i0 i1 out
    shift 4
    use_cluster "$mode"
    c0=$(cap_counter commits)
    s0=$(ticks "${CAP_PID[$mode]}")
    i0=$(io_ticks "${CAP_PID[$mode]}")
    out=$(timed "$T/client.time" "$T/load.err" "$BIN/regio-load" --instance "$T/region.json" \
        --updates "$n" --clients "$k" --run "ingest-$$-$label-k$k-$RANDOM$RANDOM" --timeout-s 120 "$@") ||
        { FAILED=1; warn "regio-load $label K=$k failed: $(tail -n 3 "$T/load.err")"; return 0; }
    s1=$(ticks "${CAP_PID[$mode]}")
    i1=$(io_ticks "${CAP_PID[$mode]}")
    c1=$(cap_counter commits)
    record "$label" "$k" "$out" $((s1 - s0)) "commits=$((c1 - c0)) io=$((i1 - i0))"
}

# pgbench_run K: one upsert per transaction, K clients, PG_SECONDS.
pgbench_run() {
    local k=$1 j=2 s0 s1 log=$T/pg/log/k$1 out rate n p50 p99
    [ "$k" -lt 2 ] && j=1
    rm -rf "$log" && mkdir -p "$log"
    "${PSQL[@]}" -c "CHECKPOINT" >/dev/null
    s0=$(pg_ticks)
    if ! (cd "$log" && timed "$T/client.time" "$log/pgbench.err" "$PGBIN/pgbench" -h 127.0.0.1 -p "$PGPORT" \
        -U postgres -n -M prepared -c "$k" -j "$j" -T "$PG_SECONDS" -D nkeys="$KEYS" \
        -f "$T/pg/update.sql" --log --log-prefix=tx postgres >"$log/pgbench.out"); then
        FAILED=1
        warn "pgbench K=$k failed: $(tail -n 5 "$log/pgbench.err")"
        return 0
    fi
    sleep 0.2 # let the postmaster reap the backends (their CPU joins its cutime)
    s1=$(pg_ticks)
    rate=$(awk '/^tps = /{printf "%.0f", $3; exit}' "$log/pgbench.out")
    n=$(awk '/number of transactions actually processed/{print $6}' "$log/pgbench.out" | cut -d/ -f1)
    read -r p50 p99 < <(cat "$log"/tx.* | awk '{print $3 / 1000}' | pct)
    out="{\"updates\": $n, \"per_second\": $rate, \"p50_ms\": $p50, \"p99_ms\": $p99}"
    record pg-1 "$k" "$out" $((s1 - s0))
}

# pg_batched_run K B: B updates per transaction (bench/pg_ingest.c), K clients.
pg_batched_run() {
    local k=$1 b=$2 s0 s1 out
    "${PSQL[@]}" -c "CHECKPOINT" >/dev/null
    s0=$(pg_ticks)
    out=$(timed "$T/client.time" "$T/pg/batched.err" "$BIN/regio-bench-pg" --keys "$T/keys.csv" \
        --conninfo "host=127.0.0.1 port=$PGPORT user=postgres dbname=postgres" \
        --clients "$k" --batch "$b" --seconds "$PG_SECONDS") ||
        { FAILED=1; warn "regio-bench-pg K=$k B=$b failed: $(tail -n 3 "$T/pg/batched.err")"; return 0; }
    sleep 0.2
    s1=$(pg_ticks)
    record "pg-$b" "$k" "$out" $((s1 - s0))
}

# ------------------------------------------------------------------ runs ----
declare -A FS_P50 FS_P99
LOAD0=$(cut -d' ' -f1 /proc/loadavg) # other work on this machine shares the cores
# Per K, back to back, so that every system sees the same disk (this
# machine's flush latency drifts): CURVE and --insecure alternating (which
# goes first alternates too), one in flight, pgbench, batched PostgreSQL.
for K in $CLIENTS; do
    say "K=$K"
    read -r FS_P50[$K] FS_P99[$K] < <(fsync_probe "$T")
    for r in $(seq 1 "$ROUNDS"); do
        order="curve insecure"
        [ $((r % 2)) = 0 ] && order="insecure curve"
        for mode in $order; do regio_run "$mode" "$K" "$UPDATES" "regio-$mode"; done
    done
    if [ "$EQUAL" = 1 ]; then
        # One update in flight per client, one update per message: the same
        # concurrency pgbench has. Fewer updates: each may wait for its own flush.
        n=$((K * 1500))
        [ "$n" -gt "$UPDATES" ] && n=$UPDATES
        regio_run curve "$K" "$n" regio-w1 --window 1 --batch 1
    fi
    pgbench_run "$K"
    for B in $PG_BATCHES; do pg_batched_run "$K" "$B"; done
done
bench_stop_all
FOLLOWED=$(cat "$T"/follow-*.out 2>/dev/null | tr '\n' ' ')
ROWS=$("${PSQL[@]}" -At -c "SELECT count(*) FROM updates")

# ---------------------------------------------------------------- tables ----
CPU=$(lscpu 2>/dev/null | awk -F: '/Model name/{gsub(/^ +/,"",$2); print $2; exit}')
echo
echo "Capacity ingest: $UPDATES updates per regio run ($ROUNDS rounds per security mode), PostgreSQL $PG_SECONDS s per run; $KEYS keys (offering x period)"
echo "machine: $(nproc) CPUs ($CPU), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $LOAD0 at the start, $(cut -d' ' -f1 /proc/loadavg) at the end; regio services: $RUNNING"
echo "both sides: ack after a durable commit (LMDB fsync / PostgreSQL $PG_VERSION fsync=on synchronous_commit=on), loopback TCP"
echo "disk flush (8 kB pwrite + fdatasync, measured before each K) p50/p99 ms:$(for K in $CLIENTS; do printf ' K=%s %s/%s' "$K" "${FS_P50[$K]}" "${FS_P99[$K]}"; done)"
python3 "$BENCH_ROOT/bench/ingest_report.py" "$RESULTS" "$(getconf CLK_TCK)"
[ -z "$FOLLOWED" ] || echo "(change-feed subscribers, CURVE and --insecure: $FOLLOWED)"
echo "(postgres: $ROWS update ids recorded in all; results.tsv and logs in $T when run with --keep)"
exit $FAILED
