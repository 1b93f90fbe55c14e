"""A damaged store stops its service with one clear line, never a signal,
never an empty database over a lost one.

A small cluster makes real stores (a region imported, planned, notified)
and stops cleanly. Then each service is started alone, again and again, on
a copy of its store with one kind of damage to data.mdb: truncated,
meta pages zeroed or flipped, bytes flipped in the middle, pages zeroed,
swapped or garbled, the file gone or replaced. Each start must either
refuse (exit status 1, exactly one ERROR line, naming the store) or run on
data equal to the original: the content digest it seals at its clean stop
equals the original's, so no table lost or changed a byte."""
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from cluster import BIN, Cluster, free_ports

PAGE = 4096


def _flip(path, offsets, n=1):
    with open(path, "r+b") as f:
        for off in offsets:
            f.seek(off)
            b = f.read(n)
            f.seek(off)
            f.write(bytes(x ^ 0xFF for x in b))


def _write(path, off, data):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(data)


def _append(path, data, mode="ab"):
    with open(path, mode) as f:
        f.write(data)


def _read(path, off, n):
    with open(path, "rb") as f:
        f.seek(off)
        return f.read(n)


def _size(path):
    return os.path.getsize(path)


def _pages(path):
    return _size(path) // PAGE


# Each kind of damage: (name, function of the data.mdb path and the folder).
# Offsets in meta pages: 16 magic, 128 main root, 136 last page, 144 txnid.
KINDS = [
    ("truncate to 0", lambda p, d: os.truncate(p, 0)),
    ("truncate to one page", lambda p, d: os.truncate(p, PAGE)),
    ("truncate to the two meta pages", lambda p, d: os.truncate(p, 2 * PAGE)),
    ("truncate to half", lambda p, d: os.truncate(p, _pages(p) // 2 * PAGE)),
    ("truncate to three quarters", lambda p, d: os.truncate(p, _size(p) * 3 // 4)),
    ("truncate the last page", lambda p, d: os.truncate(p, _size(p) - PAGE)),
    ("truncate one byte", lambda p, d: os.truncate(p, _size(p) - 1)),
    ("zero meta page 0", lambda p, d: _write(p, 0, bytes(PAGE))),
    ("zero meta page 1", lambda p, d: _write(p, PAGE, bytes(PAGE))),
    ("zero both meta pages", lambda p, d: _write(p, 0, bytes(2 * PAGE))),
    ("flip the magic of meta 0", lambda p, d: _flip(p, [16])),
    ("flip the txnid of meta 1 (a bogus newest)", lambda p, d: _flip(p, [PAGE + 144 + 6])),
    ("flip the last page of both metas", lambda p, d: _flip(p, [136 + 1, PAGE + 136 + 1])),
    ("flip the main root of both metas", lambda p, d: _flip(p, [128, PAGE + 128])),
    ("flip one byte in the middle", lambda p, d: _flip(p, [_size(p) // 2 + 123])),
    ("flip 16 bytes in the middle", lambda p, d: _flip(p, [_size(p) // 2 + 700], 16)),
    ("flip one byte at a third", lambda p, d: _flip(p, [_size(p) // 3 + 2000])),
    ("flip one byte at two thirds", lambda p, d: _flip(p, [_size(p) * 2 // 3 + 3000])),
    ("flip a byte in every page header", lambda p, d: _flip(p, range(2 * PAGE + 10, _size(p), PAGE))),
    ("flip a byte in every page body", lambda p, d: _flip(p, range(2 * PAGE + 2222, _size(p), PAGE))),
    ("zero the middle page", lambda p, d: _write(p, _pages(p) // 2 * PAGE, bytes(PAGE))),
    ("zero the last page", lambda p, d: _write(p, (_pages(p) - 1) * PAGE, bytes(PAGE))),
    ("zero the first data page", lambda p, d: _write(p, 2 * PAGE, bytes(PAGE))),
    ("garbage in the middle page", lambda p, d: _write(p, _pages(p) // 2 * PAGE, random.Random(7).randbytes(PAGE))),
    ("swap two data pages", lambda p, d: _swap(p, 3, _pages(p) - 2)),
    ("copy one data page over another", lambda p, d: _write(p, 3 * PAGE, _read(p, (_pages(p) - 2) * PAGE, PAGE))),
    ("flip ten random bytes", lambda p, d: _flip(p, random.Random(11).sample(range(2 * PAGE, _size(p)), 10))),
    ("data.mdb deleted", lambda p, d: os.remove(p)),
    ("data.mdb of another store", None),  # filled in per service
    ("garbage appended (harmless)", lambda p, d: _append(p, random.Random(3).randbytes(3 * PAGE))),
    ("lock.mdb garbled (harmless)", lambda p, d: _append(os.path.join(d, "lock.mdb"), b"x" * 8192, "wb")),
]


def _swap(p, a, b):
    pa, pb = _read(p, a * PAGE, PAGE), _read(p, b * PAGE, PAGE)
    _write(p, a * PAGE, pb)
    _write(p, b * PAGE, pa)


def _digest(folder):
    with open(os.path.join(folder, "store-digest")) as f:
        return f.read().split()[1]


class Damage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        c = Cluster().start()
        c.import_region(300, 17)
        c.ctl("plan", "--full")
        c.delivered_seq()
        cls.keys = tempfile.mkdtemp(prefix="regio-damage-keys-")
        shutil.copytree(c.keys, cls.keys, dirs_exist_ok=True)
        cls.stores = tempfile.mkdtemp(prefix="regio-damage-")
        for s in ("planner", "notifier", "capacity", "registry"):
            assert c.stop(s) == 0
            shutil.copytree(os.path.join(c.dir, s), os.path.join(cls.stores, s))
        c.close()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.stores, ignore_errors=True)
        shutil.rmtree(cls.keys, ignore_errors=True)

    def _run(self, service, folder):
        """Start service on folder alone; return (exit status, log). A
        service that starts is stopped with SIGTERM (it then seals)."""
        p = [f"tcp://127.0.0.1:{x}" for x in free_ports(7)]
        up = {"capacity": ["--registry-router", p[2], "--registry-pub", p[3]],
              "planner": ["--registry-router", p[2], "--registry-pub", p[3], "--capacity-router", p[4],
                          "--capacity-pub", p[5], "--notifier-router", p[6]]}.get(service, [])
        log = os.path.join(folder + ".log")
        with open(log, "wb") as f:
            proc = subprocess.Popen([os.path.join(BIN, f"regio-{service}"), "--db", folder, "--keys", self.keys,
                                     "--router", p[0], "--pub", p[1]] + up, stdout=f, stderr=f)
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            with open(log, errors="replace") as f:
                if 'msg="started"' in f.read():
                    proc.send_signal(signal.SIGTERM)
                    break
            time.sleep(0.02)
        rc = proc.wait(timeout=30)
        with open(log, errors="replace") as f:
            return rc, f.read()

    def _check(self, service, kind, fn):
        orig = os.path.join(self.stores, service)
        work = tempfile.mkdtemp(prefix=f"regio-damage-{service}-")
        folder = os.path.join(work, service)
        try:
            shutil.copytree(orig, folder)
            fn(os.path.join(folder, "data.mdb"), folder)
            rc, log = self._run(service, folder)
            where = f"{service}, {kind}"
            self.assertGreaterEqual(rc, 0, f"{where}: killed by signal {-rc}:\n{log[-1500:]}")
            self.assertIn(rc, (0, 1), f"{where}: exit status {rc}:\n{log[-1500:]}")
            if rc == 1:
                errors = [l for l in log.splitlines() if " ERROR " in l]
                self.assertEqual(len(errors), 1, f"{where}: one line, not:\n{log[-1500:]}")
                self.assertIn("cannot start", errors[0])
                self.assertIn(folder, errors[0], f"{where}: the line names the store")
                return "refused"
            self.assertEqual(_digest(folder), _digest(orig), f"{where}: started on data unlike the original")
            return "equal"
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _all(self, service, other):
        seen = {}
        for kind, fn in KINDS:
            if fn is None:
                fn = lambda p, d: shutil.copyfile(os.path.join(self.stores, other, "data.mdb"), p)
            with self.subTest(kind=kind):
                seen[kind] = self._check(service, kind, fn)
        # the harmless kinds start; the rest could not have been read as they were
        self.assertEqual(seen.get("garbage appended (harmless)"), "equal")
        self.assertEqual(seen.get("truncate to 0"), "refused")
        self.assertEqual(seen.get("data.mdb deleted"), "refused")
        print(f"\n{service}: {sum(v == 'refused' for v in seen.values())} refused, "
              f"{sum(v == 'equal' for v in seen.values())} started on equal data, of {len(KINDS)}")

    def test_planner_store(self):
        self._all("planner", "notifier")

    def test_capacity_store(self):
        self._all("capacity", "registry")

    def test_notifier_store(self):
        self._all("notifier", "planner")

    def test_registry_store(self):
        self._all("registry", "capacity")


if __name__ == "__main__":
    unittest.main(verbosity=2)
