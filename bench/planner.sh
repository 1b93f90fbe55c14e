#!/usr/bin/env bash
# bench/planner.sh - how well and how fast the planning engine plans.
#
#   bench/planner.sh [--sizes "100 300 2000 2000@1.8 20000 100000"] [--threads 2] [--seed 1]
#                    [--bound-seconds S] [--cbc-sizes "60 120 300@600/d,5,10,30 500@600/d,5"]
#                    [--cbc-seconds 60] [--cbc-seeds 3] [--no-cbc] [--no-replan] [--quick]
#                    [--spread "2000 2000@1.8"] [--spread-regions 8]
#                    [--rpp2 "2000"] [--rpp2-regions 8] [--rpp2-decide "--pins 0.05 ..."]
#                    [--rpp2-iterations N]
#
# A size N@S gives that run a budget of S seconds instead of the default.
# 1. Synthetic regions (build/bin/regio-gen) of each size: solve with the
#    default budget (or S), check with shared/tools/rpp_check.py, and print
#    score, coverage share, lowest school share, seconds, peak RSS, the
#    proven upper bound (--bound, given n/100 seconds, 20..900, unless
#    --bound-seconds) and the gap. The bound is valid whenever it stops, but
#    tightens with time.
# 2. Small regions solved exactly by CBC (coinor-cbc) from `--export-lp`,
#    with a time limit (--cbc-seconds, or S of N@S): our score (default
#    budget, or each budget B of N@S/B1,B2; d = default) as a share of
#    CBC's best and of its bound, and the time ratio. Each budget runs with
#    --cbc-seeds seeds (SEED, SEED+1, ...): at 300 learners which basin a
#    seed's search falls into moves the score by more than CBC's lead, so
#    one seed says little. The row gives the mean, the lowest and highest,
#    and how many seeds beat CBC's plan. CBC's plan after a time limit
#    depends on the machine's speed (how many nodes fit), so only its
#    figures from the same run count. Then a table of upper bounds per
#    region: CBC's after its cuts, ours (--bound, n/100 s, 20..900), and
#    the plain LP relaxation (cbc initialSolve), each as a gap above
#    CBC's plan.
# 3. Replanning a 20,000-learner plan: withdraw 1% of the offerings, and a
#    single offering (10 draws): forced vs changed placements, milliseconds.
# 4. The spread over regions (--spread "2000 2000@1.8", --spread-regions 8):
#    each size planned in regions of seeds SEED, SEED+1, ..., as a share of
#    each region's bound (n/100 s, 20..900): one region's score moves with
#    the seed and the machine's load, so one run says little about a target.
# 5. rpp-2 (--rpp2 "2000", --rpp2-regions 8): the regions of seeds SEED, ...
#    with coordinators' decisions (regio-gen --pins 0.05 --forbidden 0.05
#    --reserved 0.03, or --rpp2-decide), each planned at the default budget
#    (or S of N@S) side by side with the rpp-1 region of the same seed, in
#    the same loop: score as a share of each region's own bound, and plan
#    seconds. Every plan is checked by rpp_check.py. --rpp2-iterations N
#    plans with N iterations instead of a budget: the same plans whatever
#    the machine's load (only the bounds, timed, still move a little).
# Benchmarks print figures; they never fail on speed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

