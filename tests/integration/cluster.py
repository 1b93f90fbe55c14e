"""cluster - start the four real regio services on loopback for a test.

Each Cluster gets its own temporary data directory and free TCP ports, runs
the real binaries from the build tree with CURVE on (keys made with
`regioctl keys new`, as an operator would), and waits (with a deadline, never
a blind sleep) until every service answers `regioctl status`. Tests drive it
through regioctl, exactly as an operator would; `key(name, role)` makes
another principal and `ctl_as(name, ...)` runs regioctl with its key.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

BIN = os.environ.get("REGIO_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../build/bin"))
SHARED = os.environ.get("REGIO_SHARED_DIR", os.path.join(os.path.dirname(__file__), "../../../shared"))
CHECKER = os.path.join(SHARED, "tools", "rpp_check.py")
TINY = os.path.join(SHARED, "spec", "examples", "tiny-1.json")
SERVICES = ("registry", "capacity", "notifier", "planner")


def free_ports(n):
    """n ports that bind now, below the kernel's ephemeral range: ports from
    that range can be taken meanwhile as the source port of some outgoing
    connection (or of a reconnecting client's own, a TCP self-connect)."""
    import random
    socks, ports = [], []
    while len(ports) < n:
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", random.randint(20000, 32000)))
        except OSError:
            s.close()
            continue
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def wait_for(cond, timeout=20.0, what="condition"):
    """Poll cond() until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


class Cluster:
    def __init__(self, extra=None):
        self.dir = tempfile.mkdtemp(prefix="regio-it-")
        p = free_ports(8)
        ep = lambda i: f"tcp://127.0.0.1:{p[i]}"
        self.ep = {"registry": ep(0), "registry_pub": ep(1), "capacity": ep(2), "capacity_pub": ep(3),
                   "planner": ep(4), "planner_pub": ep(5), "notifier": ep(6), "notifier_pub": ep(7)}
        reg = ["--registry-router", ep(0), "--registry-pub", ep(1)]
        cap = ["--capacity-router", ep(2), "--capacity-pub", ep(3)]
        self.flags = {
            "registry": ["--router", ep(0), "--pub", ep(1)],
            "capacity": ["--router", ep(2), "--pub", ep(3)] + reg,
            "planner": ["--router", ep(4), "--pub", ep(5), "--notifier-router", ep(6),
                        "--replan-delay-ms", "50"] + reg + cap,
            "notifier": ["--router", ep(6), "--pub", ep(7)],
        }
        for s, f in (extra or {}).items():
            self.flags[s] = self.flags[s] + f
        self.keys = os.path.join(self.dir, "keys")
        for s in self.flags:
            self.flags[s] = ["--keys", self.keys] + self.flags[s]
        self.env = dict(os.environ, REGIO_REGISTRY=ep(0), REGIO_CAPACITY=ep(2), REGIO_PLANNER=ep(4),
                        REGIO_NOTIFIER=ep(6), REGIO_NOTIFIER_PUB=ep(7), REGIO_KEYS=self.keys)
        self.env.pop("REGIO_KEY", None)
        self.env.pop("REGIO_INSECURE", None)
        self.procs = {}
        self.svc_env = {}  # extra environment of one service's process, by name
        self.key("admin", "admin")
        for s in SERVICES:
            self.key(s, f"service:{s}")

    def key(self, name, role):
        """Make a key pair and principal; returns the secret key file. Running
        services learn of it on reload()."""
        self.ctl("keys", "new", name, "--role", role)
        return os.path.join(self.keys, f"{name}.key")

    def reload(self, *names):
        """SIGHUP: the services re-read the principals file."""
        for s in names or list(self.procs):
            self.procs[s].send_signal(signal.SIGHUP)

    def dealer(self, ctx, svc, name="admin", endpoint=None):
        """A DEALER connected to service svc as principal name (CURVE), as a
        client written from the .proto files would open it; name None means
        plain ZeroMQ (no key at all)."""
        import zmq
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        if name is not None:
            with open(os.path.join(self.keys, f"{name}.key")) as f:
                secret = f.read().strip().encode()
            with open(os.path.join(self.keys, f"{svc}.pub")) as f:
                s.curve_serverkey = f.read().strip().encode()
            s.curve_secretkey = secret
            s.curve_publickey = zmq.curve_public(secret)
        s.connect(endpoint or self.ep[svc])
        return s

    def ctl_as(self, name, *args, **kw):
        """regioctl with principal name's key."""
        return self.ctl("--key", os.path.join(self.keys, f"{name}.key"), *args, **kw)

    def start(self, *names):
        for s in names or SERVICES:
            with open(os.path.join(self.dir, f"{s}.log"), "ab") as log:
                self.procs[s] = subprocess.Popen(
                    [os.path.join(BIN, f"regio-{s}"), "--db", os.path.join(self.dir, s)] + self.flags[s],
                    stdout=log, stderr=log, env=dict(os.environ, **self.svc_env.get(s, {})))
        wait_for(lambda: self.ctl("status", check=False).returncode == 0 or self._dead(),
                 what="services to answer status")
        dead = self._dead()
        assert not dead, f"service exited at start: {dead}: {self.log(dead)}"
        return self

    def _dead(self):
        for s, p in self.procs.items():
            if p.poll() is not None:
                return s
        return None

    def stop(self, name, sig=signal.SIGTERM):
        p = self.procs.pop(name)
        p.send_signal(sig)
        return p.wait(timeout=30)

    def kill(self, name):
        return self.stop(name, signal.SIGKILL)

    def log(self, name):
        with open(os.path.join(self.dir, f"{name}.log"), errors="replace") as f:
            return f.read()

    def ctl(self, *args, check=True, timeout=300):
        r = subprocess.run([os.path.join(BIN, "regioctl")] + list(args), env=self.env,
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"regioctl {' '.join(args)} failed ({r.returncode}): {r.stderr}{r.stdout}")
        return r

    def import_region(self, learners, seed):
        """Generate a region with regio-gen, import it; returns its path."""
        path = os.path.join(self.dir, "region.json")
        with open(path, "w") as f:
            subprocess.run([os.path.join(BIN, "regio-gen"), "--learners", str(learners), "--seed", str(seed)],
                           stdout=f, check=True)
        self.ctl("import", path)
        return path

    def wait_mirrors(self, timeout=30.0):
        """Until the planner mirrors the registry and the capacity service up
        to their seqs (a mirror may be a heartbeat behind: follow.h)."""
        import re

        def caught_up():
            out = self.ctl("status", check=False).stdout
            reg = re.search(r"^registry\s+up\s+seq=(\d+)", out, re.M)
            cap = re.search(r"^capacity\s+up\s+seq=(\d+)", out, re.M)
            pl = re.search(r"^planner\s+up\s.*upstream: registry=(\d+) capacity=(\d+)", out, re.M)
            return reg and cap and pl and pl.group(1) == reg.group(1) and pl.group(2) == cap.group(1)

        wait_for(caught_up, timeout=timeout, what="the planner's mirrors to catch up")

    def delivered_seq(self, timeout=30.0):
        """The notifier's seq once the planner's outbox is empty: changes
        reach the notifier asynchronously, after the plan is committed."""
        import re

        def settled():
            out = self.ctl("status", check=False).stdout
            pend = re.search(r"^planner\s+up\s.*outbox_pending=(\d+) planning=(\d+)", out, re.M)
            seq = re.search(r"^notifier\s+up\s+seq=(\d+)", out, re.M)
            return (pend and seq and pend.group(1) == "0" and pend.group(2) == "0" and int(seq.group(1)) > 0
                    and int(seq.group(1)))

        try:
            return wait_for(settled, timeout=timeout, what="the planner's outbox to reach the notifier")
        except AssertionError as e:
            status = self.ctl("status", check=False).stdout
            raise AssertionError(f"{e}\nstatus:\n{status}\nplanner log:\n{self.log('planner')[-2000:]}"
                                 f"\nnotifier log:\n{self.log('notifier')[-2000:]}") from None

    def export(self):
        inst = os.path.join(self.dir, "export.json")
        sol = os.path.join(self.dir, "export.solution.json")
        self.ctl("export", "--instance", inst, "--solution", sol)
        with open(inst) as f, open(sol) as g:
            return json.load(f), json.load(g), inst, sol

    def close(self):
        codes = {}
        for s in list(self.procs):
            codes[s] = self.stop(s)
        shutil.rmtree(self.dir, ignore_errors=True)
        return codes


def check(instance_path, solution_path, *extra):
    """Run the reference checker; returns its JSON report."""
    r = subprocess.run(["python3", CHECKER, instance_path, solution_path, "--json"] + list(extra),
                       capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)
