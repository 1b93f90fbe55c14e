"""Privacy, on real processes with CURVE on: schools and partners see only
their own in the planner, homes are kept no finer than ~100 m, and a learner's
data can be exported and erased from the whole cluster.

School and partner systems are played by DEALERs sending crafted envelopes
(wire.py), so no client-side check can hide a missing server check."""
import collections
import json
import os
import struct
import subprocess
import unittest

import wire
from cluster import BIN, TINY, Cluster, check, wait_for
from test_cluster import placements_by_key


def add_keys(c, **roles):
    """Make principals name=role, reload the services and wait until every
    service takes the last one."""
    for name, role in roles.items():
        c.key(name, role)
    c.reload()
    last = list(roles)[-1]
    wait_for(lambda: c.ctl_as(last, "--timeout-ms", "300", "status", check=False).returncode == 0,
             what=f"the services to know {last}")


def snapshot(c, ctx, who):
    """The planner's snapshot as principal who: (learners, placements), each a
    list of decoded fields."""
    s = c.dealer(ctx, "planner", who)
    try:
        kind, body = wire.request(s, wire.PLANNER_SNAPSHOT_REQUEST, [])
    finally:
        s.close()
    assert kind == wire.PLANNER_SNAPSHOT, (kind, body)
    snap = wire.decode(body)
    learners = [wire.decode(x, doubles=(5, 6)) for x in snap.get(3, [])]
    placements = [wire.decode(x) for x in snap.get(4, [])]
    return learners, placements


def text(fields, n):
    return fields[n][0].decode()


def replay_all(c, who, topic="all"):
    """Every notification of topic ("all": the global log) as principal who."""
    r = c.ctl_as(who, "subscribe", topic, "--from", "0", "--timeout-ms", "1500", "--json", check=False)
    return [json.loads(x) for x in r.stdout.splitlines()]


