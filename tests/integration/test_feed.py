"""The notifier's feed on real processes with CURVE on: every subscriber gets
exactly the notifications its key may read, live and on replay; revoked,
unknown and anonymous keys get nothing; only the planner's key may feed the
log; a subscriber that reads too slowly is cut off and catches up."""
import json
import os
import re
import signal
import subprocess
import time
import unittest

import zmq

import wire
from cluster import BIN, TINY, Cluster, wait_for


def covers(prefix, topic):
    """Segment-wise prefix match, written from the README, not from authz.c."""
    return prefix == "" or topic == prefix or topic.startswith(prefix if prefix.endswith("/") else prefix + "/")


def may_read(role, n):
    kind, _, scope = role.partition(":")
    if kind in ("admin", "coordinator", "service"):
        return True
    if kind == "school":
        return n["topic"] == f"school/{scope}" or (n["topic"].startswith("learner/") and n["school"] == scope)
    if kind == "partner":
        return n["topic"] == f"partner/{scope}"
    return any(covers(p, n["topic"]) for p in scope.split(","))


class Sub:
    """A feed subscriber written from proto/regio/notifier.proto alone."""

    def __init__(self, c, ctx, name, *topics, sockopts=None):
        self.sock = c.dealer(ctx, "notifier", name, endpoint=c.ep["notifier_feed"], sockopts=sockopts)
        self.topics = topics
        self.got, self.errors, self.acks = [], [], []
        self.renewed = 0.0

    def subscribe(self, timeout=10.0):
        """Send Subscribe; returns Ack.seq, or the error dict."""
        self.sock.send(wire.subscribe(*self.topics))
        self.renewed = time.monotonic()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.sock.poll(100):
                continue
            kind, d, _ = wire.body(self.sock.recv())
            if kind == wire.ACK:
                self.acks.append(wire.first(d, 1, 0))
                return self.acks[-1]
            if kind == wire.ERROR:
                return wire.error(d)
            self._take(kind, d)
        return None

    def _take(self, kind, d):
        if kind == wire.NOTIFICATION:
            self.got.append(wire.notification(d))
        elif kind == wire.ERROR:
            self.errors.append(wire.error(d))
        elif kind == wire.ACK:
            self.acks.append(wire.first(d, 1, 0))

    def read(self, until=None, timeout=10.0, quiet=0.5):
        """Read until until() holds, or nothing came for `quiet` s once it
        holds (None: read until quiet), or timeout. Renews the lease."""
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() < deadline:
            if time.monotonic() - self.renewed > 5:
                self.sock.send(wire.subscribe(*self.topics))
                self.renewed = time.monotonic()
            if self.sock.poll(50):
                self._take(*wire.body(self.sock.recv())[:2])
                last = time.monotonic()
            elif (until is None or until()) and time.monotonic() - last > quiet:
                return
        return


def admit(c, roles):
    """Make a key per {name: role}, reload the services, and wait until the
    notifier admits them."""
    for name, role in roles.items():
        c.key(name, role)
    c.reload()
    wait_for(lambda: all(c.ctl_as(name, "status", "notifier", check=False).returncode == 0 for name in roles),
             what="the new keys to be admitted")


def notifier_counter(c, name):
    out = c.ctl("status", "notifier").stdout
    m = re.search(rf"\b{name}=(\d+)", out)
    return int(m.group(1)) if m else None


def json_lines(r):
    return [json.loads(x) for x in r.stdout.splitlines()]


