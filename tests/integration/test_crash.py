"""Crashes lose nothing: SIGKILL the capacity service again and again under
load, and a subscriber in the middle of a stream; afterwards every update is
applied exactly once and every notification was seen once, in order."""
import json
import os
import re
import signal
import subprocess
import unittest

from cluster import BIN, Cluster, wait_for


def capacity_seq(c):
    r = c.ctl("status", check=False)
    m = re.search(r"^capacity\s+up\s+seq=(\d+)", r.stdout, re.M)
    return int(m.group(1)) if m else None


class Crash(unittest.TestCase):
    def setUp(self):
        self.c = Cluster().start()
        gen = subprocess.run([os.path.join(BIN, "regio-gen"), "--learners", "300", "--seed", "11"],
                             capture_output=True, text=True, check=True)
        self.region = os.path.join(self.c.dir, "region.json")
        with open(self.region, "w") as f:
            f.write(gen.stdout)
        self.c.ctl("import", self.region)

    def tearDown(self):
        self.c.close()

    def test_capacity_killed_under_load_applies_every_update_exactly_once(self):
        base = capacity_seq(self.c)
        expect = os.path.join(self.c.dir, "expect.json")
        n = 100000
        load = subprocess.Popen([os.path.join(BIN, "regio-load"), "--instance", self.region,
                                 "--updates", str(n), "--clients", "4", "--run", "crash",
                                 "--capacity", self.c.ep["capacity"], "--expect", expect],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        kills = 0
        last = base
        for _ in range(4):
            # wait until the load has made progress since the last crash, then crash again
            seen = wait_for(lambda: (s := capacity_seq(self.c)) is not None and s >= last + 12000 and s
                            or load.poll() is not None and -1, timeout=120, what="load progress")
            if seen == -1:
                break
            self.c.kill("capacity")
            kills += 1
            self.c.start("capacity")
            last = capacity_seq(self.c)
        out, err = load.communicate(timeout=600)
        self.assertEqual(load.returncode, 0, err[-2000:])
        stats = json.loads(out.strip().splitlines()[-1])
        self.assertGreaterEqual(kills, 3, "the service was really killed several times")
        self.assertEqual(stats["applied"] + stats["duplicates"], n)
        self.assertEqual(stats["failed"], 0)
        # exactly once: every applied update advanced the change sequence by one
        self.assertEqual(capacity_seq(self.c), base + n)
        with open(expect) as f:
            want = json.load(f)["rows"]
        inst, _, _, _ = self.c.export()
        got = {}
        for o in inst["offerings"]:
            for period, seats in o.get("capacity", {}).items():
                got[f"{o['id']}|{period}"] = seats
        for key, row in want.items():
            self.assertEqual(got.get(key), row["seats"], key)

    def test_subscriber_killed_midstream_resumes_without_gaps_or_duplicates(self):
        self.c.ctl("plan", "--full")
        total = int(re.search(r"^notifier\s+up\s+seq=(\d+)", self.c.ctl("status").stdout, re.M).group(1))
        self.assertGreater(total, 100)
        seen = []
        after = 0
        while len(seen) < total:
            # a subscriber that gets killed after a while, and resumes from what it has
            p = subprocess.Popen([os.path.join(BIN, "regioctl"), "subscribe", "all", "--from", str(after),
                                  "--json", "--count", str(total - len(seen)), "--timeout-ms", "5000"],
                                 env=self.c.env, stdout=subprocess.PIPE, text=True)
            lines = []
            for line in p.stdout:
                lines.append(json.loads(line))
                if len(lines) == 97:
                    p.send_signal(signal.SIGKILL)
                    break
            p.stdout.close()
            p.wait()
            self.assertTrue(lines, "the subscriber made progress")
            seen += [n["seq"] for n in lines]
            after = seen[-1]
        self.assertEqual(seen, list(range(1, total + 1)), "every notification once, in order")

    def test_notifier_down_while_planning_gets_every_change_from_the_outbox(self):
        self.c.kill("notifier")
        self.c.ctl("plan", "--full")
        _, sol, _, _ = self.c.export()
        self.c.start("notifier")
        n = len(sol["placements"])
        r = self.c.ctl("subscribe", "all", "--from", "0", "--json", "--timeout-ms", "10000",
                       "--count", str(3 * n), check=False)
        created = {}
        for line in r.stdout.splitlines():
            x = json.loads(line)
            if x["topic"].startswith("learner/"):
                created[(x["learner"], x["period"])] = (x["offering"], sorted(x["slots"]))
        want = {(p["learner"], p["period"]): (p["offering"], sorted(p["slots"])) for p in sol["placements"]}
        self.assertEqual(created, want)


class MapFull(unittest.TestCase):
    def test_full_map_answers_storage_full_keeps_data_and_recovers_with_room(self):
        c = Cluster(extra={"capacity": ["--map-mb", "1", "--map-max-mb", "2"]}).start()
        try:
            gen = subprocess.run([os.path.join(BIN, "regio-gen"), "--learners", "100", "--seed", "5"],
                                 capture_output=True, text=True, check=True)
            region = os.path.join(c.dir, "region.json")
            with open(region, "w") as f:
                f.write(gen.stdout)
            c.ctl("import", region)
            base = capacity_seq(c)
            r = subprocess.run([os.path.join(BIN, "regio-load"), "--instance", region, "--updates", "40000",
                                "--run", "full", "--capacity", c.ep["capacity"]],
                               capture_output=True, text=True, timeout=600)
            stats = json.loads(r.stdout.strip().splitlines()[-1])
            self.assertNotEqual(r.returncode, 0)
            self.assertGreater(stats["failed"], 0, "the map filled up")
            self.assertIn("storage full", r.stderr)
            self.assertEqual(capacity_seq(c), base + stats["applied"], "refused updates wrote nothing")
            # space comes back: the operator restarts with a larger cap; nothing was lost
            c.stop("capacity")
            c.flags["capacity"] = c.flags["capacity"] + ["--map-max-mb", "256"]
            c.start("capacity")
            self.assertEqual(capacity_seq(c), base + stats["applied"])
            r = subprocess.run([os.path.join(BIN, "regio-load"), "--instance", region, "--updates", "5000",
                                "--run", "again", "--capacity", c.ep["capacity"]],
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr[-1000:])
            self.assertEqual(capacity_seq(c), base + stats["applied"] + 5000)
        finally:
            c.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
