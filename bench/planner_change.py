#!/usr/bin/env python3
"""Write an rpp-1-change for a replanning benchmark (regio bench/planner.sh).

usage: planner_change.py INSTANCE.json SOLUTION.json OUT.json [--withdraw SHARE] [--one]
                         [--pin N] [--seed S]

Withdraws a share (default 0.01) of the offerings, chosen at random among
those the solution uses, or with --one a single used offering; --pin N pins
the first N periods (they happened already), and offerings are then chosen
by their use in the other periods.
"""
import json
import random
import sys


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    opts = {}
    i = 0
    while i < len(argv):
        if argv[i] in ("--withdraw", "--pin", "--seed"):
            opts[argv[i]] = argv[i + 1]
            args.remove(argv[i + 1])
            i += 2
        else:
            opts[argv[i]] = True if argv[i].startswith("--") else None
            i += 1
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    inst, sol = json.load(open(args[0])), json.load(open(args[1]))
    pin = int(opts.get("--pin", 0))
    pinned = [p["id"] for p in inst["periods"][:pin]]
    used = sorted({p["offering"] for p in sol["placements"] if p["period"] not in pinned})
    rnd = random.Random(int(opts.get("--seed", 1)))
    if "--one" in opts:
        n = 1
    else:
        n = max(1, round(float(opts.get("--withdraw", 0.01)) * len(inst["offerings"])))
    chosen = rnd.sample(used, min(n, len(used)))
    change = {"format": "rpp-1-change", "instance": inst.get("name", ""),
              "pinned_periods": pinned, "capacity": [], "withdrawn_offerings": chosen}
    with open(args[2], "w") as f:
        json.dump(change, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