class FeedAuthorisation(unittest.TestCase):
    """One region, planned once while subscribers of every role listen."""

    ROLES = {"school-s1": "school:s1", "partner-p1": "partner:p1", "watch-p1": "subscriber:partner/p1",
             "alice": "coordinator"}

    @classmethod
    def setUpClass(cls):
        cls.c = c = Cluster().start()
        c.import_region(300, 7)
        admit(c, cls.ROLES)
        cls.ctx = zmq.Context()
        cls.subs = {
            "admin": Sub(c, cls.ctx, "admin", ""),
            "school-all": Sub(c, cls.ctx, "school-s1", ""),
            "school-learners": Sub(c, cls.ctx, "school-s1", "learner/"),
            "school-own": Sub(c, cls.ctx, "school-s1", "school/s1"),
            "partner-all": Sub(c, cls.ctx, "partner-p1", ""),
            "watch-all": Sub(c, cls.ctx, "watch-p1", ""),
            "watch-partners": Sub(c, cls.ctx, "watch-p1", "partner/"),
        }
        cls.acks = {k: s.subscribe() for k, s in cls.subs.items()}
        # forged batches from keys that are not the planner's, before any real one
        cls.forged = {}
        for name in ("alice", "partner-p1", "capacity"):
            d = c.dealer(cls.ctx, "notifier", name)
            d.send(wire.notify_batch(1, wire.placement_change("l1", "s1", "P1", "o1", "p1")))
            cls.forged[name] = wire.error(wire.body(d.recv())[1]) if d.poll(5000) else None
            d.close()
        cls.seq_after_forgery = int(re.search(r"^notifier\s+up\s+seq=(\d+)", c.ctl("status").stdout, re.M).group(1))
        regioctl_sub = os.path.join(c.dir, "regioctl-school.jsonl")
        with open(regioctl_sub, "w") as out:  # regioctl as a school's system runs it
            cls.live_ctl = subprocess.Popen(
                [os.path.join(BIN, "regioctl"), "--key", os.path.join(c.keys, "school-s1.key"),
                 "subscribe", "school/s1", "--json"], env=c.env, stdout=out, stderr=subprocess.DEVNULL)
        cls.regioctl_out = regioctl_sub
        time.sleep(0.5)  # its Subscribe reaches the feed before the plan starts
        c.ctl("plan", "--full")
        cls.total = c.delivered_seq()
        r = c.ctl("subscribe", "all", "--from", "0", "--count", str(cls.total), "--json", "--timeout-ms", "5000")
        cls.log = json_lines(r)
        for k, s in cls.subs.items():  # until the admin has all; the others until quiet
            s.read(until=lambda s=s, k=k: k != "admin" or s.got and s.got[-1]["seq"] >= cls.total, timeout=20)

    @classmethod
    def tearDownClass(cls):
        cls.live_ctl.terminate()
        cls.live_ctl.wait(timeout=10)
        cls.ctx.destroy(linger=0)
        codes = cls.c.close()
        assert codes == {s: 0 for s in codes}, codes

    def expect(self, role, pattern=""):
        return [n["seq"] for n in self.log if may_read(role, n) and covers(pattern, n["topic"])]

    def seqs(self, sub):
        return [n["seq"] for n in self.subs[sub].got]

    def test_the_log_and_an_admin_subscriber_hold_every_notification(self):
        self.assertEqual([n["seq"] for n in self.log], list(range(1, self.total + 1)))
        self.assertEqual(self.seqs("admin"), [n["seq"] for n in self.log], "live = log, in order, once")
        self.assertGreater(self.total, 500)

    def test_a_school_gets_its_own_school_and_its_own_learners_live_and_on_replay(self):
        want = self.expect("school:s1")
        self.assertTrue(any(self.log[s - 1]["topic"].startswith("learner/") for s in want))
        self.assertTrue(any(n["school"] != "s1" for n in self.log), "the region has other schools")
        self.assertEqual(self.seqs("school-all"), want, "subscribing to \"\" yields only its own")
        self.assertEqual(self.seqs("school-learners"), self.expect("school:s1", "learner/"))
        self.assertEqual(self.seqs("school-own"), self.expect("school:s1", "school/s1"))
        for n in self.subs["school-all"].got:
            self.assertTrue(n["topic"] == "school/s1" or n["school"] == "s1", n)
        # replay: the same, and nothing more (one more than expected times out)
        r = self.c.ctl_as("school-s1", "subscribe", "all", "--from", "0", "--json",
                          "--count", str(len(want) + 1), "--timeout-ms", "1500", check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual([n["seq"] for n in json_lines(r)], want)
        r = self.c.ctl_as("school-s1", "subscribe", "learner/", "--from", "0", "--json",
                          "--count", str(len(want)), "--timeout-ms", "1500", check=False)
        self.assertEqual([n["seq"] for n in json_lines(r)], self.expect("school:s1", "learner/"))
        other = next(n["topic"] for n in self.log if n["topic"].startswith("learner/") and n["school"] != "s1")
        r = self.c.ctl_as("school-s1", "subscribe", other, "--from", "0", "--count", "1",
                          "--timeout-ms", "1000", check=False)
        self.assertEqual((r.returncode, r.stdout), (1, ""), "another school's learner: nothing")

    def test_regioctl_subscribe_as_a_school_sees_every_placement_of_its_school(self):
        want = self.expect("school:s1", "school/s1")
        def lines():
            with open(self.regioctl_out) as f:
                return f.read().splitlines()
        wait_for(lambda: len(lines()) >= len(want), timeout=20, what="regioctl's live school/s1 stream")
        got = [json.loads(x) for x in lines()]
        self.assertEqual([n["topic_seq"] for n in got], list(range(1, len(want) + 1)))
        self.assertEqual([n["seq"] for n in got], want)

    def test_a_partner_gets_only_its_own_topic(self):
        want = self.expect("partner:p1")
        self.assertGreater(len(want), 0, "p1 has placements in this plan")
        self.assertEqual(self.seqs("partner-all"), want)
        self.assertEqual({n["topic"] for n in self.subs["partner-all"].got}, {"partner/p1"})
        r = self.c.ctl_as("partner-p1", "subscribe", "all", "--from", "0", "--json",
                          "--count", str(len(want) + 1), "--timeout-ms", "1500", check=False)
        self.assertEqual([n["seq"] for n in json_lines(r)], want)

    def test_a_subscriber_prefix_partner_p1_does_not_cover_partner_p10(self):
        self.assertTrue(any(n["topic"] == "partner/p10" for n in self.log), "p10 has placements too")
        want = self.expect("subscriber:partner/p1")
        self.assertEqual(self.seqs("watch-all"), want)
        self.assertEqual(self.seqs("watch-partners"), want)
        self.assertEqual({n["topic"] for n in self.subs["watch-all"].got}, {"partner/p1"})

    def test_patterns_that_can_never_be_read_are_refused(self):
        for name, pattern in (("partner-p1", "school/s1"), ("school-s1", "partner/p1"),
                              ("watch-p1", "partner/p10"), ("school-s1", "school/s10")):
            s = Sub(self.c, self.ctx, name, pattern)
            err = s.subscribe()
            s.sock.close()
            self.assertIsInstance(err, dict, f"{name} {pattern}")
            self.assertEqual(err["code"], wire.ERROR_FORBIDDEN, err)
            self.assertEqual(err["ref"], pattern)
        r = self.c.ctl_as("partner-p1", "subscribe", "school/s1", "--from", "0", "--count", "1",
                          "--timeout-ms", "2000", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("forbidden", r.stderr)

    def test_only_the_planners_key_feeds_the_log_and_every_real_change_reaches_the_school(self):
        for name, err in self.forged.items():
            self.assertIsNotNone(err, f"{name} got an answer")
            self.assertEqual(err["code"], wire.ERROR_FORBIDDEN, (name, err))
            self.assertIn("planner", err["reason"])
        self.assertEqual(self.seq_after_forgery, 0, "nothing forged was logged")
        self.assertNotIn("forged", {n["reason"] for n in self.log})
        self.assertIn("who=alice", self.c.log("notifier"), "the refusal names who tried")
        # the school's own stream rebuilds exactly its part of the exported plan
        inst, sol, _, _ = self.c.export()
        school = {l["id"]: l["school"] for l in inst["learners"]}
        want = {(p["learner"], p["period"]): (p["offering"]) for p in sol["placements"] if school[p["learner"]] == "s1"}
        got = {}
        for n in self.subs["school-own"].got:
            key = (n["learner"], n["period"])
            if n["kind"] == 2:
                got.pop(key, None)
            else:
                got[key] = n["offering"]
        self.assertEqual(got, want)

    def test_anonymous_and_unknown_keys_get_nothing(self):
        anon = self.ctx.socket(zmq.DEALER)
        anon.setsockopt(zmq.LINGER, 0)
        anon.connect(self.c.ep["notifier_feed"])
        stranger = self.ctx.socket(zmq.DEALER)
        stranger.setsockopt(zmq.LINGER, 0)
        pub, sec = zmq.curve_keypair()
        stranger.curve_secretkey, stranger.curve_publickey = sec, pub
        with open(os.path.join(self.c.keys, "notifier.pub")) as f:
            stranger.curve_serverkey = f.read().strip().encode()
        stranger.connect(self.c.ep["notifier_feed"])
        for s in (anon, stranger):
            s.send(wire.subscribe(""))
            s.send(wire.replay_request("", 0))
        self.c.ctl("capacity", "set", "o1", "P1", "0,0,0,0,0,0,0,0,0,0")  # more notifications
        self.assertFalse(anon.poll(2000), "an anonymous client gets nothing")
        self.assertFalse(stranger.poll(500), "an unknown key gets nothing")
        anon.close()
        stranger.close()


class Revocation(unittest.TestCase):
    def test_a_revoked_key_stops_receiving_at_once_and_its_replay_is_refused(self):
        c = Cluster().start()
        ctx = zmq.Context()
        try:
            c.ctl("import", TINY)
            admit(c, {"school-s1": "school:s1"})
            sub = Sub(c, ctx, "school-s1", "school/s1")
            self.assertIsInstance(sub.subscribe(), int)
            req = c.dealer(ctx, "notifier", "school-s1")
            c.ctl("plan", "--full")
            c.delivered_seq()
            sub.read(until=lambda: sub.got, timeout=10)
            self.assertTrue(sub.got, "the school's notifications arrive while its key is valid")
            req.send(wire.replay_request("school/s1", 0))
            self.assertTrue(req.poll(5000))
            self.assertEqual(wire.body(req.recv())[0], wire.REPLAY_CHUNK)
            c.ctl("keys", "revoke", "school-s1")
            c.reload()
            # the feed tells the open session and ends it, without waiting for a notification
            sub.read(until=lambda: sub.errors, timeout=5, quiet=0)
            self.assertEqual([e["code"] for e in sub.errors], [wire.ERROR_FORBIDDEN])
            n = len(sub.got)
            for o in ("o1", "o2", "o3"):  # a replan with new notifications for s1
                c.ctl("withdraw", o)
            c.wait_mirrors()
            c.ctl("plan")
            c.delivered_seq()
            sub.read(timeout=2)
            self.assertEqual(len(sub.got), n, "nothing after the revocation")
            req.send(wire.replay_request("school/s1", 0))
            self.assertTrue(req.poll(5000))
            kind, d, _ = wire.body(req.recv())
            self.assertEqual((kind, wire.error(d)["code"]), (wire.ERROR, wire.ERROR_FORBIDDEN))
            r = c.ctl_as("school-s1", "--timeout-ms", "1500", "subscribe", "school/s1", "--from", "0",
                         check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("refused our key", r.stderr)
        finally:
            ctx.destroy(linger=0)
            c.close()


class SlowSubscriber(unittest.TestCase):
    def test_a_slow_subscriber_is_cut_off_told_where_and_catches_up_from_the_log(self):
        # the smallest queue, and a kernel buffer that cannot grow to megabytes on loopback
        c = Cluster(extra={"notifier": ["--feed-hwm", "4096", "--feed-sndbuf", "65536"]}).start()
        ctx = zmq.Context()
        ctl = None
        try:
            c.import_region(1000, 7)
            admit(c, {"reader": "coordinator"})
            # a raw reader that takes nothing: tiny queues on its side, so the feed's fills up
            slow = Sub(c, ctx, "admin", "", sockopts={zmq.RCVHWM: 1, zmq.RCVBUF: 4096})
            self.assertIsInstance(slow.subscribe(), int)
            # regioctl, stopped while the plan is logged: it must resubscribe and replay
            out = os.path.join(c.dir, "reader.jsonl")
            with open(out, "w") as f:
                ctl = subprocess.Popen([os.path.join(BIN, "regioctl"), "--key", os.path.join(c.keys, "reader.key"),
                                        "subscribe", "all", "--json"], env=c.env, stdout=f,
                                       stderr=subprocess.DEVNULL)
            wait_for(lambda: notifier_counter(c, "subscribers") == 2, what="both subscribed")
            ctl.send_signal(signal.SIGSTOP)
            # plans from scratch until both queues overflow (each logs ~3,000 notifications)
            for seed in range(1, 9):
                c.ctl("plan", "--full", "--confirm", "--seed", str(seed))  # replans from scratch on purpose
                total = c.delivered_seq()
                if notifier_counter(c, "cut_off") >= 2:
                    break
            try:
                wait_for(lambda: notifier_counter(c, "cut_off") >= 2, timeout=10, what="both cut off")
            except AssertionError as e:
                raise AssertionError(f"{e}: {c.ctl('status', 'notifier').stdout}") from None
            ctl.send_signal(signal.SIGCONT)
            slow.read(until=lambda: slow.errors, timeout=20, quiet=0)
            self.assertEqual(len(slow.errors), 1, slow.errors)
            err = slow.errors[0]
            self.assertEqual(err["code"], wire.ERROR_BUSY)
            got = [n["seq"] for n in slow.got]
            self.assertEqual(got, list(range(1, len(got) + 1)), "in order, no gap before the cut")
            self.assertLess(len(got), total, "it really fell behind")
            m = re.search(r"fell behind at (\S+) topic_seq (\d+) \(seq (\d+)\)", err["reason"])
            self.assertIsNotNone(m, err["reason"])
            self.assertEqual(int(m.group(3)), len(got) + 1, "the first one it missed")
            self.assertEqual(err["ref"], m.group(1))
            # catch up as the notice says: subscribe again, replay from there
            self.assertGreaterEqual(slow.subscribe(), total)
            r = c.ctl("subscribe", "all", "--from", str(len(got)), "--count", str(total - len(got)),
                      "--json", "--timeout-ms", "5000")
            self.assertEqual(got + [n["seq"] for n in json_lines(r)], list(range(1, total + 1)))
            # regioctl did the same by itself: everything once, in order
            def lines():
                with open(out) as f:
                    return f.read().splitlines()
            wait_for(lambda: len(lines()) >= total, timeout=30, what="regioctl to catch up")
            self.assertEqual([json.loads(x)["seq"] for x in lines()], list(range(1, total + 1)))
            self.assertIn("who=reader", c.log("notifier"), "regioctl was cut off too")
            ctl.terminate()
            ctl.wait(timeout=10)
        finally:
            if ctl and ctl.poll() is None:
                ctl.send_signal(signal.SIGCONT)
                ctl.kill()
                ctl.wait()
            ctx.destroy(linger=0)
            c.close()


class PlannerOutbox(unittest.TestCase):
    def test_an_ack_for_more_than_was_sent_deletes_nothing_and_every_change_still_arrives(self):
        c = Cluster().start()
        ctx = zmq.Context()
        try:
            c.ctl("import", TINY)
            c.stop("notifier")
            # something that holds the notifier's key and acks far more than it got
            fake = ctx.socket(zmq.ROUTER)
            fake.setsockopt(zmq.LINGER, 0)
            with open(os.path.join(c.keys, "notifier.key")) as f:
                secret = f.read().strip().encode()
            fake.curve_secretkey, fake.curve_publickey = secret, zmq.curve_public(secret)
            fake.curve_server = True
            fake.bind(c.ep["notifier"])
            c.ctl("plan", "--full")
            _, sol, _, _ = c.export()
            firsts = []
            deadline = time.monotonic() + 10
            while len(firsts) < 2 and time.monotonic() < deadline:  # the batch, then its resend
                if not fake.poll(200):
                    continue
                rid, frame = fake.recv_multipart()
                kind, d, _ = wire.body(frame)
                if kind == wire.NOTIFY_BATCH:
                    firsts.append((wire.first(d, 1), len(d.get(2, []))))
                    fake.send_multipart([rid, wire.envelope(wire.NOTIFY_ACK, [(1, 10**6)])])
            self.assertEqual([f for f, _ in firsts], [1, 1], "sent again from the start: nothing deleted")
            pending = re.search(r"outbox_pending=(\d+)", c.ctl("status", "planner").stdout).group(1)
            self.assertEqual(int(pending), firsts[0][1])
            self.assertIn("acknowledged changes that were never sent; nothing deleted", c.log("planner"))
            fake.close()
            c.start("notifier")
            total = c.delivered_seq()
            r = c.ctl("subscribe", "learner/", "--from", "0", "--count", str(len(sol["placements"])),
                      "--json", "--timeout-ms", "5000")
            got = {(n["learner"], n["period"]): n["offering"] for n in json_lines(r)}
            self.assertEqual(got, {(p["learner"], p["period"]): p["offering"] for p in sol["placements"]})
            self.assertGreaterEqual(total, len(sol["placements"]))
        finally:
            ctx.destroy(linger=0)
            c.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
