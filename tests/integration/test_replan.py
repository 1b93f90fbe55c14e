"""Replanning after a company cancels: only what the change forces moves,
and the affected learners' subscribers are told why."""
import collections
import json
import os
import unittest

from cluster import Cluster, check, wait_for
from test_cluster import placements_by_key


class Replan(unittest.TestCase):
    def test_capacity_cancel_moves_only_affected_learners_and_notifies_them(self):
        # closing the busiest offering of this small region cancels about 5% of
        # the plan, where the cancel guard (test_guard.py) would hold the round
        c = Cluster(extra={"planner": ["--max-cancel-share", "0.2"]}).start()
        try:
            c.import_region(400, 3)
            c.ctl("plan", "--full")
            inst, sol1, _, _ = c.export()
            before = placements_by_key(sol1)
            busiest = collections.Counter((p["offering"], p["period"]) for p in sol1["placements"])
            (offering, period), n = busiest.most_common(1)[0]
            self.assertGreater(n, 0)
            hit = {k for k, v in before.items() if v[0] == offering and k[1] == period}
            c.ctl("capacity", "set", offering, period, "0,0,0,0,0,0,0,0,0,0")

            def replanned():
                _, sol, _, _ = c.export()
                now = placements_by_key(sol)
                return now if all(now.get(k, (None,))[0] != offering for k in hit) else None

            after = wait_for(replanned, timeout=60, what="the automatic replan")
            _, _, ipath, spath = c.export()
            rep = check(ipath, spath)
            self.assertTrue(rep["feasible"], rep["errors"])
            changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
            self.assertTrue(hit <= changed)
            # calm replanning: few placements beyond the forced ones move
            self.assertLessEqual(len(changed), 2 * len(hit) + 5, f"forced {len(hit)}, changed {len(changed)}")
            # each affected learner's subscriber hears why
            lid = sorted(hit)[0][0]
            r = c.ctl("subscribe", f"learner/{lid}", "--from", "0", "--timeout-ms", "1500", "--json",
                      check=False)
            reasons = [json.loads(x)["reason"] for x in r.stdout.splitlines()]
            self.assertTrue(any(f"capacity changed at {offering}" in x for x in reasons), reasons)
        finally:
            c.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
