# shellcheck shell=bash
# bench/lib.sh - shared by bench/ingest.sh and bench/notify.sh (sourced).
#
# Installs what a benchmark needs on Debian 12, builds the project and the
# bench helpers, starts regio services on a private port base and data dir,
# and stops exactly the processes it started. Every started process is
# recorded in $BENCH_PIDS; bench_cleanup (run from the caller's trap) stops
# them, then removes $BENCH_TMP.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_BUILD=${REGIO_BUILD_DIR:-$BENCH_ROOT/build}
BIN=$BENCH_BUILD/bin
BENCH_PIDS=()
BENCH_TMP=""
BENCH_KEEP=${BENCH_KEEP:-0}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# bench_packages PKG...: apt-get install the ones that are missing.
bench_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

# bench_build: the project (./regio build), then the bench helpers when the
# top-level build does not make them (bench/ not added there yet): compiled
# against the project's static libraries into $BIN.
bench_build() {
    if ! REGIO_BUILD_DIR=$BENCH_BUILD "$BENCH_ROOT/regio" build >&2; then
        local b
        for b in regio-registry regio-capacity regio-planner regio-notifier regioctl regio-gen regio-load; do
            [ -x "$BIN/$b" ] || die "the build failed and $BIN/$b is missing"
        done
        warn "the build failed; using the binaries already in $BIN"
    fi
    local inc="-I$BENCH_ROOT/common/include -I$BENCH_BUILD/generated"
    local libs="$BENCH_BUILD/common/libregio_common.a $BENCH_BUILD/common/libregio_core.a $BENCH_BUILD/proto/libregio_proto.a"
    local flags="-O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter"
    if [ ! -x "$BIN/regio-bench-notify" ] || [ "$BENCH_ROOT/bench/notify_sub.c" -nt "$BIN/regio-bench-notify" ] ||
        [ "$BENCH_BUILD/common/libregio_common.a" -nt "$BIN/regio-bench-notify" ]; then
        # shellcheck disable=SC2086,SC2046
        gcc $flags $inc "$BENCH_ROOT/bench/notify_sub.c" -o "$BIN/regio-bench-notify" $libs \
            $(pkg-config --libs libzmq libprotobuf-c lmdb libuv libcjson) -lpthread -lm ||
            die "cannot build regio-bench-notify"
    fi
    if [ ! -x "$BIN/regio-bench-mqtt" ] || [ "$BENCH_ROOT/bench/mqtt_fanout.c" -nt "$BIN/regio-bench-mqtt" ]; then
        if pkg-config --exists libmosquitto; then
            # shellcheck disable=SC2046
            gcc $flags "$BENCH_ROOT/bench/mqtt_fanout.c" -o "$BIN/regio-bench-mqtt" \
                $(pkg-config --cflags --libs libmosquitto) -lm || die "cannot build regio-bench-mqtt"
        fi
    fi
}

# bench_tmp NAME: a private temp dir, readable by other users (postgres).
bench_tmp() {
    BENCH_TMP=$(mktemp -d "/tmp/regio-bench-$1.XXXXXX")
    chmod 755 "$BENCH_TMP"
}

