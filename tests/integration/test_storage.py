"""Storage faults are clear, never fatal, never silent.

A full disk (a small tmpfs, mounted here when we are root) and a failing
one (faultfs: writes to data.mdb fail with EIO while a trigger file
exists): refused writes are answered STORAGE_FULL, or INTERNAL with a reason
that names the OS error; the service stays up, logs the burst once (not per
request) and again when writes succeed; nothing acknowledged is lost and
nothing refused was written; when space returns, writes go through again,
and the store still passes its check after a clean stop.

(The LMDB map cap, MDB_MAP_FULL, is test_crash.MapFull.)"""
import json
import os
import re
import subprocess
import tempfile
import time
import unittest

from cluster import BIN, Cluster, wait_for

FAULTFS = os.environ.get("REGIO_FAULTFS", os.path.join(BIN, "..", "tests", "libregio_faultfs.so"))


def capacity_seq(c):
    m = re.search(r"^capacity\s+up\s+seq=(\d+)", c.ctl("status", check=False).stdout, re.M)
    return int(m.group(1)) if m else None


def load(c, region, n, run, timeout_s=30):
    r = subprocess.run([os.path.join(BIN, "regio-load"), "--keys", c.keys, "--instance", region,
                        "--updates", str(n), "--run", run, "--capacity", c.ep["capacity"],
                        "--timeout-s", str(timeout_s)],
                       capture_output=True, text=True, timeout=300)
    return r, json.loads(r.stdout.strip().splitlines()[-1])