SIZES="100 300 2000 2000@1.8 20000 100000"
CBC_SIZES="60 120 300@600/d,5,10,30 500@600/d,5"
CBC_SECONDS=60
CBC_SEEDS=3
THREADS=2
SEED=1
BOUND_SECONDS=""
DO_CBC=1
DO_REPLAN=1
SPREAD="2000 2000@1.8"
SPREAD_REGIONS=8
RPP2="2000"
RPP2_REGIONS=8
RPP2_DECIDE="--pins 0.05 --forbidden 0.05 --reserved 0.03"
RPP2_ITERS=0
while [ $# -gt 0 ]; do
    case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --bound-seconds) BOUND_SECONDS=$2; shift 2 ;;
    --cbc-sizes) CBC_SIZES=$2; shift 2 ;;
    --cbc-seconds) CBC_SECONDS=$2; shift 2 ;;
    --cbc-seeds) CBC_SEEDS=$2; shift 2 ;;
    --no-cbc) DO_CBC=0; shift ;;
    --no-replan) DO_REPLAN=0; shift ;;
    --spread) SPREAD=$2; shift 2 ;;
    --spread-regions) SPREAD_REGIONS=$2; shift 2 ;;
    --rpp2) RPP2=$2; shift 2 ;;
    --rpp2-regions) RPP2_REGIONS=$2; shift 2 ;;
    --rpp2-decide) RPP2_DECIDE=$2; shift 2 ;;
    --rpp2-iterations) RPP2_ITERS=$2; shift 2 ;;
    --quick) SIZES="100 300 2000 2000@1.8"; CBC_SIZES="60"; CBC_SECONDS=20; SPREAD=""; RPP2=""; shift ;;
    -h | --help) sed -n '2,45p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
done

[[ $SPREAD_REGIONS =~ ^[1-9][0-9]*$ ]] || die "--spread-regions needs a count of 1 or more"
[[ $RPP2_REGIONS =~ ^[1-9][0-9]*$ ]] || die "--rpp2-regions needs a count of 1 or more"
[[ $RPP2_ITERS =~ ^[0-9]+$ ]] || die "--rpp2-iterations needs a count (0: the budget)"
CHECK=$BENCH_ROOT/../shared/tools/rpp_check.py
[ -f "$CHECK" ] || die "rpp_check.py not found at $CHECK"
trap '[ "$BENCH_KEEP" = 1 ] || rm -rf "$BENCH_TMP"' EXIT
bench_tmp planner
say "building regio-planner and regio-gen in $BENCH_BUILD"
cmake -S "$BENCH_ROOT" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BENCH_BUILD" --target regio-planner regio-gen -j "$(nproc)" >/dev/null
PLANNER=$BIN/regio-planner
GEN=$BIN/regio-gen

# val FILE KEY: the value of a "key: value" line of a summary.
val() { awk -v k="$2:" '$1 == k { print $2; exit }' "$1"; }

# region N: generate the region of N learners once; prints its path.
region() {
    local f=$BENCH_TMP/region-$1.json
    [ -f "$f" ] || "$GEN" --learners "$1" --seed "$SEED" --out "$f"
    echo "$f"
}

# bound_seconds N: the time a bound of an N-learner region gets (--bound-seconds, or n/100, 20..900).
bound_seconds() {
    [ -n "$BOUND_SECONDS" ] && { echo "$BOUND_SECONDS"; return; }
    python3 -c "print(min(900, max(20, round($1 / 100))))"
}

# checked INSTANCE SOLUTION [args]: rpp_check.py's score, or dies when infeasible.
checked() {
    local out
    out=$(python3 "$CHECK" "$@" --json) || die "rpp_check.py rejects $2: $out"
    python3 -c 'import json,sys; print(json.loads(sys.argv[1])["score"])' "$out"
}

