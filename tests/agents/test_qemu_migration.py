#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`colo-xdp agent qemu --mode migration` end to end: the daemon's agent socket server (the
test dataplane), the adapter, and QMP peers that play plain QEMU VMs whose state (a boot id)
really moves over the migration URI."""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_agents import (COLO, Proc, QMP_PEER, Tap, dataplane, qmp_peer, read_log, wait_exists,
                        wait_log)

FIGURES = re.compile(r"checkpoint (\d+) committed: latency_ms=([0-9.]+) pause_ms=([0-9.]+) "
                     r"migrate_ms=([0-9.]+)$")


class Setup:
    def __init__(self, tmp, primary_args=(), running=False, secondary_args=()):
        self.tmp = tmp
        self.sock = os.path.join(tmp, "agent.sock")
        self.pqmp, self.sqmp = os.path.join(tmp, "p.qmp"), os.path.join(tmp, "s.qmp")
        self.plog, self.slog = os.path.join(tmp, "p.log"), os.path.join(tmp, "s.log")
        self.uri = "unix:" + os.path.join(tmp, "mig.sock")
        self.dp = dataplane(tmp)
        self.primary = qmp_peer(self.pqmp, self.plog, "--boot-id", "PRIMARY", *primary_args)
        sec_cmd = "exec %s %s --qmp %s --log %s --boot-id SECONDARY" % (
            sys.executable, QMP_PEER, self.sqmp, self.slog)
        argv = [COLO, "agent", "qemu", "--socket", self.sock, "--mode", "migration",
                "--primary-qmp", self.pqmp, "--secondary-qmp", self.sqmp,
                "--secondary-cmd", sec_cmd, "--migrate-uri", self.uri]
        if running:
            self.secondary = qmp_peer(self.sqmp, self.slog, "--boot-id", "SECONDARY",
                                      *secondary_args)
            wait_exists(self.sqmp)
            argv.append("--secondary-running")
        self.agent = Proc(argv)
        self.dp.event("connected")
        self.agent.wait_err(lambda l: "secondary QMP ready" in l, "secondary QMP ready")
        self.agent.wait_err(lambda l: "primary QMP ready" in l, "primary QMP ready")

    def secondary_pid(self):
        starts = [r for r in read_log(self.slog) if r["what"] == "start"]
        return starts[-1]


def test_checkpoint(tmp):
    s = Setup(tmp)
    s.dp.send("request mismatch")
    s.dp.event("requested", id=1, rc=0)
    s.dp.event("begin", id=1)
    ev = s.dp.event("commit", id=1)
    assert ev["flags"] == 0, "a migrated secondary was replaced: flags must be 0, got %s" % ev
    # The fresh secondary started incoming, received the primary's state and runs it.
    wait_log(s.slog, lambda r: r["what"] == "running" and r["state"] == "PRIMARY",
             "secondary running the primary's state")
    starts = [r for r in read_log(s.slog) if r["what"] == "start"]
    assert [r["incoming"] for r in starts] == [False, True], starts
    wait_log(s.plog, lambda r: r["what"] == "running", "primary resumed")
    cmds = [r["cmd"] for r in read_log(s.plog) if r["what"] == "command"]
    order = [c for c in cmds if c in ("migrate-set-parameters", "stop", "migrate", "cont")]
    assert order == ["migrate-set-parameters", "stop", "migrate", "cont"], cmds
    params = [r["args"] for r in read_log(s.plog) if r["what"] == "command"
              and r["cmd"] == "migrate-set-parameters"]
    assert params == [{"max-bandwidth": 100000 << 20}], params  # not QEMU's 128 MiB/s
    line = s.agent.wait_err(lambda l: FIGURES.search(l), "figures line")
    m = FIGURES.search(line)
    lat, pause, mig = float(m.group(2)), float(m.group(3)), float(m.group(4))
    assert m.group(1) == "1" and lat > 0 and pause > 0 and mig >= 25, line  # migrate-ms 30
    assert pause >= mig, "the primary stays paused through the migration: %s" % line
    # A second checkpoint works the same way on the secondary the first one made.
    s.dp.send("request timeout")
    s.dp.event("commit", id=2)
    starts = [r for r in read_log(s.slog) if r["what"] == "start"]
    assert len(starts) == 3, starts
    assert s.agent.stop() == 0


def test_migration_failure_aborts(tmp):
    s = Setup(tmp, primary_args=("--fail", "migrate"))
    s.dp.send("request")
    s.dp.event("begin", id=1)
    s.dp.event("abort", id=1)
    wait_log(s.plog, lambda r: r["what"] == "running", "primary resumed after the failure")
    s.agent.wait_err(lambda l: "checkpoint 1 aborted: migrate on the primary" in l, "why")
    assert not any(FIGURES.search(l) for l in s.agent.err), "no figures for an abort"


def test_stop_failure_aborts(tmp):
    s = Setup(tmp, primary_args=("--fail", "stop"))
    s.dp.send("request")
    s.dp.event("abort", id=1)
    assert not any('"begin"' in l for l in s.dp.lines), s.dp.lines


def test_secondary_death_fails_over(tmp):
    s = Setup(tmp)
    pid = s.secondary_pid()["pid"]
    os.kill(pid, signal.SIGKILL)
    s.dp.event("failover")
    s.agent.wait_err(lambda l: "failover: the secondary died" in l, "failover log")
    # After failover, a request is refused by the dataplane itself (no more checkpoints).
    s.dp.send("request")
    ev = s.dp.event("requested")
    assert ev["rc"] != 0, ev


def test_external_secondary(tmp):
    s = Setup(tmp, running=True)
    s.dp.send("request")
    s.dp.event("commit", id=1)
    wait_log(s.slog, lambda r: r["what"] == "running" and r["state"] == "PRIMARY", "migrated")
    # The secondary the adapter launched is its own now; its death is a failover too.
    os.kill(s.secondary_pid()["pid"], signal.SIGKILL)
    s.dp.event("failover")


def test_old_secondary_session_kills_nothing(tmp):
    # The external secondary's socket still takes connections after quit: the adapter's first
    # connect attempts meet it while the fresh secondary starts. Losing those sessions must
    # not kill the fresh one (it is of another process group).
    s = Setup(tmp, running=True, secondary_args=("--linger-after-quit-ms", "1500"))
    s.dp.send("request")
    s.dp.event("commit", id=1)
    wait_log(s.slog, lambda r: r["what"] == "client_dropped", "a session of the old one")
    wait_log(s.slog, lambda r: r["what"] == "running" and r["state"] == "PRIMARY", "migrated")
    s.agent.wait_err(lambda l: "nothing killed" in l, "the old session's loss ignored")
    starts = [r for r in read_log(s.slog) if r["what"] == "start"]
    assert len(starts) == 2 and starts[1]["incoming"], starts
    assert s.agent.stop() == 0


def test_secondary_running_death(tmp):
    s = Setup(tmp, running=True)
    s.secondary.stop(signal.SIGKILL)
    s.dp.event("failover")


def test_dataplane_restart(tmp):
    """Issue 13 item 4: the dataplane goes away with a checkpoint pending; the adapter comes
    back by itself and the new dataplane's pending request completes."""
    s = Setup(tmp)
    s.dp.send("quit")
    assert s.dp.p.wait(10) == 0
    s.agent.wait_err(lambda l: "dataplane connection lost" in l, "lost log")
    time.sleep(0.3)  # the adapter backs off meanwhile
    dp2 = dataplane(tmp)
    dp2.send("request queue_full")
    dp2.event("connected")
    dp2.event("commit", id=1)