class StorageFaults(unittest.TestCase):
    def _lines(self, c, what):
        return [l for l in c.log("capacity").splitlines() if what in l]

    def _survives(self, c, region, base, applied, fail_reason):
        """After a burst of refused writes: up, one log line, an alarm, the
        acknowledged ones kept; then writes work again and the burst ends."""
        self.assertEqual(capacity_seq(c), base + applied, "acked kept, refused not written")
        self.assertEqual(len(self._lines(c, 'msg="store writes failing"')), 1, "logged once per burst")
        self.assertRegex(self._lines(c, 'msg="store writes failing"')[0], fail_reason)
        self.assertEqual([l for l in c.log("capacity").splitlines() if "not applied" in l], [],
                         "no line per request")
        self.assertIn("alarm store writes", c.ctl("status", "capacity").stdout)

    def _recovers(self, c, region, seq):
        r, st = load(c, region, 3000, "after")
        self.assertEqual(r.returncode, 0, r.stderr[-1000:])
        self.assertEqual(capacity_seq(c), seq + 3000)
        wait_for(lambda: self._lines(c, 'msg="store writes succeed again"'), timeout=15,
                 what="the end of the burst to be logged")
        self.assertNotIn("alarm", c.ctl("status", "capacity").stdout)
        # the store is whole: a clean stop seals it, the next start verifies it
        self.assertEqual(c.stop("capacity"), 0)
        c.start("capacity")
        self.assertEqual(capacity_seq(c), seq + 3000)
        self.assertRegex(c.log("capacity"), r'msg="store checked".* verified=yes')

    def test_full_disk_answers_storage_full_and_recovers_when_space_returns(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a tmpfs needs root")
        mnt = tempfile.mkdtemp(prefix="regio-full-")
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt]).returncode != 0:
            self.skipTest("cannot mount a tmpfs here")
        c = Cluster(extra={"capacity": ["--db", os.path.join(mnt, "capacity")]})
        try:
            c.start()
            region = c.import_region(100, 5)
            base = capacity_seq(c)
            r, st = load(c, region, 40000, "full")
            self.assertNotEqual(r.returncode, 0)
            self.assertGreater(st["failed"], 0, "the disk filled up")
            self.assertIn("storage full", r.stderr)
            self.assertRegex(r.stderr, r"(No space left on device|Input/output error).*KiB left")
            self._survives(c, region, base, st["applied"], "storage full")
            subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True)
            self._recovers(c, region, base + st["applied"])
        finally:
            c.close()
            subprocess.run(["umount", mnt])
            os.rmdir(mnt)

    def _faulty(self, fault, service="capacity"):
        """A cluster whose service runs with faultfs, a region in it, the
        capacity seq; then writes to that service's data.mdb fail with fault."""
        self.trigger = tempfile.mktemp(prefix="regio-fault-")
        self.addCleanup(lambda: os.path.exists(self.trigger) and os.remove(self.trigger))
        c = Cluster()
        self.addCleanup(c.close)
        c.svc_env[service] = {"LD_PRELOAD": FAULTFS, "REGIO_FAULT_FILE": self.trigger}
        c.start()
        region = c.import_region(100, 5)
        base = capacity_seq(c)
        with open(self.trigger, "w") as f:
            f.write(fault)
        return c, region, base

    def test_failing_disk_answers_internal_naming_the_os_error_and_recovers(self):
        c, region, base = self._faulty("EIO")
        r, st = load(c, region, 2000, "eio")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(st["applied"], 0)
        self.assertGreater(st["failed"], 0)
        self.assertRegex(r.stderr, r"storage error: Input/output error writing .*data\.mdb")
        self.assertNotIn("storage full", r.stderr, "a bad disk with room is no full disk")
        self._survives(c, region, base, 0, "Input/output error")
        os.remove(self.trigger)
        self._recovers(c, region, base)

    def test_a_failed_meta_page_write_stops_the_service_with_status_1_and_a_restart_recovers(self):
        # LMDB gives an environment up (MDB_PANIC) when its meta page cannot
        # be written: no later transaction can succeed, so the service stops
        # with one line and status 1 for its supervisor to restart it
        c, region, base = self._faulty("EIO-META")
        r, st = load(c, region, 200, "meta", timeout_s=3)
        self.assertEqual(st["applied"], 0)
        proc = c.procs.pop("capacity")
        self.assertEqual(proc.wait(timeout=30), 1)
        lines = [l for l in c.log("capacity").splitlines() if " ERROR " in l]
        self.assertEqual(len([l for l in lines if "store unusable, stopping" in l]), 1, lines)
        self.assertIn("MDB_PANIC", lines[-1])
        os.remove(self.trigger)
        c.start("capacity")
        self.assertEqual(capacity_seq(c), base, "the refused writes left nothing behind")
        r, st = load(c, region, 1000, "again")
        self.assertEqual(r.returncode, 0, r.stderr[-1000:])
        self.assertEqual(capacity_seq(c), base + 1000)

    def test_a_notifier_that_cannot_write_gets_every_change_once_it_can(self):
        c, region, base = self._faulty("ENOSPC", "notifier")
        c.ctl("plan", "--full")
        wait_for(lambda: "refused a batch" in c.log("planner"), timeout=20, what="a refused batch")
        time.sleep(5)  # the planner resends every 2 s meanwhile
        planner_log = c.log("planner")
        self.assertEqual(planner_log.count("notifier refused a batch"), 1, "logged once, not per resend")
        self.assertIn("No space left on device", planner_log)
        self.assertEqual(c.log("notifier").count('msg="store writes failing"'), 1)
        os.remove(self.trigger)
        total = c.delivered_seq()
        wait_for(lambda: "notifier takes batches again" in c.log("planner"), timeout=10, what="the end")
        _, sol, _, _ = c.export()
        r = c.ctl("subscribe", "all", "--from", "0", "--json", "--count", str(total), "--timeout-ms", "5000")
        log = [json.loads(x) for x in r.stdout.splitlines()]
        self.assertEqual([n["seq"] for n in log], list(range(1, total + 1)))
        got = {}
        for n in log:
            if n["topic"].startswith("learner/"):
                got[(n["learner"], n["period"])] = n["offering"]
                if n["kind"] == "cancelled":
                    del got[(n["learner"], n["period"])]
        self.assertEqual(got, {(p["learner"], p["period"]): p["offering"] for p in sol["placements"]})


if __name__ == "__main__":
    unittest.main(verbosity=2)
