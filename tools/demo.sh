#!/usr/bin/env bash
# demo - the region end to end: start the cluster, import a generated region,
# plan it, let company systems change and cancel availability, and show what
# a school coordinator and a school's subscriber see. Called by `./regio demo`.
#
#   ./regio demo [--keep] [--learners N] [--seed S]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${REGIO_BUILD_DIR:-$ROOT/build}/bin
SHARED=${REGIO_SHARED:-$ROOT/../shared}
LEARNERS=2000
SEED=42
KEEP=0
while [ $# -gt 0 ]; do
    case $1 in
    --keep) KEEP=1 ;;
    --learners) LEARNERS=$2; shift ;;
    --seed) SEED=$2; shift ;;
    *) echo "demo: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

# The demo has its own data and ports, so it never touches a cluster from `./regio up`.
export REGIO_VAR=$ROOT/var/demo REGIO_PORT_BASE=${REGIO_PORT_BASE:-7500}
rm -rf "$REGIO_VAR"
mkdir -p "$REGIO_VAR"
"$ROOT/regio" up >/dev/null
b=$REGIO_PORT_BASE
export REGIO_REGISTRY=tcp://127.0.0.1:$((b + 1)) REGIO_CAPACITY=tcp://127.0.0.1:$((b + 11))
export REGIO_PLANNER=tcp://127.0.0.1:$((b + 21)) REGIO_NOTIFIER=tcp://127.0.0.1:$((b + 31))
export REGIO_NOTIFIER_FEED=tcp://127.0.0.1:$((b + 32))
SUB_PID=""
cleanup() {
    [ -n "$SUB_PID" ] && kill "$SUB_PID" 2>/dev/null || true
    if [ "$KEEP" = 0 ]; then "$ROOT/regio" down >/dev/null; else
        echo; echo "cluster left running (--keep): REGIO_VAR=$REGIO_VAR REGIO_PORT_BASE=$b ./regio down"; fi
}
trap cleanup EXIT

h() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl() { "$BIN/regioctl" "$@"; }

h "1. A region of $LEARNERS learners (regio-gen --seed $SEED)"
"$BIN/regio-gen" --learners "$LEARNERS" --seed "$SEED" --name "demo-region" >"$REGIO_VAR/region.json"
/usr/bin/python3 - "$REGIO_VAR/region.json" <<'PY'
import collections, json, sys
r = json.load(open(sys.argv[1]))
kinds = collections.Counter(p["kind"] for p in r["partners"])
forms = collections.Counter(o["form"] for o in r["offerings"])
print(f"  {len(r['learners'])} learners from {len({l['school'] for l in r['learners']})} schools, "
      f"{len(r['partners'])} partners, {len(r['offerings'])} offerings, {len(r['periods'])} periods")
