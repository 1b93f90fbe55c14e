#!/usr/bin/env bash
# bench/ingest.sh - availability ingest: regio's capacity service against
# PostgreSQL 15 doing the same durable, idempotent, versioned upserts.
#
#   bench/ingest.sh [--updates N] [--clients "1 8 64"] [--pg-seconds S]
#                   [--port-base B] [--learners L] [--with-planner] [--no-equal] [--keep]
#
#   --updates N      updates per regio-load run (default 200000)
#   --clients LIST   client counts K (default "1 8 64")
#   --pg-seconds S   pgbench duration per K (default 15)
#   --port-base B    regio ports B+1..B+32 (default 7800; moves up by 100 if busy)
#   --learners L     size of the generated region (default 2000; keys = offerings x periods)
#   --with-planner   keep the planner and notifier running during the load (default:
#                    they are stopped after the import, so the figures are the capacity
#                    service's own; the registry stays up, capacity follows it)
#   --no-equal       skip the extra regio runs with one update in flight per client
#   --keep           keep the temp dir (data, logs, pgbench logs)
#
# Both sides acknowledge an update only after it is durable on disk (LMDB
# commit with fsync / PostgreSQL commit with fsync=on, synchronous_commit=on).
# Prints figures; never fails on speed (exit 1 only when something broke).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

UPDATES=200000
CLIENTS="1 8 64"
PG_SECONDS=15
BASE=7800
LEARNERS=2000
WITH_PLANNER=0
EQUAL=1
while [ $# -gt 0 ]; do
    case $1 in
    --updates) UPDATES=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --pg-seconds) PG_SECONDS=$2; shift 2 ;;
    --port-base) BASE=$2; shift 2 ;;
    --learners) LEARNERS=$2; shift 2 ;;
    --with-planner) WITH_PLANNER=1; shift ;;
    --no-equal) EQUAL=0; shift ;;
    --keep) BENCH_KEEP=1; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
bench_packages postgresql postgresql-contrib python3
bench_build
for v in 15 16 17 14 13; do
    [ -x "/usr/lib/postgresql/$v/bin/pgbench" ] && { PGBIN=/usr/lib/postgresql/$v/bin; break; }
done
[ -n "$PGBIN" ] || die "pgbench not found under /usr/lib/postgresql/*/bin"
PG_VERSION=$("$PGBIN/postgres" --version | awk '{print $3}')
bench_tmp ingest
raise_nofile 8192
T=$BENCH_TMP
BASE=$(free_base "$BASE")
regio_env "$BASE"

say "region: $LEARNERS learners (regio-gen --seed 1)"
"$BIN/regio-gen" --learners "$LEARNERS" --seed 1 >"$T/region.json"
KEYS=$(python3 - "$T/region.json" "$T/keys.csv" <<'EOF'
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
EOF
)

# ---------------------------------------------------------------- regio ----
say "regio: services on ports $((BASE + 1))-$((BASE + 32)), data in $T/regio, CURVE on"
regio_security "$T/regio" curve
for s in registry capacity planner notifier; do regio_start "$s" "$BASE" "$T/regio"; done
regio_wait_up
"$BIN/regioctl" import "$T/region.json" >&2
if [ "$WITH_PLANNER" = 0 ]; then
    # shellcheck disable=SC2154 # set by regio_start
    stop_pid "$PID_planner"
    # shellcheck disable=SC2154
    stop_pid "$PID_notifier"
    RUNNING="registry + capacity (planner and notifier stopped after the import)"
else
    RUNNING="registry + capacity + planner + notifier (planner follows every change)"
fi