def test_usage_errors(tmp):
    base = [COLO, "agent", "qemu"]
    cases = [
        [],
        ["--mode", "migration"],
        ["--socket", "x", "--mode", "migration", "--primary-qmp", "a", "--secondary-qmp", "b"],
        ["--socket", "x", "--mode", "bogus", "--primary-qmp", "a", "--secondary-qmp", "b"],
        ["--socket", "x", "--connect-timeout-ms", "-1"],
        ["--socket", "x", "--bogus"],
    ]
    for c in cases:
        p = Proc(base + c)
        rc = p.p.wait(10)
        time.sleep(0.05)
        assert rc == 2 and len(p.err) == 1, (c, rc, p.err)
    p = Proc(base + ["--help"])
    assert p.p.wait(10) == 0


def test_connect_timeout(tmp):
    p = Proc([COLO, "agent", "qemu", "--socket", os.path.join(tmp, "none.sock"),
              "--connect-timeout-ms", "300", "--mode", "migration",
              "--primary-qmp", os.path.join(tmp, "p"), "--secondary-qmp", os.path.join(tmp, "s"),
              "--secondary-cmd", "sleep 30", "--migrate-uri", "unix:x"])
    assert p.p.wait(10) == 1
    assert any("giving up" in l for l in p.err), p.err


tap = Tap()
tap.run("migration: a checkpoint moves the primary's state onto a fresh secondary", test_checkpoint)
tap.run("migration: a failed migrate resumes the primary and aborts", test_migration_failure_aborts)
tap.run("migration: a refused stop aborts without BEGIN", test_stop_failure_aborts)
tap.run("migration: the secondary's death is a failover", test_secondary_death_fails_over)
tap.run("migration: --secondary-running, then the launched secondary is ours", test_external_secondary)
tap.run("migration: --secondary-running, its QMP EOF is a failover", test_secondary_running_death)
tap.run("migration: the old secondary's late QMP sessions kill nothing",
        test_old_secondary_session_kills_nothing)
tap.run("migration: dataplane restart with a checkpoint pending", test_dataplane_restart)
tap.run("usage errors exit 2 with one line; --help exits 0", test_usage_errors)
tap.run("--connect-timeout-ms gives up with exit 1", test_connect_timeout)
tap.done()
