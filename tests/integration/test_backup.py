"""Online backup and restore, with the real processes.

A cluster plans a region; then a company system floods the capacity
service with updates (regio-load) while coordinators replan from scratch,
so the planner keeps sending changes to the notifier; in the middle of it
`regioctl backup` copies every store. The backup is restored into a fresh
cluster (`./regio restore`, with REGIO_VAR pointing at its folder), which must
hold exactly what was acknowledged up to the backup's seqs: every capacity
update the load saw acknowledged with a seq up to the capacity copy's seq
(and nothing after), the registry, the learners, the plan of the planner
copy's version as the live notifier's log tells it; its followers resync
without cancelling or moving a placement, and the notifier's log is gap-free
and, once the restored planner has resent what its copy had not seen
acknowledged, tells exactly the restored plan.

The load updates offerings no learner can take (a qualification nobody
holds), so the restored planner's resync replan has nothing to change:
any cancellation or move after the restore would be the restore's fault.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from cluster import BIN, TINY, Cluster, wait_for

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FLAGS = {"planner": ["--move-margin", "1000000000"]}  # no optional moves: only forced ones


def seqs(c):
    out = c.ctl("status", check=False).stdout
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+up\s+seq=(\d+)", out, re.M)}


def unusable_offerings(region_path, out_path, n=6):
    """An instance of n offerings of one new partner that no learner can
    take (a qualification nobody holds), on the region's calendar."""
    with open(region_path) as f:
        r = json.load(f)
    o0 = r["offerings"][0]
    inst = {k: r[k] for k in ("format", "weights", "periods")}
    inst["name"] = "backup-load"
    inst["partners"] = [{"id": "pbak", "kind": "business", "name": "Backup Load", "lat": o0["lat"], "lon": o0["lon"]}]
    inst["offerings"] = [dict(o0, id=f"obak{i}", partner="pbak", qualifications=["00000"],
                              capacity={r["periods"][0]["id"]: [1] * 10}) for i in range(n)]
    inst["learners"] = []
    with open(out_path, "w") as f:
        json.dump(inst, f)


def subscribe_all(c, count):
    r = c.ctl("subscribe", "all", "--from", "0", "--json", "--count", str(count), "--timeout-ms", "10000")
    return [json.loads(x) for x in r.stdout.splitlines()]


def fold(log, upto_version=None):
    """The placements a notifier log tells: (learner, period) -> (offering, slots)."""
    plan = {}
    for n in log:
        if not n["topic"].startswith("learner/"):
            continue
        if upto_version is not None and n["plan_version"] > upto_version:
            continue
        key = (n["learner"], n["period"])
        if n["kind"] == "cancelled":
            plan.pop(key, None)
        else:
            plan[key] = (n["offering"], tuple(sorted(n["slots"])))
    return plan


def placements(sol):
    return {(p["learner"], p["period"]): (p["offering"], tuple(sorted(p["slots"]))) for p in sol["placements"]}


def capacity_rows(inst):
    return {(o["id"], p): s for o in inst["offerings"] for p, s in o.get("capacity", {}).items()}


def settle(c, timeout=60):
    """Until the planner is idle, its outbox empty and the notifier still."""
    last = [None, 0.0]

    def still():
        out = c.ctl("status", check=False).stdout
        pl = re.search(r"^planner\s+up\s.*outbox_pending=(\d+) planning=(\d+)", out, re.M)
        s = seqs(c)
        now = (s.get("planner"), s.get("notifier"), pl and pl.groups())
        if now != last[0]:
            last[0], last[1] = now, time.monotonic()
            return False
        return pl and pl.groups() == ("0", "0") and time.monotonic() - last[1] > 1.5

    wait_for(still, timeout=timeout, what="the planner and notifier to settle")