class Scopes(unittest.TestCase):
    def setUp(self):
        import zmq
        self.c = Cluster().start()
        self.c.ctl("import", TINY)
        self.c.ctl("plan", "--full")
        add_keys(self.c, **{"coord": "coordinator", "partner-p3": "partner:p3",
                            "school-s1": "school:s1"})
        self.ctx = zmq.Context()

    def tearDown(self):
        self.ctx.destroy(linger=0)
        codes = self.c.close()
        self.assertEqual(codes, {s: 0 for s in codes}, "every service stops cleanly with exit 0")

    def call(self, who, body_field, body, svc="planner"):
        s = self.c.dealer(self.ctx, svc, who)
        try:
            return wire.request(s, body_field, body)
        finally:
            s.close()

    def assert_forbidden(self, reply, what):
        kind, body = reply
        self.assertEqual(kind, wire.ERROR, f"{what}: refused")
        code, reason = wire.error_of(body)
        self.assertEqual(code, "forbidden", f"{what}: {reason}")
        self.assertNotIn("s2", reason, f"{what}: the refusal does not name the other school")

    def test_a_school_cannot_put_remove_or_read_another_schools_learner(self):
        before = json.loads(self.c.ctl("learner", "export", "l3").stdout)
        self.assertEqual(before["planner"]["learner"]["school"], "s2")
        self.assertGreater(len(before["planner"]["placements"]), 0)
        # l3 is s2's: s1 guesses its id
        self.assert_forbidden(self.call("school-s1", wire.PUT_LEARNER, [(1, wire.learner("l3", "s1"))]),
                              "overwrite and move to itself")
        self.assert_forbidden(self.call("school-s1", wire.PUT_LEARNER, [(1, wire.learner("l3", "s2"))]),
                              "overwrite in place")
        self.assert_forbidden(self.call("school-s1", wire.PUT_LEARNER, [(1, wire.learner("l99", "s2"))]),
                              "a new learner of another school")
        self.assert_forbidden(self.call("school-s1", wire.REMOVE_LEARNER, [(1, "l3")]), "remove")
        self.assert_forbidden(self.call("school-s1", wire.LEARNER_EXPORT_REQUEST, [(1, "l3")]), "export")
        self.assert_forbidden(self.call("school-s1", wire.LEARNER_ERASE_REQUEST, [(1, "l3")]), "erase")
        for cmd in ("export", "erase"):
            r = self.c.ctl_as("school-s1", "learner", cmd, "l3", check=False)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn("forbidden", r.stderr)
        learners, placements = snapshot(self.c, self.ctx, "school-s1")
        self.assertEqual(sorted(text(l, 1) for l in learners), ["l1", "l2"])
        self.assertEqual({text(p, 1) for p in placements}, {"l1", "l2"})
        self.assertEqual(json.loads(self.c.ctl("learner", "export", "l3").stdout), before,
                         "l3 is untouched")
        # its own learners it may change, read and erase
        self.assertEqual(self.call("school-s1", wire.PUT_LEARNER, [(1, wire.learner("l1", "s1"))])[0],
                         wire.ACK)
        self.assertEqual(self.call("school-s1", wire.PUT_LEARNER, [(1, wire.learner("l98", "s1"))])[0],
                         wire.ACK)
        self.assertEqual(self.call("school-s1", wire.REMOVE_LEARNER, [(1, "l98")])[0], wire.ACK)
        own = json.loads(self.c.ctl_as("school-s1", "learner", "export", "l2").stdout)
        self.assertEqual(own["planner"]["learner"]["id"], "l2")
        self.assertGreater(len(own["notifier"]["notifications"]), 0)
        erased = json.loads(self.c.ctl_as("school-s1", "learner", "erase", "l2").stdout)
        self.assertEqual(erased["planner"]["records"], 1)
        self.assertEqual(json.loads(self.c.ctl("learner", "export", "l2").stdout)["planner"]["learner"], None)

    def test_a_partner_sees_the_placements_at_its_offerings_and_no_learner_records(self):
        all_learners, all_placements = snapshot(self.c, self.ctx, "coord")
        self.assertEqual(len(all_learners), 3, "a coordinator sees every learner")
        mine = [p for p in all_placements if text(p, 3) == "o3"]  # tiny-1: o3 is p3's
        self.assertGreater(len(mine), 0)
        learners, placements = snapshot(self.c, self.ctx, "partner-p3")
        self.assertEqual(learners, [], "no learner records: no home, no age, no free slots")
        self.assertEqual(sorted(map(repr, placements)), sorted(map(repr, mine)))
        s = self.c.dealer(self.ctx, "planner", "partner-p3")
        s.send(wire.envelope(wire.PLANNER_SNAPSHOT_REQUEST, []))
        self.assertTrue(s.poll(5000))
        raw = s.recv()
        s.close()
        for l in all_learners:
            self.assertNotIn(struct.pack("<d", l[5][0]), raw, "no learner's home latitude")

    def test_a_tombstone_names_one_erased_learner_and_nobody_else(self):
        tomb = json.loads(self.c.ctl("learner", "erase", "l1").stdout)["tombstone"]
        kind, body = self.call("school-s1", wire.PUT_LEARNER, [(1, wire.learner(tomb, "s1"))])
        self.assertEqual((kind, wire.error_of(body)[0]), (wire.ERROR, "invalid"), "reserved for erasure")
        for svc in ("planner", "notifier"):
            kind, body = self.call("coord", wire.LEARNER_ERASE_REQUEST, [(1, "l3"), (2, tomb)], svc)
            self.assertEqual((kind, wire.error_of(body)[0]), (wire.ERROR, "invalid"),
                             f"{svc} refuses to merge two learners under one tombstone")
        x = json.loads(self.c.ctl("learner", "export", "l3").stdout)
        self.assertEqual(x["planner"]["learner"]["id"], "l3", "l3 is untouched")
        self.assertGreater(len(x["notifier"]["notifications"]), 0)

    def test_put_learner_coordinates_come_back_rounded(self):
        kind, _ = self.call("school-s1", wire.PUT_LEARNER,
                            [(1, wire.learner("l1", "s1", lat=51.58765, lon=4.78149))])
        self.assertEqual(kind, wire.ACK)
        got = json.loads(self.c.ctl("learner", "export", "l1").stdout)["planner"]["learner"]
        self.assertEqual((got["lat"], got["lon"]), (51.588, 4.781))
        learners, _ = snapshot(self.c, self.ctx, "coord")
        l1 = [l for l in learners if text(l, 1) == "l1"][0]
        self.assertEqual((l1[5][0], l1[6][0]), (51.588, 4.781))

    def test_status_shows_the_store_path_to_admins_only(self):
        for svc in ("registry", "capacity", "planner", "notifier"):
            for who, shown in (("admin", True), ("coord", False), ("school-s1", False)):
                kind, body = self.call(who, wire.STATUS_REQUEST, [], svc)
                self.assertEqual(kind, wire.STATUS)
                st = wire.decode(body)
                self.assertEqual(6 in st, shown, f"{svc} db_path for {who}")
                if shown:
                    self.assertEqual(st[6][0].decode(), os.path.join(self.c.dir, svc))


