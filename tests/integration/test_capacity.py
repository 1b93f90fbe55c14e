"""The capacity service through regioctl and regio-load: one version clock
(unix ms) for every tool, duplicates, resets, closures and reopening."""
import json
import os
import subprocess
import time
import unittest

from cluster import BIN, TINY, Cluster


class Capacity(unittest.TestCase):
    def setUp(self):
        self.c = Cluster().start()
        self.c.ctl("import", TINY)

    def tearDown(self):
        codes = self.c.close()
        self.assertEqual(codes, {s: 0 for s in codes}, "every service stops cleanly with exit 0")

    def load(self, n, run):
        r = subprocess.run([os.path.join(BIN, "regio-load"), "--keys", self.c.keys, "--instance", TINY, "--updates", str(n),
                            "--run", run, "--capacity", self.c.ep["capacity"]],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-1000:])
        return json.loads(r.stdout.strip().splitlines()[-1])

    def test_after_a_load_run_regioctl_set_and_import_still_win(self):
        self.assertEqual(self.load(500, "first")["applied"], 500)
        # regio-load and regioctl count versions on the same clock (unix ms)
        out = self.c.ctl("capacity", "set", "o1", "P1", "1,1,1,1,1,1,1,1,1,1").stdout
        self.assertIn("applied", out)
        self.c.ctl("import", TINY)
        self.assertEqual(self.load(100, "second")["applied"], 100)

    def test_reset_lets_the_next_update_win_over_a_version_from_a_clock_ahead(self):
        ahead = str(int(time.time() * 1000) + 4 * 60 * 1000)  # within the skew, minutes ahead
        self.c.ctl("capacity", "set", "o1", "P1", "2,2,2,2,2,2,2,2,2,2", "--version", ahead)
        r = self.c.ctl("capacity", "set", "o1", "P1", "1,1,1,1,1,1,1,1,1,1", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("stale_version", r.stderr)
        out = self.c.ctl("capacity", "reset", "o1", "P1").stdout
        self.assertIn("the next update wins", out)
        self.assertIn("applied", self.c.ctl("capacity", "set", "o1", "P1", "1,1,1,1,1,1,1,1,1,1").stdout)
        inst, _, _, _ = self.c.export()
        o1 = next(o for o in inst["offerings"] if o["id"] == "o1")
        self.assertEqual(o1["capacity"]["P1"], [1] * 10)

    def test_reset_of_a_key_without_seats_is_unknown_id(self):
        r = self.c.ctl("capacity", "reset", "o3", "P2", check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("unknown_id", r.stderr)
        r = self.c.ctl("capacity", "reset", "o1", "P/1", check=False)
        self.assertEqual(r.returncode, 2, "a bad period id is a usage error")

    def test_a_closed_day_can_be_opened_again(self):
        self.assertIn("closed", self.c.ctl("capacity", "close", "o1", "2026-12-07", "morning").stdout)
        out = self.c.ctl("capacity", "open", "o1", "2026-12-07", "--reason", "inventory moved").stdout
        self.assertIn("opened o1 on 2026-12-07", out)
        for bad in ("2026-02-29", "2026-12-32"):
            r = self.c.ctl("capacity", "open", "o1", bad, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)


if __name__ == "__main__":
    unittest.main()