# 1. Our engine on regions of each size ---------------------------------------
section_sizes() {
    say "regions: solve (default budget, $THREADS threads), check, bound"
    printf '%9s %15s %9s %9s %8s %9s %15s %8s %8s\n' learners score coverage school_min seconds rss_mib \
        bound gap bound_s
    local spec n secs f out sol bs
    for spec in $SIZES; do
        n=${spec%@*}
        secs=0
        [ "$spec" = "$n" ] || secs=${spec#*@}
        f=$(region "$n")
        sol=$BENCH_TMP/sol-$spec.json
        out=$BENCH_TMP/solve-$spec.txt
        bs=$(bound_seconds "$n")
        /usr/bin/time -v "$PLANNER" --solve "$f" --out "$sol" --threads "$THREADS" --seed "$SEED" \
            --seconds "$secs" --bound --bound-seconds "$bs" >"$out" 2>"$out.time" ||
            die "solve of $spec failed: $(cat "$out.time")"
        local score rss
        score=$(checked "$f" "$sol")
        rss=$(awk '/Maximum resident/ { printf "%.0f", $6 / 1024 }' "$out.time")
        printf '%9s %15s %9s %9s %8s %9s %15s %8s %8s\n' "$spec" "$score" "$(val "$out" coverage_share)" \
            "$(val "$out" school_share_min)" "$(val "$out" plan_seconds)" "$rss" "$(val "$out" bound)" \
            "$(val "$out" gap)" "$(val "$out" bound_seconds)"
    done
}

# cbc_figure LOG WHAT: CBC's best objective or best possible (bound) from its log.
cbc_figure() {
    python3 - "$1" "$2" <<'PY'
import re, sys
log = open(sys.argv[1]).read()
best = re.findall(r"Objective value:\s+(-?[0-9.e+]+)", log)
bound = re.findall(r"best possible (-?[0-9.e+]+)", log)
opt = "Optimal solution found" in log
if sys.argv[2] == "best":
    print(abs(float(best[-1])) if best else "nan")
elif opt and best:
    print(abs(float(best[-1])))
else:
    print(abs(float(bound[-1])) if bound else "nan")
PY
}

# 2. Against CBC on small regions ---------------------------------------------
# A spec is N, N@S (CBC's limit S) or N@S/B1,B2 (our budgets in seconds, d =
# the default): CBC solves once, we solve once per budget, a row each.
section_cbc() {
    command -v cbc >/dev/null || bench_packages coinor-cbc
    say "small regions: ours (default budget unless N@S/B; $CBC_SEEDS seeds from $SEED) against CBC (${CBC_SECONDS}s limit unless N@S)"
    printf '%9s %7s %14s %14s %14s %5s %4s %14s %14s %9s %9s %9s %9s %9s\n' learners budget ours_mean \
        ours_min ours_max beat tie cbc_best cbc_bound of_best of_bound ours_s cbc_s time_x
    local spec n rest limit budgets budget f t0 t1 cbc_s best bound seed runs
    for spec in $CBC_SIZES; do
        n=${spec%%@*}
        rest=${spec#"$n"}
        limit=$CBC_SECONDS
        budgets=d
        case "$rest" in @*/*) limit=${rest#@}; limit=${limit%%/*}; budgets=${rest#*/} ;;
        @*) limit=${rest#@} ;;
        esac
        f=$(region "$n")
        "$PLANNER" --export-lp "$BENCH_TMP/m-$n.lp" --instance "$f"
        t0=$(date +%s.%N)
        (cd "$BENCH_TMP" && cbc "m-$n.lp" sec "$limit" solve solu "cbc-$n.txt" >"cbc-$n.log" 2>&1) || true
        t1=$(date +%s.%N)
        cbc_s=$(python3 -c "print(round($t1 - $t0, 1))")
        if "$PLANNER" --solve "$f" --from-cbc "$BENCH_TMP/cbc-$n.txt" --out "$BENCH_TMP/cbc-$n.json" \
            --quiet 2>/dev/null; then
            best=$(checked "$f" "$BENCH_TMP/cbc-$n.json")
        else
            best=nan
        fi
        bound=$(cbc_figure "$BENCH_TMP/cbc-$n.log" bound)
        # the bounds side by side: CBC's after its cuts, ours (--bound), the plain LP relaxation
        local lp ours_b bs
        lp=$( (cd "$BENCH_TMP" && cbc "m-$n.lp" initialSolve 2>&1) |
            awk '/^Optimal - objective value/ { v = $5 } END { print v == "" ? "nan" : (v < 0 ? -v : v) }')
        bs=$(bound_seconds "$n")
        "$PLANNER" --solve "$f" --out "$BENCH_TMP/bound-$n.json" --threads "$THREADS" --seed "$SEED" \
            --bound --bound-seconds "$bs" >"$BENCH_TMP/bound-$n.txt"
        ours_b=$(val "$BENCH_TMP/bound-$n.txt" bound)
        BOUND_ROWS+=("$n $best $bound $ours_b $lp")
        for budget in ${budgets//,/ }; do
            local seconds=()
            [ "$budget" = d ] || seconds=(--seconds "$budget")
            runs=()
            for ((seed = SEED; seed < SEED + CBC_SEEDS; seed++)); do
                t0=$(date +%s.%N)
                "$PLANNER" --solve "$f" --out "$BENCH_TMP/ours-$n.json" --threads "$THREADS" \
                    --seed "$seed" "${seconds[@]}" --quiet
                t1=$(date +%s.%N)
                runs+=("$(checked "$f" "$BENCH_TMP/ours-$n.json"):$t0:$t1")
            done
            python3 - "$n" "$budget" "$best" "$bound" "$cbc_s" "${runs[@]}" <<'PY'
import sys
n, budget = sys.argv[1], sys.argv[2]
best, bound, cs = (float(x) for x in sys.argv[3:6])
runs = [tuple(float(v) for v in r.split(":")) for r in sys.argv[6:]]
scores = [r[0] for r in runs]
mean = sum(scores) / len(scores)
ours_s = sum(r[2] - r[1] for r in runs) / len(runs)
tol = 1e-6 * (1 + abs(best))
beat = "%d/%d" % (sum(x > best + tol for x in scores), len(scores)) if best == best else "-"
tie = "%d" % sum(abs(x - best) <= tol for x in scores) if best == best else "-"
pct = lambda a, b: "%.2f%%" % (100 * a / b) if b == b and b else "nan"
print("%9s %7s %14.1f %14.1f %14.1f %5s %4s %14.1f %14.1f %9s %9s %9.2f %9.1f %9.1f" % (
    n, budget, mean, min(scores), max(scores), beat, tie, best, bound, pct(mean, best),
    pct(mean, bound), ours_s, cs, cs / ours_s))
PY
        done
    done
    echo "beat: seeds whose plan scores above CBC's; tie: equal to it; of_best/of_bound: our mean as a share of CBC's plan/bound"
    echo
    say "upper bounds on the optimum: CBC's after its cuts, ours (--bound), the LP relaxation (cbc initialSolve)"
    printf '%9s %14s %14s %14s %14s %11s %11s %11s\n' learners cbc_best cbc_bound our_bound lp_relax \
        cbc_gap our_gap lp_gap
    local row
    for row in "${BOUND_ROWS[@]}"; do
        # shellcheck disable=SC2086
        python3 - $row <<'PY'
import sys
n = sys.argv[1]
best, cb, ob, lp = (float(x) for x in sys.argv[2:6])
gap = lambda b: "%.2f%%" % (100 * (b - best) / best) if best == best and best else "nan"
print("%9s %14.1f %14.1f %14.1f %14.1f %11s %11s %11s" % (n, best, cb, ob, lp, gap(cb), gap(ob), gap(lp)))
PY
    done
    echo "*_gap: how far above CBC's plan each bound lies (the optimum is in between; smaller is tighter)"
}
BOUND_ROWS=()

# 3. Replanning a 20,000-learner plan -----------------------------------------
section_replan() {
    local n=20000 f base
    f=$(region $n)
    base=$BENCH_TMP/sol-$n.json
    [ -f "$base" ] || "$PLANNER" --solve "$f" --out "$base" --threads "$THREADS" --quiet
    say "replanning the $n-learner plan (margin: the default)"
    printf '%-22s %8s %8s %7s %10s %10s %15s\n' change forced changed ratio engine_ms total_ms score
    local kind args i ch out t0 t1
    local rows=$BENCH_TMP/replan-rows.txt
    : >"$rows"
    local kinds=("1% withdrawn")
    for i in 1 2 3 4 5 6 7 8 9 10; do kinds+=("1 withdrawn #$i"); done
    for kind in "${kinds[@]}"; do
        i=${kind##*#}
        ch=$BENCH_TMP/change-${i// /_}.json
        case "$kind" in
        1%*) args=(--withdraw 0.01) ;;
        *) args=(--one --seed "$i") ;;
        esac
        python3 "$HERE/planner_change.py" "$f" "$base" "$ch" "${args[@]}"
        out=$BENCH_TMP/replan.txt
        t0=$(date +%s.%N)
        "$PLANNER" --solve "$f" --change "$ch" --base "$base" --out "$BENCH_TMP/replan.json" >"$out"
        t1=$(date +%s.%N)
        local score
        score=$(checked "$f" "$BENCH_TMP/replan.json" --change "$ch" --base "$base")
        python3 - "$kind" "$(val "$out" forced)" "$(val "$out" changed)" "$(val "$out" plan_seconds)" \
            "$t0" "$t1" "$score" "$rows" <<'PY'
import sys
k, forced, changed, plan_s, t0, t1, score, rows = sys.argv[1:]
ratio = "%.2f" % (int(changed) / int(forced)) if int(forced) else "-"
print("%-22s %8s %8s %7s %10.0f %10.0f %15s" % (k, forced, changed, ratio, 1000 * float(plan_s), 1000 * (float(t1) - float(t0)), score))
if k.startswith("1 withdrawn"):
    open(rows, "a").write("%s %s %s\n" % (forced, changed, plan_s))
PY
    done
    python3 - "$rows" <<'PY'
import statistics, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
if rows:
    ms = sorted(1000 * r[2] for r in rows)
    forced, changed = sum(r[0] for r in rows), sum(r[1] for r in rows)
    print("one offering, %d draws: engine_ms median %.0f, max %.0f; changed/forced %.2f"
          % (len(rows), statistics.median(ms), ms[-1], changed / forced if forced else 0))
PY
    echo "engine_ms: planning time inside regio-planner; total_ms adds reading and writing the JSON."
}

# 4. The spread over regions ---------------------------------------------------

# BOUND[path]: each region's own bound, computed once per run (both sections use it).
declare -A BOUND=()

# share FILE SECS [ITERS]: plan FILE (SECS 0: the default budget; ITERS > 0:
# that many iterations instead), check it, and set SHARE (the score as a
# percentage of the region's bound, which the first plan of FILE computes in
# bound_seconds), SHARE_S (plan seconds) and SHARE_PRICED (prices_used).
# Not in $(...): the bound cache must persist.
share() {
    local f=$1 secs=$2 iters=${3:-0} out=$BENCH_TMP/share.txt n bs score
    local args=(--solve "$f" --out "$BENCH_TMP/share.json" --threads "$THREADS" --seed "$SEED"
                --seconds "$secs" --iterations "$iters")
    if [ -z "${BOUND[$f]:-}" ]; then
        n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["learners"]))' "$f")
        bs=$(bound_seconds "$n")
        "$PLANNER" "${args[@]}" --bound --bound-seconds "$bs" >"$out"
        BOUND[$f]=$(val "$out" bound)
        [[ ${BOUND[$f]} =~ ^[0-9.]+$ ]] || die "no bound for $f: $(cat "$out")"
    else
        "$PLANNER" "${args[@]}" >"$out"
    fi
    score=$(checked "$f" "$BENCH_TMP/share.json")
    SHARE=$(python3 -c "print('%.2f' % (100 * $score / ${BOUND[$f]}))")
    SHARE_S=$(val "$out" plan_seconds)
    SHARE_PRICED=$(val "$out" prices_used)
}