print("  partners by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
print("  offerings by form: " + ", ".join(f"{k} {n}" for k, n in forms.most_common()))
PY

h "2. Import through the services' real interfaces (registry, capacity, planner)"
ctl import "$REGIO_VAR/region.json"

SCHOOL=s1
h "3. School $SCHOOL's system subscribes to topic school/$SCHOOL, with its own key"
SCHOOL_KEY=${REGIO_KEYS:-var/keys}/school-$SCHOOL.key
[ -f "$SCHOOL_KEY" ] || ctl keys new "school-$SCHOOL" --role "school:$SCHOOL" >/dev/null
"$ROOT/regio" reload >/dev/null
for _ in $(seq 1 100); do ctl --key "$SCHOOL_KEY" status notifier >/dev/null 2>&1 && break; sleep 0.1; done
echo "  key school-$SCHOOL (role school:$SCHOOL): the feed sends it only its school's notifications"
ctl --key "$SCHOOL_KEY" subscribe "school/$SCHOOL" --from 0 --json --count 1000000 --timeout-ms 600000 \
    >"$REGIO_VAR/school.jsonl" 2>"$REGIO_VAR/school.err" &
SUB_PID=$!
echo "  subscriber running (pid $SUB_PID), writing $REGIO_VAR/school.jsonl"

h "4. Plan the whole region"
ctl plan --full
ctl export --instance "$REGIO_VAR/plan-instance.json" --solution "$REGIO_VAR/plan-1.json" >/dev/null
printf '  checked by rpp_check.py: '
python3 "$SHARED/tools/rpp_check.py" "$REGIO_VAR/plan-instance.json" "$REGIO_VAR/plan-1.json" | tail -n 1

h "5. Company systems change availability"
mapfile -t CHANGES < <(/usr/bin/python3 - "$REGIO_VAR/plan-1.json" <<'PY'
import collections, json, sys
s = json.load(open(sys.argv[1]))
seen = set()
for (o, p), n in collections.Counter((p["offering"], p["period"]) for p in s["placements"]).most_common():
    if o not in seen and len(seen) < 3:
        seen.add(o)
        print(o, p, n)
PY
)
read -r o1 p1 n1 <<<"${CHANGES[0]}"
read -r o2 p2 n2 <<<"${CHANGES[1]}"
read -r o3 p3 n3 <<<"${CHANGES[2]}"
echo "  $o1 cancels all seats in $p1 ($n1 learners placed there):"
ctl capacity set "$o1" "$p1" 0,0,0,0,0,0,0,0,0,0
echo "  $o2 halves its seats in $p2 ($n2 learners placed there):"
/usr/bin/python3 - "$REGIO_VAR/plan-instance.json" "$o2" "$p2" >"$REGIO_VAR/seats" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
o = next(o for o in r["offerings"] if o["id"] == sys.argv[2])
print(",".join(str(c // 2) for c in o["capacity"][sys.argv[3]]))
PY
ctl capacity set "$o2" "$p2" "$(cat "$REGIO_VAR/seats")"
echo "  $o3 closes on a single day at short notice (no weekly seats change):"
ctl capacity close "$o3" 2026-12-07 day --reason "inventory count"
echo "  the registry withdraws an offering:"
o4=$(/usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(s['placements'][len(s['placements'])//2]['offering'])" "$REGIO_VAR/plan-1.json")
ctl withdraw "$o4"

h "6. Replan (the planner also replans by itself on these changes)"
ctl plan
ctl export --instance "$REGIO_VAR/plan-instance-2.json" --solution "$REGIO_VAR/plan-2.json" >/dev/null
printf '  checked by rpp_check.py: '
python3 "$SHARED/tools/rpp_check.py" "$REGIO_VAR/plan-instance-2.json" "$REGIO_VAR/plan-2.json" | tail -n 1
/usr/bin/python3 - "$REGIO_VAR/plan-1.json" "$REGIO_VAR/plan-2.json" <<'PY'
import json, sys
a = {(p["learner"], p["period"]): (p["offering"], sorted(p["slots"])) for p in json.load(open(sys.argv[1]))["placements"]}
b = {(p["learner"], p["period"]): (p["offering"], sorted(p["slots"])) for p in json.load(open(sys.argv[2]))["placements"]}
changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
print(f"  {len(changed)} of {len(a)} placements changed; the first ones:")
for k in changed[:8]:
    was = f"{a[k][0]} slots {a[k][1]}" if k in a else "-"
    now = f"{b[k][0]} slots {b[k][1]}" if k in b else "cancelled"
    print(f"    {k[0]:>6} {k[1]}: {was:<28} -> {now}")
PY

h "7. What school $SCHOOL's subscriber received"
deadline=$((SECONDS + 10))
want=$(/usr/bin/python3 - "$REGIO_VAR" "$SCHOOL" <<'PY'
import json, sys, os
v, school = sys.argv[1], sys.argv[2]
inst = json.load(open(os.path.join(v, "plan-instance-2.json")))
mine = {l["id"] for l in inst["learners"] if l["school"] == school}
a = {(p["learner"], p["period"]): p for p in json.load(open(os.path.join(v, "plan-1.json")))["placements"] if p["learner"] in mine}
b = {(p["learner"], p["period"]): p for p in json.load(open(os.path.join(v, "plan-2.json")))["placements"] if p["learner"] in mine}
print(len(a) + sum(1 for k in set(a) | set(b) if a.get(k) != b.get(k)))
PY
)
while [ "$(wc -l <"$REGIO_VAR/school.jsonl")" -lt "$want" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
/usr/bin/python3 - "$REGIO_VAR/school.jsonl" <<'PY'
import collections, json, sys
ns = [json.loads(x) for x in open(sys.argv[1]) if x.strip()]
kinds = collections.Counter(n["kind"] for n in ns)
print(f"  {len(ns)} notifications, topic_seq 1..{ns[-1]['topic_seq'] if ns else 0} without gaps: "
      f"{[n['topic_seq'] for n in ns] == list(range(1, len(ns) + 1))}")
print("  " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
for n in [n for n in ns if n["kind"] != "created"][:6]:
    print(f"    #{n['topic_seq']} {n['kind']:<9} {n['learner']} {n['period']} {n.get('old_offering') or '-'} -> "
          f"{n['offering'] or '-'}  ({n['reason']})")
PY

h "8. Cluster status"
ctl status
