"""Crashes lose nothing: SIGKILL the capacity service again and again under
load, and a subscriber in the middle of a stream; afterwards every update is
applied exactly once and every notification was seen once, in order."""
import json
import os
import re
import signal
import subprocess
import unittest

from cluster import BIN, TINY, Cluster, wait_for


def capacity_seq(c):
    r = c.ctl("status", check=False)
    m = re.search(r"^capacity\s+up\s+seq=(\d+)", r.stdout, re.M)
    return int(m.group(1)) if m else None


class Crash(unittest.TestCase):
    def setUp(self):
        self.c = Cluster().start()
        self.region = self.c.import_region(300, 11)

    def tearDown(self):
        self.c.close()

    def test_capacity_killed_under_load_applies_every_update_exactly_once(self):
        base = capacity_seq(self.c)
        expect = os.path.join(self.c.dir, "expect.json")
        n = 100000
        load = subprocess.Popen([os.path.join(BIN, "regio-load"), "--keys", self.c.keys, "--instance", self.region,
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
        total = self.c.delivered_seq()
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
            region = c.import_region(100, 5)
            base = capacity_seq(c)
            r = subprocess.run([os.path.join(BIN, "regio-load"), "--keys", c.keys, "--instance", region, "--updates", "40000",
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
            r = subprocess.run([os.path.join(BIN, "regio-load"), "--keys", c.keys, "--instance", region, "--updates", "5000",
                                "--run", "again", "--capacity", c.ep["capacity"]],
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr[-1000:])
            self.assertEqual(capacity_seq(c), base + stats["applied"] + 5000)
        finally:
            c.close()



class Overload(unittest.TestCase):
    def test_full_queue_answers_busy_and_the_client_backs_off_until_all_are_applied(self):
        # a tiny queue and one update per transaction: a burst must overflow it
        c = Cluster(extra={"capacity": ["--queue-max", "16", "--batch-max", "1"]}).start()
        try:
            region = c.import_region(200, 9)
            base = capacity_seq(c)
            r = subprocess.run([os.path.join(BIN, "regio-load"), "--keys", c.keys, "--instance", region, "--updates", "4000",
                                "--clients", "8", "--batch", "1", "--run", "burst",
                                "--capacity", c.ep["capacity"]], capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr[-1000:])
            stats = json.loads(r.stdout.strip().splitlines()[-1])
            self.assertGreater(stats["busy"], 0, "the service said BUSY instead of queueing without bound")
            self.assertEqual(stats["applied"] + stats["duplicates"], 4000)
            self.assertEqual(capacity_seq(c), base + 4000)
            status = c.ctl("status").stdout
            self.assertRegex(status, r"capacity .* busy=[1-9]")
        finally:
            c.close()


class Retention(unittest.TestCase):
    def test_trimmed_history_answers_snapshot_needed_and_recent_history_replays(self):
        c = Cluster(extra={"notifier": ["--retain-max", "50"]}).start()
        try:
            c.ctl("import", TINY)
            # enough placement changes to pass the cap: plan, then replan after withdrawals
            c.ctl("plan", "--full")
            for o in ("o1", "o2", "o3"):
                c.ctl("withdraw", o)
            c.wait_mirrors()
            c.ctl("plan")
            total = c.delivered_seq()
            self.assertGreater(total, 0)
            c.stop("notifier")
            c.flags["notifier"] = c.flags["notifier"][:-2] + ["--retain-max", "2"]
            c.start("notifier")
            gone = wait_for(lambda: c.ctl("subscribe", "all", "--from", "0", "--count", "1",
                                          "--timeout-ms", "500", check=False).returncode == 3,
                            timeout=30, what="the log to be trimmed")
            self.assertTrue(gone)
            r = c.ctl("subscribe", "all", "--from", "0", "--count", "1", "--timeout-ms", "500", check=False)
            self.assertIn("snapshot", (r.stderr + r.stdout).lower())
            r = c.ctl("subscribe", "all", "--from", str(total - 2), "--count", "2", "--json",
                      "--timeout-ms", "3000")
            self.assertEqual([json.loads(x)["seq"] for x in r.stdout.splitlines()], [total - 1, total])
        finally:
            c.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
