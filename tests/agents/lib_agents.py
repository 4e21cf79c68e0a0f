# SPDX-License-Identifier: GPL-2.0-only
"""Helpers for the adapter tests: TAP output, processes with line-by-line output and timeouts,
the test dataplane (build/tools/agent_dataplane) and the QMP peer (tests/tools/qmp_peer.py).
Every process a test starts is ended by pid when the test ends, also on failure."""
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
COLO = os.path.join(BUILD, "colo-xdp")
DATAPLANE = os.path.join(BUILD, "tools", "agent_dataplane")
QMP_PEER = os.path.join(ROOT, "tests", "tools", "qmp_peer.py")
TIMEOUT = float(os.environ.get("AGENT_TEST_TIMEOUT", "20"))


class Proc:
    """A child whose stdout and stderr lines are collected by threads."""

    def __init__(self, argv, stdin=False):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out, self.err = queue.Queue(), []
        self.lines = []
        threading.Thread(target=self._pump, args=(self.p.stdout, self.out), daemon=True).start()
        threading.Thread(target=self._pump_err, daemon=True).start()
        PROCS.append(self)

    def _pump(self, f, q):
        for line in f:
            q.put(line.rstrip("\n"))

    def _pump_err(self):
        for line in self.p.stderr:
            self.err.append(line.rstrip("\n"))

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def expect(self, pred, what, timeout=TIMEOUT):
        """The next stdout JSON line that satisfies pred (earlier ones are kept in lines)."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %s; stdout %s; stderr %s"
                                     % (what, self.lines[-8:], self.err[-12:]))
            try:
                line = self.out.get(timeout=left)
            except queue.Empty:
                continue
            self.lines.append(line)
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if pred(ev):
                return ev

    def event(self, name, timeout=TIMEOUT, **fields):
        return self.expect(lambda e: e.get("event") == name and
                           all(e.get(k) == v for k, v in fields.items()),
                           "%s %s" % (name, fields), timeout)

    def wait_err(self, pred, what, timeout=TIMEOUT):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in list(self.err):
                if pred(line):
                    return line
            time.sleep(0.02)
        raise AssertionError("timed out waiting for %s in stderr: %s" % (what, self.err[-15:]))

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.p.wait()


PROCS = []


def end_all():
    """SIGTERM first: an adapter ends the secondary it started."""
    for p in reversed(PROCS):
        p.stop()
    PROCS.clear()


def read_log(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def wait_log(path, pred, what, timeout=TIMEOUT):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for rec in read_log(path):
            if pred(rec):
                return rec
        time.sleep(0.02)
    raise AssertionError("timed out waiting for %s in %s: %s" % (what, path, read_log(path)[-8:]))


def wait_exists(path, timeout=TIMEOUT):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise AssertionError("%s never appeared" % path)
        time.sleep(0.01)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def run(self, name, fn):
        self.n += 1
        tmp = tempfile.mkdtemp(prefix="colo-agents-%d-" % os.getpid())
        try:
            fn(tmp)
            print("ok %d - %s" % (self.n, name))
        except Exception as e:  # one failing case must not hide the others
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            for line in str(e).splitlines() or [repr(e)]:
                print("# " + line)
        finally:
            end_all()
            shutil.rmtree(tmp, ignore_errors=True)
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def dataplane(tmp, name="agent.sock"):
    dp = Proc([DATAPLANE, "--socket", os.path.join(tmp, name)], stdin=True)
    dp.event("listening")
    return dp


def qmp_peer(qmp, log, *extra):
    return Proc([sys.executable, QMP_PEER, "--qmp", qmp, "--log", log] + list(extra))