class ExportErase(unittest.TestCase):
    def test_export_then_erase_a_learner_placed_and_moved(self):
        c = Cluster().start()
        try:
            self.round_trip(c)
        finally:
            c.close()

    def moved_learner(self, c):
        """Plan, then take seats away until some learner is moved; its id."""
        _, sol, _, _ = c.export()
        busiest = collections.Counter((p["offering"], p["period"]) for p in sol["placements"])
        for (offering, period), _ in busiest.most_common(5):
            hit = sorted(l for (l, per), v in placements_by_key(sol).items()
                         if per == period and v[0] == offering)
            c.ctl("capacity", "set", offering, period, "0,0,0,0,0,0,0,0,0,0")
            c.ctl("plan")
            c.delivered_seq()
            moved = {n["learner"] for n in replay_all(c, "coord") if n["kind"] == "moved"}
            if moved & set(hit):
                return sorted(moved & set(hit))[0]
        self.fail("no learner was moved by taking the busiest seats away")

    def round_trip(self, c):
        c.import_region(300, 3)
        c.ctl("plan", "--full")
        add_keys(c, coord="coordinator")
        lid = self.moved_learner(c)
        _, sol, _, _ = c.export()
        placed = {k: v for k, v in placements_by_key(sol).items() if k[0] == lid}
        log = replay_all(c, "coord")
        about = sorted(n["seq"] for n in log if n["learner"] == lid)

        # right of access: the record, its placements, every notification on every topic
        x = json.loads(c.ctl_as("coord", "learner", "export", lid).stdout)
        self.assertEqual(x["planner"]["learner"]["id"], lid)
        self.assertEqual({(p["learner"], p["period"]): (p["offering"], sorted(p["slots"]))
                          for p in x["planner"]["placements"]}, placed)
        notes = x["notifier"]["notifications"]
        self.assertEqual(sorted(n["seq"] for n in notes), about)
        kinds = {n["change"]["kind"] for n in notes}
        self.assertTrue({"CHANGE_CREATED", "CHANGE_MOVED"} <= kinds, kinds)
        school = x["planner"]["learner"]["school"]
        topics = {n["topic"] for n in notes}
        self.assertIn(f"learner/{lid}", topics)
        self.assertIn(f"school/{school}", topics)
        self.assertTrue(any(t.startswith("partner/") for t in topics), topics)

        # right to erasure
        e = json.loads(c.ctl_as("coord", "learner", "erase", lid).stdout)
        tomb = e["tombstone"]
        self.assertRegex(tomb, r"^erased-[0-9a-f]{16}$")
        self.assertEqual(e["planner"]["records"], 1)
        self.assertEqual(e["planner"]["placements"], len(placed))
        self.assertGreaterEqual(e["planner"]["audit_entries"], 1, "import put the learner")
        # every cancellation is logged on the school, learner and old partner topics
        self.assertEqual(e["notifier"]["log_entries"], len(notes) + 3 * len(placed))
        self.assertEqual(e["notifier"]["topics"], 1)

        gone = json.loads(c.ctl_as("coord", "learner", "export", lid).stdout)
        self.assertEqual(gone["planner"], {"learner": None, "placements": []})
        self.assertEqual(gone["notifier"], {"notifications": []})
        kept = json.loads(c.ctl_as("coord", "learner", "export", tomb).stdout)
        self.assertEqual(len(kept["notifier"]["notifications"]), e["notifier"]["log_entries"])

        log2 = replay_all(c, "coord")
        self.assertEqual([n["seq"] for n in log2], list(range(1, len(log2) + 1)), "seq stays gap-free")
        self.assertEqual(len(log2), len(log) + 3 * len(placed))
        per_topic = collections.defaultdict(list)
        for n in log2:
            per_topic[n["topic"]].append(n["topic_seq"])
            self.assertNotEqual(n["learner"], lid)
        for t, seqs in per_topic.items():
            self.assertEqual(seqs, list(range(1, len(seqs) + 1)), f"topic_seq of {t} stays gap-free")
        self.assertNotIn(f"learner/{lid}", per_topic)
        was = [n for n in log if n["topic"] == f"learner/{lid}"]
        self.assertEqual(per_topic[f"learner/{tomb}"], list(range(1, len(was) + len(placed) + 1)),
                         "the learner's topic moved to the tombstone with its topic_seqs")
        self.assertEqual(replay_all(c, "coord", f"learner/{lid}"), [])
        self.assertTrue(all(n["learner"] == tomb for n in replay_all(c, "coord", f"learner/{tomb}")))

        audit = [json.loads(x) for x in c.ctl("audit", "--json").stdout.splitlines()]
        self.assertFalse([a for a in audit if a["ref"] == lid], "the audit trail no longer names it")
        self.assertTrue([a for a in audit if a["ref"] == tomb and a["action"] == "put_learner"])

        # the seats are free and the plan stays feasible, also after another round
        c.ctl("plan")
        inst, sol, ipath, spath = c.export()
        self.assertNotIn(lid, {l["id"] for l in inst["learners"]})
        self.assertNotIn(lid, {p["learner"] for p in sol["placements"]})
        rep = check(ipath, spath)
        self.assertTrue(rep["feasible"], rep["errors"])
        c.delivered_seq()
        self.assertFalse([n for n in replay_all(c, "coord") if n["learner"] == lid])

        again = json.loads(c.ctl_as("coord", "learner", "erase", lid).stdout)
        self.assertEqual((again["planner"]["records"], again["planner"]["placements"],
                          again["planner"]["audit_entries"], again["notifier"]["log_entries"]),
                         (0, 0, 0, 0), "erasing again changes nothing")


class Generator(unittest.TestCase):
    def test_regio_gen_writes_homes_as_the_planner_keeps_them(self):
        r = subprocess.run([os.path.join(BIN, "regio-gen"), "--learners", "200", "--seed", "5"],
                           capture_output=True, check=True, text=True)
        learners = json.loads(r.stdout)["learners"]
        self.assertEqual(len(learners), 200)
        for l in learners:
            self.assertEqual((l["lat"], l["lon"]), (round(l["lat"], 3), round(l["lon"], 3)), l["id"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
