"""The capacity service through regioctl and regio-load: one version clock
(unix ms) for every tool, duplicates, resets, closures and reopening."""
import json
import os
import subprocess
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
        r = subprocess.run([os.path.join(BIN, "regio-load"), "--instance", TINY, "--updates", str(n),
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


if __name__ == "__main__":
    unittest.main()