# spread_region N SEED: the rpp-1 region of N learners and that seed; prints its path.
spread_region() {
    local f=$BENCH_TMP/spread-$1-$2.json
    [ -f "$f" ] || "$GEN" --learners "$1" --seed "$2" --out "$f"
    echo "$f"
}

section_spread() {
    say "spread: planner seed $SEED in regions of seeds $SEED..$((SEED + SPREAD_REGIONS - 1)), as a share of each region's bound"
    local spec n secs k f priced
    for spec in $SPREAD; do
        n=${spec%@*}
        secs=0
        [ "$spec" = "$n" ] || secs=${spec#*@}
        local shares=()
        priced=0
        for ((k = 0; k < SPREAD_REGIONS; k++)); do
            f=$(spread_region "$n" $((SEED + k)))
            share "$f" "$secs"
            shares+=("$SHARE")
            if [ "$SHARE_PRICED" = 1 ]; then priced=$((priced + 1)); fi
        done
        python3 - "$spec" "$priced" "${shares[@]}" <<'PY'
import sys
spec, priced, v = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3:]]
print("%-10s %% of bound: %s  mean %.2f, lowest %.2f, at 97%% or more: %d of %d (priced: %s)"
      % (spec, " ".join("%.2f" % x for x in v), sum(v) / len(v), min(v),
         sum(x >= 97 for x in v), len(v), priced))
