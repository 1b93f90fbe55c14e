"""Trust on real processes with CURVE on: roles, revocation, audit."""
import json
import os
import time
import unittest

import zmq

from cluster import TINY, Cluster, wait_for


def envelope_status_request():
    """A StatusRequest envelope by hand (field 12, empty message): the tests
    need no generated Python code for it."""
    return bytes([0x62, 0x00])  # tag 12, wire type 2, length 0


class Trust(unittest.TestCase):
    def setUp(self):
        self.c = Cluster().start()
        self.c.ctl("import", TINY)
        self.c.key("p1-system", "partner:p1")
        self.c.key("p2-system", "partner:p2")
        self.c.key("alice", "coordinator")
        self.c.reload()

    def tearDown(self):
        codes = self.c.close()
        self.assertEqual(codes, {s: 0 for s in codes}, "every service stops cleanly with exit 0")

    def ctl_as(self, who, *args):
        return self.c.ctl_as(who, *args, check=False)

    def test_a_partner_changes_its_own_capacity_and_nothing_else(self):
        ok = wait_for(lambda: self.ctl_as("p1-system", "capacity", "set", "o1", "P1",
                                          "1,1,1,1,1,1,1,1,1,1").returncode == 0 or None,
                      what="p1's key to be admitted after the reload")
        self.assertTrue(ok)
        r = self.ctl_as("p2-system", "capacity", "set", "o1", "P1", "0,0,0,0,0,0,0,0,0,0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("forbidden", r.stderr)
        self.assertIn("o1", r.stderr, "the refusal names what was refused")
        r = self.ctl_as("p1-system", "withdraw", "o1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("registry writes are for coordinators and admins", r.stderr)
        r = self.ctl_as("p1-system", "plan")
        self.assertEqual(r.returncode, 1)
        self.assertIn("forbidden", r.stderr)
        self.assertIn("refused", self.c.log("capacity"), "the refusal is logged")
        self.assertIn("who=p2-system", self.c.log("capacity"), "with the principal's name")

    def test_a_revoked_key_is_refused_on_its_open_connection_and_on_new_ones(self):
        ctx = zmq.Context()
        try:
            s = self.c.dealer(ctx, "capacity", "alice")

            def status_ok():
                s.send(envelope_status_request())
                return s.poll(2000) and b"capacity" in s.recv()  # Status.service

            self.assertTrue(wait_for(status_ok, what="alice's key admitted"))
            self.assertEqual(self.ctl_as("alice", "status").returncode, 0)
            self.c.ctl("keys", "revoke", "alice")
            self.c.reload()
            # the open connection: the next request gets an error naming the cause
            def refused():
                s.send(envelope_status_request())
                return s.poll(2000) and b"no longer in the principals file" in s.recv()
            self.assertTrue(wait_for(refused, what="the open connection to be refused"))
            r = self.ctl_as("alice", "--timeout-ms", "1500", "status", "capacity")
            self.assertEqual(r.returncode, 1)
            self.assertIn("refused our key", r.stdout + r.stderr)
        finally:
            ctx.destroy(linger=0)

    def test_the_audit_trail_says_who_changed_what(self):
        wait_for(lambda: self.ctl_as("p1-system", "capacity", "set", "o1", "P2",
                                     "2,2,2,2,2,2,2,2,2,2").returncode == 0 or None,
                 what="p1's update")
        r = self.c.ctl("audit", "--json")
        entries = [json.loads(x) for x in r.stdout.splitlines()]
        mine = [e for e in entries if e["who"] == "p1-system"]
        self.assertEqual(len(mine), 1, entries[-5:])
        self.assertEqual(mine[0]["action"], "capacity_update")
        self.assertEqual(mine[0]["ref"], "o1/P2")
        self.assertEqual(mine[0]["role"], "partner:p1")
        self.assertEqual(mine[0]["service"], "capacity")
        with open(os.path.join(self.c.keys, "p1-system.pub")) as f:
            self.assertTrue(f.read().startswith(mine[0]["fingerprint"]))
        imports = [e for e in entries if e["who"] == "admin" and e["action"] == "put_offering"]
        self.assertEqual(len(imports), 3, "the import's three offerings, by admin")
        r = self.c.ctl("audit", "--who", "p1-system", "--json")
        self.assertEqual(len(r.stdout.splitlines()), 1)
        r = self.ctl_as("p1-system", "audit")
        self.assertEqual(r.returncode, 1, "the audit trail is for admins and coordinators")
        since = int(time.time() * 1000) + 60000
        r = self.c.ctl("audit", "--since", str(since), "--json")
        self.assertEqual(r.stdout.strip(), "", "nothing after a time in the future")


if __name__ == "__main__":
    unittest.main(verbosity=2)