# port_free PORT: 0 when nothing listens on 127.0.0.1:PORT and it can be bound.
port_free() {
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

# free_base BASE: the first base from BASE (steps of 100) with BASE+1..BASE+59 free.
free_base() {
    local b=$1
    for _ in $(seq 1 20); do
        local ok=1
        for off in 1 2 11 12 21 22 31 32 50; do port_free $((b + off)) || { ok=0; break; }; done
        [ $ok -eq 1 ] && { echo "$b"; return 0; }
        b=$((b + 100))
    done
    die "no free port base found from $1"
}

# free_port: any free loopback port.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# regio_env BASE: the endpoints regioctl and the helpers use.
regio_env() {
    local b=$1
    export REGIO_REGISTRY=tcp://127.0.0.1:$((b + 1)) REGIO_CAPACITY=tcp://127.0.0.1:$((b + 11))
    export REGIO_PLANNER=tcp://127.0.0.1:$((b + 21)) REGIO_PLANNER_PUB=tcp://127.0.0.1:$((b + 22))
    export REGIO_NOTIFIER=tcp://127.0.0.1:$((b + 31)) REGIO_NOTIFIER_PUB=tcp://127.0.0.1:$((b + 32))
}

# regio_security DIR MODE: MODE "curve" makes keys in DIR/keys (admin and
# one per service) and exports REGIO_KEYS for the services and clients;
# MODE "insecure" runs services and clients without CURVE, to show its cost.
regio_security() {
    local dir=$1 mode=$2 s
    if [ "$mode" = insecure ]; then
        export REGIO_INSECURE=1
        unset REGIO_KEYS
        return
    fi
    unset REGIO_INSECURE
    export REGIO_KEYS=$dir/keys
    [ -f "$REGIO_KEYS/admin.key" ] || "$BIN/regioctl" keys new admin --role admin >/dev/null
    for s in registry capacity planner notifier; do
        [ -f "$REGIO_KEYS/$s.key" ] || "$BIN/regioctl" keys new "$s" --role "service:$s" >/dev/null
    done
}

# regio_start SERVICE BASE DIR [extra flags...]: start one service in the
# background (data in DIR/SERVICE, log in DIR/SERVICE.log); pid recorded.
regio_start() {
    local s=$1 b=$2 dir=$3
    shift 3
    local ep="tcp://127.0.0.1"
    local reg="--registry-router $ep:$((b + 1)) --registry-pub $ep:$((b + 2))"
    local cap="--capacity-router $ep:$((b + 11)) --capacity-pub $ep:$((b + 12))"
    local f
    case $s in
    registry) f="--router $ep:$((b + 1)) --pub $ep:$((b + 2))" ;;
    capacity) f="--router $ep:$((b + 11)) --pub $ep:$((b + 12)) $reg" ;;
    planner) f="--router $ep:$((b + 21)) --pub $ep:$((b + 22)) $reg $cap --notifier-router $ep:$((b + 31))" ;;
    notifier) f="--router $ep:$((b + 31)) --pub $ep:$((b + 32))" ;;
    esac
    if [ "${REGIO_INSECURE:-0}" = 1 ]; then f="$f --insecure"; else f="$f --keys ${REGIO_KEYS:?regio_security first}"; fi
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    "$BIN/regio-$s" $f --db "$dir/$s" "$@" >>"$dir/$s.log" 2>&1 &
    local pid=$!
    BENCH_PIDS+=("$pid")
    eval "PID_$s=$pid" # PID_registry, PID_capacity, ...
}

# regio_wait_up: every started service answers regioctl status (20 s).
regio_wait_up() {
    local deadline=$((SECONDS + 20))
    until "$BIN/regioctl" status >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || { "$BIN/regioctl" status >&2 || true; die "services did not come up"; }
        sleep 0.1
    done
}

# stop_pid PID: SIGTERM, wait up to 15 s, then SIGKILL; only our own pids.
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 150); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    warn "pid $pid did not stop in 15 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

# bench_cleanup: stop the processes we started, remove $BENCH_TMP (unless
# --keep), exit with the script's status. bench_traps installs it.
bench_cleanup() {
    local rc=$?
    set +e
    bench_stop_all
    if [ -n "$BENCH_TMP" ]; then
        if [ "$BENCH_KEEP" = 1 ]; then warn "kept $BENCH_TMP"; else rm -rf "$BENCH_TMP"; fi
    fi
    exit $rc
}

bench_traps() {
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    trap 'warn "failed at line $LINENO: $BASH_COMMAND"' ERR
}

bench_stop_all() {
    local i
    for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${BENCH_PIDS[$i]}"; done
    BENCH_PIDS=()
}

# percentiles of numbers on stdin (one a line): "p50 p99" (nearest rank)
pct() {
    python3 -c '
import math, sys
v = sorted(float(x) for x in sys.stdin if x.strip())
def p(q): return v[max(0, math.ceil(q * len(v)) - 1)] if v else float("nan")
print("%.3f %.3f" % (p(0.5), p(0.99)))'
}

# jget JSON KEY: one field of a one-line JSON object
jget() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("nan" if v is None else v)' "$1" "$2"; }

raise_nofile() {
    local want=${1:-8192} hard
    hard=$(ulimit -Hn)
    [ "$hard" = unlimited ] && hard=$want
    [ "$hard" -lt "$want" ] && want=$hard
    [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$want" ] && ulimit -Sn "$want"
    return 0
}

# fsync_probe DIR: "p50 p99" ms of an 8 kB pwrite + fdatasync, 200 times, in DIR
# (the disk's own flush latency: the floor under one durable commit).
fsync_probe() {
    python3 - "$1" <<'EOF'
import os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
buf = os.urandom(8192)
os.pwrite(fd, buf, 0)
os.fsync(fd)
v = []
for i in range(200):
    t = time.perf_counter()
    os.pwrite(fd, buf, 0)
    os.fdatasync(fd)
    v.append((time.perf_counter() - t) * 1000)
os.close(fd)
os.unlink(path)
v.sort()
print("%.2f %.2f" % (v[len(v) // 2], v[int(len(v) * 0.99) - 1]))
EOF
}
