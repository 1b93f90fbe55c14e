"""End to end: import, plan, check with rpp_check.py, notifications, restarts."""
import collections
import json
import os
import re
import subprocess
import unittest

from cluster import BIN, TINY, Cluster, check, wait_for


def by_id(inst):
    """An instance with its lists keyed by id: list order carries no meaning."""
    out = dict(inst)
    for k in ("partners", "offerings", "learners"):
        out[k] = {x["id"]: x for x in inst[k]}
    return out


def placements_by_key(sol):
    return {(p["learner"], p["period"]): (p["offering"], sorted(p["slots"])) for p in sol["placements"]}


class TinyRegion(unittest.TestCase):
    def setUp(self):
        self.c = Cluster().start()

    def tearDown(self):
        codes = self.c.close()
        self.assertEqual(codes, {s: 0 for s in codes}, "every service stops cleanly with exit 0")

    def test_import_plan_export_is_feasible_and_matches_the_offline_solver(self):
        self.c.ctl("import", TINY)
        # import returns only once the planner's mirror holds every seat, so a
        # plan right after it plans the whole import (not a heartbeat-old copy)
        st = self.c.ctl("status").stdout
        cap = int(re.search(r"^capacity\s+up\s+seq=(\d+)", st, re.M).group(1))
        mirror = int(re.search(r"^planner\s+up\s.*upstream:.*capacity=(\d+)", st, re.M).group(1))
        self.assertGreater(cap, 0)
        self.assertEqual(mirror, cap)
        out = self.c.ctl("plan", "--full").stdout
        self.assertIn("placed", out)
        inst, sol, ipath, spath = self.c.export()
        self.assertEqual(len(inst["learners"]), 3)
        self.assertEqual(len(inst["offerings"]), 3)
        rep = check(ipath, spath)
        self.assertTrue(rep["feasible"], rep["errors"])
        self.assertGreater(rep["placements"], 0)
        # the exported instance scores the shipped solution exactly as the original does
        with open(TINY) as f:
            orig = json.load(f)
        ref = check(TINY, os.path.join(os.path.dirname(TINY), "tiny-1.solution.json"))
        again = check(ipath, os.path.join(os.path.dirname(TINY), "tiny-1.solution.json"))
        self.assertAlmostEqual(ref["score"], again["score"], places=3)
        self.assertEqual(len(orig["learners"]), len(inst["learners"]))

    def test_plan_includes_a_capacity_change_made_just_before(self):
        self.c.ctl("import", TINY)
        self.c.ctl("plan", "--full")
        _, sol, _, _ = self.c.export()
        busiest = collections.Counter((p["offering"], p["period"]) for p in sol["placements"])
        (o, per), n = busiest.most_common(1)[0]
        self.assertGreater(n, 0)
        self.c.ctl("capacity", "set", o, per, "0,0,0,0,0,0,0,0,0,0")
        self.c.ctl("plan")  # waits for the planner's copy of the capacity service first
        _, sol, _, _ = self.c.export()
        self.assertEqual([p for p in sol["placements"] if (p["offering"], p["period"]) == (o, per)], [])

    def test_plan_goes_on_with_a_warning_when_the_registry_does_not_answer(self):
        self.c.ctl("import", TINY)
        self.assertEqual(self.c.stop("registry"), 0)
        r = self.c.ctl("plan", "--full")
        self.assertIn("placed", r.stdout)
        self.assertIn("registry did not answer", r.stderr)

    def test_subscriber_sees_every_placement_of_its_school(self):
        self.c.ctl("import", TINY)
        self.c.ctl("plan", "--full")
        inst, sol, _, _ = self.c.export()
        school = {l["id"]: l["school"] for l in inst["learners"]}
        want = {k: v for k, v in placements_by_key(sol).items() if school[k[0]] == "s1"}
        r = self.c.ctl("subscribe", "school/s1", "--from", "0", "--count", str(len(want)),
                       "--timeout-ms", "5000", "--json")
        got = {}
        for line in r.stdout.splitlines():
            n = json.loads(line)
            self.assertEqual(n["topic"], "school/s1")
            key = (n["learner"], n["period"])
            if n["kind"] == "cancelled":
                got.pop(key, None)
            else:
                got[key] = (n["offering"], sorted(n["slots"]))
        self.assertEqual(got, want)

    def test_bad_input_gets_a_clear_error_and_the_service_stays_up(self):
        self.c.ctl("import", TINY)
        r = self.c.ctl("capacity", "set", "no-such-offering", "P1", "1,1,1,1,1,1,1,1,1,1", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("unknown_id", r.stderr)
        r = self.c.ctl("capacity", "set", "o1", "P1", "1,1,1", check=False)
        self.assertEqual(r.returncode, 2, "regioctl refuses a short seat list itself")
        self.assertIn("10 whole numbers", r.stderr)
        r = self.c.ctl("capacity", "set", "o1", "P9", "1,1,1,1,1,1,1,1,1,1", check=False)
        self.assertIn("unknown_id", r.stderr)
        self.assertEqual(self.c.ctl("status").returncode, 0)

    def status_seqs(self):
        out = self.c.ctl("status").stdout
        return {s: re.search(rf"^{s}\s+up\s+seq=(\d+)", out, re.M).group(1)
                for s in ("registry", "capacity", "planner")}

    def test_an_import_with_one_bad_learner_at_the_end_changes_nothing(self):
        self.c.ctl("import", TINY)
        before_inst, _, _, _ = self.c.export()
        before = self.status_seqs()
        region = os.path.join(self.c.dir, "region.json")
        with open(region, "w") as f:
            subprocess.run([os.path.join(BIN, "regio-gen"), "--learners", "60", "--seed", "4"],
                           stdout=f, check=True)
        with open(region) as f:
            inst = json.load(f)
        last = dict(inst["learners"][-1])
        bad = [dict(last, id="l-far", max_km=5000),         # reach beyond the services' bound
               dict(last, id="l/slash"),                    # not an id
               dict(last, id="l-needs", needs={f"G{i}": 1 for i in range(65)})]
        for learner in bad:
            with open(region, "w") as f:
                json.dump(dict(inst, learners=inst["learners"] + [learner]), f)
            r = self.c.ctl("import", region, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(learner["id"], r.stderr)
            self.assertIn("nothing was imported", r.stderr)
        # an id with \u0000 would read as another learner's id: refused as well
        with open(region, "w") as f:
            f.write(json.dumps(dict(inst, learners=inst["learners"] + [dict(last, id="l1\u0000x")])))
        r = self.c.ctl("import", region, check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(self.status_seqs(), before, "registry, capacity and planner wrote nothing")
        after_inst, _, _, _ = self.c.export()
        self.assertEqual(by_id(after_inst), by_id(before_inst))

    def test_malformed_frames_get_error_replies(self):
        import zmq
        ctx = zmq.Context()
        try:
            for svc in ("registry", "capacity", "planner", "notifier"):
                s = self.c.dealer(ctx, svc)
                for junk in (b"\xff\xff\xff\xff", b"", b"\x0a\x05hello"):
                    s.send(junk)
                    self.assertTrue(s.poll(5000), f"{svc} answers malformed input")
                    reply = s.recv()
                    self.assertGreater(len(reply), 0)
                s.close()
        finally:
            ctx.term()
        self.assertEqual(self.c.ctl("status").returncode, 0)


class Restarts(unittest.TestCase):
    def test_sigkill_and_restart_loses_nothing(self):
        c = Cluster().start()
        try:
            c.import_region(300, 7)
            c.ctl("plan", "--full")
            inst1, sol1, ipath, spath = c.export()
            rep = check(ipath, spath)
            self.assertTrue(rep["feasible"], rep["errors"])
            # the service plans with the same engine as the offline solver
            offline = os.path.join(c.dir, "offline.json")
            subprocess.run([os.path.join(BIN, "regio-planner"), "--solve", ipath, "--out", offline,
                            "--quiet"], check=True, capture_output=True)
            self.assertGreaterEqual(rep["score"], 0.98 * check(ipath, offline)["score"])
            for s in ("registry", "capacity", "planner", "notifier"):
                c.kill(s)
                c.start(s)
            inst2, sol2, _, _ = c.export()
            self.assertEqual(by_id(inst1), by_id(inst2), "registry, capacity and learners survive SIGKILL")
            self.assertEqual(placements_by_key(sol1), placements_by_key(sol2), "the plan survives")
            # the notifier's log still holds every placement, for every learner topic
            total = 0
            for lid in sorted({p["learner"] for p in sol1["placements"]})[:5]:
                want = {k: v for k, v in placements_by_key(sol1).items() if k[0] == lid}
                r = c.ctl("subscribe", f"learner/{lid}", "--from", "0", "--count", str(len(want)),
                          "--timeout-ms", "5000", "--json")
                got = {}
                for line in r.stdout.splitlines():
                    n = json.loads(line)
                    got[(n["learner"], n["period"])] = (n["offering"], sorted(n["slots"]))
                self.assertEqual(got, want)
                total += len(got)
            self.assertGreater(total, 0)
        finally:
            c.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