class Backup(unittest.TestCase):
    def test_backup_under_load_restores_everything_acknowledged_up_to_its_seqs(self):
        tmp = tempfile.mkdtemp(prefix="regio-backup-")
        c = Cluster(extra=FLAGS).start()
        d = None
        try:
            region = c.import_region(300, 21)
            extra = os.path.join(c.dir, "extra.json")
            unusable_offerings(region, extra)
            c.ctl("import", extra)
            c.ctl("plan", "--full")
            c.delivered_seq()
            inst0, _, _, _ = c.export()
            base = seqs(c)["capacity"]

            acks = os.path.join(tmp, "acks.txt")
            load = subprocess.Popen([os.path.join(BIN, "regio-load"), "--keys", c.keys, "--instance", extra,
                                     "--updates", "100000", "--clients", "2", "--batch", "4", "--window", "64",
                                     "--run", "bk", "--acks", acks, "--capacity", c.ep["capacity"]],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # short plans from scratch, one after the other: changes keep flowing to the notifier
            # (confirmed: a plan from scratch may cancel more than max-cancel-share of the last one)
            stop = threading.Event()
            replans = threading.Thread(target=lambda: [c.ctl("plan", "--full", "--confirm", "--seconds", "0.05",
                                                             "--seed", str(s), check=False)
                                                       for s in range(1, 200) if not stop.is_set()])
            delivered = seqs(c)["notifier"]
            replans.start()
            wait_for(lambda: (s := seqs(c)).get("capacity", 0) >= base + 10000 and s["notifier"] > delivered,
                     timeout=120, what="load progress and replans delivered")
            bdir = os.path.join(tmp, "backup")
            r = c.ctl("backup", bdir)
            under_load = load.poll() is None
            stop.set()
            out, err = load.communicate(timeout=600)
            replans.join(timeout=600)
            self.assertEqual(load.returncode, 0, err[-1000:])
            self.assertTrue(under_load, "the backup was taken while the load ran")
            with open(os.path.join(bdir, "manifest.json")) as f:
                man = {s["service"]: s for s in json.load(f)["stores"]}
            self.assertEqual([l.split()[0] for l in r.stdout.splitlines()[:4]],
                             ["planner", "capacity", "registry", "notifier"])  # followers before their upstreams
            self.assertLess(man["capacity"]["seq"], seqs(c)["capacity"], "the load went on after the copy")
            settle(c)
            live_log = subscribe_all(c, seqs(c)["notifier"])
            c.close()

            d = Cluster(extra=FLAGS)  # its stores in d.dir/<service>, as ./regio keeps them in var/
            r = subprocess.run([os.path.join(ROOT, "regio"), "restore", bdir], capture_output=True, text=True,
                               env=dict(os.environ, REGIO_VAR=d.dir, REGIO_BUILD_DIR=os.path.join(BIN, "..")))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("restored 4 stores", r.stdout)
            d.start()
            s = seqs(d)
            for svc in ("registry", "capacity"):
                self.assertEqual(s[svc], man[svc]["seq"], svc)
            self.assertGreaterEqual(s["planner"], man["planner"]["seq"])
            d.wait_mirrors()
            settle(d)
            inst, sol, _, _ = d.export()

            # registry and learners: as they were (the load did not touch them)
            for k in ("periods", "partners"):
                self.assertEqual(sorted(inst[k], key=lambda x: x["id"]), sorted(inst0[k], key=lambda x: x["id"]), k)
            strip = lambda os_: sorted(({k: v for k, v in o.items() if k != "capacity"} for o in os_),
                                       key=lambda x: x["id"])
            self.assertEqual(strip(inst["offerings"]), strip(inst0["offerings"]))
            self.assertEqual(sorted(inst["learners"], key=lambda x: x["id"]),
                             sorted(inst0["learners"], key=lambda x: x["id"]))

            # capacity: every update acknowledged with a seq up to the copy's, and no other
            want = capacity_rows(inst0)
            applied = {}
            with open(acks) as f:
                for line in f:
                    uid, status, seq, version, off, period, seats = line.split()
                    if int(status) in (0, 1):
                        applied[int(seq)] = (off, period, [int(x) for x in seats.split(",")])
            cut = man["capacity"]["seq"]
            self.assertEqual(len([q for q in applied if base < q <= cut]), cut - base,
                             "every seq up to the copy's was an acknowledged update")
            for q in sorted(q for q in applied if q <= cut):
                off, period, seats = applied[q]
                want[(off, period)] = seats
            got = capacity_rows(inst)
            zero = [0] * 10
            for key in set(want) | set(got):
                self.assertEqual(got.get(key, zero), want.get(key, zero), key)

            # the plan: the planner copy's version, as the live notifier's log tells it
            version = man["planner"]["seq"]
            at_backup = fold(live_log, version)
            now = placements(sol)
            for key, p in at_backup.items():
                self.assertEqual(now.get(key), p, f"{key} changed after the restore")
            self.assertEqual(d.ctl("status").stdout.count(" alarm "), 0)

            # the notifier: gap-free, the live log's prefix, and it tells the restored plan
            log = subscribe_all(d, seqs(d)["notifier"])
            self.assertEqual([n["seq"] for n in log], list(range(1, len(log) + 1)))
            cut = man["notifier"]["seq"]
            drop = lambda n: {k: v for k, v in n.items() if k != "time_ms"}
            self.assertEqual([drop(n) for n in log[:cut]], [drop(n) for n in live_log[:cut]])
            self.assertEqual(fold(log), now)
            after = [n for n in log if n["plan_version"] > version and n["topic"].startswith("learner/")]
            self.assertEqual([n for n in after if n["kind"] != "created"], [],
                             "the resync replan cancelled or moved nothing")
            self.assertEqual(set(now) - set(at_backup), {(n["learner"], n["period"]) for n in after})
        finally:
            c.close()
            if d:
                d.close()
            shutil.rmtree(tmp, ignore_errors=True)

    def test_backup_and_restore_refuse_what_they_must(self):
        tmp = tempfile.mkdtemp(prefix="regio-backup-")
        c = Cluster().start()
        try:
            c.ctl("import", TINY)
            bdir = os.path.join(tmp, "b")
            c.key("coord", "coordinator")
            c.reload()
            r = c.ctl_as("coord", "backup", os.path.join(tmp, "no"), check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("admins only", r.stderr)
            c.ctl("backup", bdir)
            r = c.ctl("backup", bdir, check=False)
            self.assertEqual(r.returncode, 2, "a backup never overwrites another")
            # a running cluster is never overwritten
            before = seqs(c)
            r = c.ctl("restore", bdir, "--into", c.dir, check=False)
            self.assertEqual(r.returncode, 2)
            self.assertIn("stop the cluster first", r.stderr)
            self.assertIn("nothing was restored", r.stderr)
            # nor is it by the script, which also looks at its pid files
            var = os.path.join(tmp, "var")
            os.makedirs(os.path.join(var, "run"))
            with open(os.path.join(var, "run", "planner.pid"), "w") as f:
                f.write(str(c.procs["planner"].pid))
            r = subprocess.run([os.path.join(ROOT, "regio"), "restore", bdir],
                               env=dict(os.environ, REGIO_VAR=var, REGIO_BUILD_DIR=os.path.join(BIN, "..")),
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 1)
            self.assertIn("regio-planner is running", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(var, "planner")))
            # a copy that is not the one its manifest names is refused
            stopped = os.path.join(tmp, "stopped")
            r = c.ctl("restore", bdir, "--into", stopped)
            self.assertEqual(r.returncode, 0)
            with open(os.path.join(bdir, "manifest.json")) as f:
                m = json.load(f)
            m["stores"][1]["digest"] = "0" * 16
            with open(os.path.join(bdir, "manifest.json"), "w") as f:
                json.dump(m, f)
            r = c.ctl("restore", bdir, "--into", stopped, check=False)
            self.assertEqual(r.returncode, 2)
            self.assertIn("is not the copy the manifest names", r.stderr)
            self.assertEqual(len([x for x in os.listdir(stopped) if "before-restore" in x]), 0,
                             "nothing moved")
            self.assertEqual(seqs(c), before)
            # a service that is down: told within the usual timeout, and no half backup is left
            c.stop("notifier")
            gone = os.path.join(tmp, "gone")
            r = c.ctl("--timeout-ms", "2000", "backup", gone, check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("notifier", r.stderr)
            self.assertFalse(os.path.exists(gone))
        finally:
            c.close()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