cap_counter() { # commits/requests of the capacity service
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
declare -A R_RATE R_P50 R_P99 R_PER_COMMIT E_RATE E_P50 E_P99 E_N P_RATE P_P50 P_P99 P_AVG P_N FS_P50 FS_P99
FAILED=0
# Per K, back to back: regio pipelined, regio one-in-flight, pgbench, so that
# both sides see the same disk (this machine's flush latency drifts).
for K in $CLIENTS; do
    say "K=$K"
    read -r FS_P50[$K] FS_P99[$K] < <(fsync_probe "$T")
    c0=$(cap_counter commits)
    out=$("$BIN/regio-load" --instance "$T/region.json" --updates "$UPDATES" --clients "$K" \
        --run "ingest-$$-k$K-$RANDOM" 2>"$T/load-k$K.err") || { FAILED=1; warn "regio-load K=$K failed: $(tail -n 3 "$T/load-k$K.err")"; }
    c1=$(cap_counter commits)
    echo "regio K=$K: $out" >&2
    R_RATE[$K]=$(jget "$out" per_second)
    R_P50[$K]=$(jget "$out" p50_ms)
    R_P99[$K]=$(jget "$out" p99_ms)
    R_PER_COMMIT[$K]=$(python3 -c "print('%.0f' % ($UPDATES / max(1, $c1 - $c0)))" 2>/dev/null || echo "?")

    if [ "$EQUAL" = 1 ]; then
        # One update in flight per client, one update per message: the same
        # concurrency pgbench has. Fewer updates: each may wait for its own flush.
        n=$((K * 1500))
        [ "$n" -gt "$UPDATES" ] && n=$UPDATES
        out=$("$BIN/regio-load" --instance "$T/region.json" --updates "$n" --clients "$K" --window 1 --batch 1 \
            --run "ingest-eq-$$-k$K-$RANDOM" 2>"$T/load-eq-k$K.err") || { FAILED=1; warn "regio-load (window 1) K=$K failed"; }
        echo "regio window=1 K=$K: $out" >&2
        E_N[$K]=$n
        E_RATE[$K]=$(jget "$out" per_second)
        E_P50[$K]=$(jget "$out" p50_ms)
        E_P99[$K]=$(jget "$out" p99_ms)
    fi

    J=2
    [ "$K" -lt 2 ] && J=1
    rm -rf "$T/pg/log/k$K" && mkdir -p "$T/pg/log/k$K"
    "${PSQL[@]}" -c "CHECKPOINT" >/dev/null
    if ! (cd "$T/pg/log/k$K" && "$PGBIN/pgbench" -h 127.0.0.1 -p "$PGPORT" -U postgres -n -M prepared \
        -c "$K" -j "$J" -T "$PG_SECONDS" -D nkeys="$KEYS" -f "$T/pg/update.sql" \
        --log --log-prefix=tx postgres >"../pgbench-k$K.out" 2>&1); then
        FAILED=1
        warn "pgbench K=$K failed: $(tail -n 5 "$T/pg/log/pgbench-k$K.out")"
        continue
    fi
    P_RATE[$K]=$(awk '/^tps = /{printf "%.0f", $3; exit}' "$T/pg/log/pgbench-k$K.out")
    P_AVG[$K]=$(awk '/^latency average/{print $4}' "$T/pg/log/pgbench-k$K.out")
    P_N[$K]=$(awk '/number of transactions actually processed/{print $6}' "$T/pg/log/pgbench-k$K.out" | cut -d/ -f1)
    read -r P_P50[$K] P_P99[$K] < <(cat "$T"/pg/log/k"$K"/tx.* | awk '{print $3 / 1000}' | pct)
    fails=$(awk '/number of failed transactions/{print $5}' "$T/pg/log/pgbench-k$K.out")
    echo "postgres K=$K: tps=${P_RATE[$K]} latency_avg=${P_AVG[$K]}ms p50=${P_P50[$K]} p99=${P_P99[$K]} transactions=${P_N[$K]} failed=${fails:-0}" >&2
done
bench_stop_all
ROWS=$("${PSQL[@]}" -At -c "SELECT count(*) FROM updates")

# ---------------------------------------------------------------- table ----
CPU=$(lscpu 2>/dev/null | awk -F: '/Model name/{gsub(/^ +/,"",$2); print $2; exit}')
echo
echo "Capacity ingest: $UPDATES updates per regio run, pgbench $PG_SECONDS s per K; $KEYS keys (offering x period)"
echo "machine: $(nproc) CPUs ($CPU), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); regio services: $RUNNING"
echo "both sides: ack after a durable commit (LMDB fsync / PostgreSQL $PG_VERSION fsync=on synchronous_commit=on), loopback TCP"
echo "disk flush (8 kB pwrite + fdatasync, measured before each K) p50/p99 ms:$(for K in $CLIENTS; do printf ' K=%s %s/%s' "$K" "${FS_P50[$K]}" "${FS_P99[$K]}"; done)"
echo
printf '%-8s | %13s %17s | %13s %17s | %8s\n' "clients" "regio upd/s" "regio p50/p99 ms" "pg upd/s" "pg p50/p99 ms" "regio/pg"
printf '%s\n' "---------+-------------------------------+-------------------------------+---------"
for K in $CLIENTS; do
    ratio=$(python3 -c "import sys; r,p=sys.argv[1:3]; print('%.1fx' % (float(r)/float(p)) if p not in ('','0','nan') and r not in ('','nan') else '-')" "${R_RATE[$K]:-}" "${P_RATE[$K]:-}")
    printf '%-8s | %13s %8s/%-8s | %13s %8s/%-8s | %8s\n' "$K" "${R_RATE[$K]:--}" "${R_P50[$K]:--}" "${R_P99[$K]:--}" \
        "${P_RATE[$K]:--}" "${P_P50[$K]:--}" "${P_P99[$K]:--}" "$ratio"
done
echo
echo "regio runs pipeline: each regio-load client keeps up to 1000 updates in flight, 64 per message"
echo "(CapacityUpdates), and the capacity service commits what it has queued in one LMDB transaction:"
for K in $CLIENTS; do echo "  K=$K: about ${R_PER_COMMIT[$K]:-?} updates per LMDB commit"; done
echo "pgbench clients have one transaction in flight each; PostgreSQL shares WAL flushes between"
echo "concurrent commits (group commit) but each update is its own transaction."
if [ "$EQUAL" = 1 ]; then
    echo
    echo "Same concurrency as pgbench (regio-load --window 1 --batch 1: one update in flight per client):"
    printf '%-8s | %13s %17s | %13s %17s | %8s\n' "clients" "regio upd/s" "regio p50/p99 ms" "pg upd/s" "pg p50/p99 ms" "regio/pg"
    for K in $CLIENTS; do
        ratio=$(python3 -c "import sys; r,p=sys.argv[1:3]; print('%.1fx' % (float(r)/float(p)) if p not in ('','0','nan') and r not in ('','nan') else '-')" "${E_RATE[$K]:-}" "${P_RATE[$K]:-}")
        printf '%-8s | %13s %8s/%-8s | %13s %8s/%-8s | %8s   (%s updates)\n' "$K" "${E_RATE[$K]:--}" "${E_P50[$K]:--}" "${E_P99[$K]:--}" \
            "${P_RATE[$K]:--}" "${P_P50[$K]:--}" "${P_P99[$K]:--}" "$ratio" "${E_N[$K]:-}"
    done
fi
echo
BEST_R=0 BEST_P=0
for K in $CLIENTS; do
    BEST_R=$(python3 -c "print(max(float('${R_RATE[$K]:-0}' or 0), $BEST_R))")
    BEST_P=$(python3 -c "print(max(float('${P_RATE[$K]:-0}' or 0), $BEST_P))")
done
python3 - "$BEST_R" "$BEST_P" <<'EOF'
import sys
r, p = float(sys.argv[1]), float(sys.argv[2])
print("issue target: >= 200,000 updates/s and >= 5x PostgreSQL (best K of each side)")
print("  regio best %.0f updates/s: %s" % (r, "met" if r >= 200000 else "NOT met"))
if p:
    print("  PostgreSQL best %.0f updates/s; regio/PostgreSQL %.1fx: %s" % (p, r / p, "met" if r / p >= 5 else "NOT met"))
else:
    print("  PostgreSQL: no figure (see above)")
EOF
echo "(postgres: $ROWS update ids recorded in all; pgbench logs in $T/pg/log when run with --keep)"
exit $FAILED