PY
    done
}

# 5. rpp-2 beside rpp-1 ------------------------------------------------------------
section_rpp2() {
    local budget="the default budget"
    [ "$RPP2_ITERS" = 0 ] || budget="$RPP2_ITERS iterations"
    say "rpp-2: regions of seeds $SEED..$((SEED + RPP2_REGIONS - 1)) with regio-gen $RPP2_DECIDE, beside the rpp-1 region of the same seed; planner seed $SEED, $THREADS threads, $budget"
    local spec n secs k rs f1 f2 a b decided
    for spec in $RPP2; do
        n=${spec%@*}
        secs=0
        [ "$spec" = "$n" ] || secs=${spec#*@}
        printf '%-10s %5s %9s %9s %8s %8s %6s %10s %13s\n' size region rpp1_pct rpp2_pct rpp1_s \
            rpp2_s pins forbidden reservations
        local rows=$BENCH_TMP/rpp2-rows.txt
        : >"$rows"
        for ((k = 0; k < RPP2_REGIONS; k++)); do
            rs=$((SEED + k))
            f1=$(spread_region "$n" "$rs")
            f2=$BENCH_TMP/rpp2-$n-$rs.json
            # shellcheck disable=SC2086
            [ -f "$f2" ] || "$GEN" --learners "$n" --seed "$rs" $RPP2_DECIDE --out "$f2"
            decided=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get("pins",[])), len(d.get("forbidden",[])), len(d.get("reservations",[])))' "$f2")
            share "$f1" "$secs" "$RPP2_ITERS"
            a="$SHARE $SHARE_S"
            share "$f2" "$secs" "$RPP2_ITERS"
            b="$SHARE $SHARE_S"
            echo "$a $b" >>"$rows"
            # shellcheck disable=SC2086
            printf '%-10s %5s %9s %9s %8s %8s %6s %10s %13s\n' "$spec" "$rs" "${a%% *}" "${b%% *}" \
                "${a##* }" "${b##* }" $decided
        done
        python3 - "$spec" "$rows" <<'PY'
import sys
spec, rows = sys.argv[1], [list(map(float, l.split())) for l in open(sys.argv[2])]
for name, i in (("rpp-1", 0), ("rpp-2", 2)):
    v = [r[i] for r in rows]
    s = [r[i + 1] for r in rows]
    print("%-10s %s: %% of bound mean %.2f, lowest %.2f, at 97%% or more: %d of %d; plan seconds mean %.2f"
          % (spec, name, sum(v) / len(v), min(v), sum(x >= 97 for x in v), len(v), sum(s) / len(s)))
PY
    done
}

section_sizes
[ "$DO_CBC" = 1 ] && section_cbc
[ "$DO_REPLAN" = 1 ] && section_replan
[ -n "$SPREAD" ] && section_spread
[ -n "$RPP2" ] && section_rpp2
exit 0
