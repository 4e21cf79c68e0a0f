#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`colo-xdp agent qemu --mode colo` end to end: the daemon's agent socket server (the test
dataplane), the adapter, and a QMP peer that plays QEMU's COLO primary (migration/colo.c's
checkpoint loop: periodic checkpoints, kicks by x-checkpoint-delay, absorbed kicks, COLO_EXIT)
and one that plays the secondary. QEMU's own COLO deadlocks under TCG here (PLATFORM.md), so
this is where COLO mode is tested."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_agents import COLO, Proc, Tap, dataplane, qmp_peer, read_log, wait_exists, wait_log


class Setup:
    def __init__(self, tmp, *primary_args):
        self.sock = os.path.join(tmp, "agent.sock")
        self.pqmp, self.sqmp = os.path.join(tmp, "p.qmp"), os.path.join(tmp, "s.qmp")
        self.plog, self.slog = os.path.join(tmp, "p.log"), os.path.join(tmp, "s.log")
        self.dp = dataplane(tmp)
        self.primary = qmp_peer(self.pqmp, self.plog, "--role", "colo-primary",
                                "--checkpoint-ms", "300", *primary_args)
        self.secondary = qmp_peer(self.sqmp, self.slog, "--role", "colo-secondary")
        wait_exists(self.pqmp)
        wait_exists(self.sqmp)
        self.agent = Proc([COLO, "agent", "qemu", "--socket", self.sock, "--mode", "colo",
                           "--primary-qmp", self.pqmp, "--secondary-qmp", self.sqmp])
        self.dp.event("connected")
        self.agent.wait_err(lambda l: "migration status colo: idle" in l, "in COLO")

    def checkpoints(self):
        return [r for r in read_log(self.plog) if r["what"] == "checkpoint"]


def test_requested_checkpoint(tmp):
    s = Setup(tmp, "--checkpoint-delay-ms", "100000")
    s.dp.send("request mismatch")
    s.dp.event("begin", id=1)
    ev = s.dp.event("commit", id=1)
    assert ev["flags"] == 0, ev
    cps = s.checkpoints()
    assert [c["why"] for c in cps] == ["kick"], cps
    sets = [r["args"] for r in read_log(s.plog)
            if r["what"] == "command" and r["cmd"] == "migrate-set-parameters"]
    assert sets == [{"x-checkpoint-delay": 100000}], "the period is set to what it was: %s" % sets
    # BEGIN came with STOP, COMMIT with RESUME: their order in the peer's log.
    evs = [r["event"] for r in read_log(s.plog) if r["what"] == "event"]
    assert evs == ["STOP", "RESUME"], evs
    assert s.agent.stop() == 0


def test_periodic_checkpoints_commit_txid_0(tmp):
    s = Setup(tmp, "--checkpoint-delay-ms", "200")
    s.dp.event("commit", id=0)
    s.dp.event("commit", id=0)
    assert all(c["why"] == "periodic" for c in s.checkpoints())


def test_request_during_checkpoint_is_absorbed(tmp):
    s = Setup(tmp, "--checkpoint-delay-ms", "400", "--checkpoint-ms", "600")
    wait_log(s.plog, lambda r: r.get("event") == "STOP", "a periodic checkpoint")
    s.dp.send("request timeout")
    s.dp.event("begin", id=1)
    s.dp.event("commit", id=1)
    # No kick was sent and no second checkpoint started for the request.
    assert not any(r["what"] == "command" and r["cmd"] == "migrate-set-parameters"
                   for r in read_log(s.plog)), read_log(s.plog)
    assert len(s.checkpoints()) == 1, s.checkpoints()


def test_colo_exit_fails_over(tmp):
    s = Setup(tmp, "--checkpoint-delay-ms", "100000", "--exit-after-ms", "800")
    s.dp.event("failover")
    s.agent.wait_err(lambda l: "failover: COLO ended (reason error)" in l, "failover log")


def test_secondary_loss_commands_failover(tmp):
    s = Setup(tmp, "--checkpoint-delay-ms", "100000")
    s.secondary.stop(signal.SIGKILL)
    s.dp.event("failover")
    assert any(r["what"] == "command" and r["cmd"] == "x-colo-lost-heartbeat"
               for r in read_log(s.plog)), read_log(s.plog)
    wait_log(s.plog, lambda r: r.get("event") == "COLO_EXIT" and
             r["data"]["reason"] == "request", "COLO_EXIT after the heartbeat loss")


def test_not_in_colo_aborts(tmp):
    s = Setup(tmp, "--checkpoint-delay-ms", "100000", "--exit-after-ms", "500")
    s.dp.event("failover")
    s.dp.send("request")
    ev = s.dp.event("requested")
    assert ev["rc"] != 0, "after failover the dataplane asks no more: %s" % ev


def test_primary_qmp_reconnect(tmp):
    s = Setup(tmp, "--checkpoint-delay-ms", "100000")
    s.primary.stop(signal.SIGKILL)
    s.agent.wait_err(lambda l: "primary QMP lost" in l, "primary lost")
    s.primary = qmp_peer(s.pqmp, s.plog, "--role", "colo-primary", "--checkpoint-ms", "200",
                         "--checkpoint-delay-ms", "100000")
    s.agent.wait_err(lambda l: l.endswith("primary QMP ready") and
                     sum("primary QMP ready" in x for x in s.agent.err) >= 2, "reconnected")
    s.dp.send("request")
    s.dp.event("commit", id=1)


def test_dataplane_restart(tmp):
    s = Setup(tmp, "--checkpoint-delay-ms", "100000")
    s.dp.send("quit")
    assert s.dp.p.wait(10) == 0
    s.agent.wait_err(lambda l: "dataplane connection lost" in l, "lost")
    dp2 = dataplane(tmp)
    dp2.send("request")
    dp2.event("connected")
    dp2.event("begin", id=1)
    dp2.event("commit", id=1)


tap = Tap()
tap.run("colo: a request kicks a checkpoint: STOP -> BEGIN, RESUME -> COMMIT", test_requested_checkpoint)
tap.run("colo: periodic checkpoints commit as txid 0", test_periodic_checkpoints_commit_txid_0)
tap.run("colo: a request during a checkpoint is absorbed into it", test_request_during_checkpoint_is_absorbed)
tap.run("colo: COLO_EXIT is a failover", test_colo_exit_fails_over)
tap.run("colo: the secondary's loss: x-colo-lost-heartbeat, then failover", test_secondary_loss_commands_failover)
tap.run("colo: after COLO ended no checkpoint is asked", test_not_in_colo_aborts)
tap.run("colo: the primary's QMP reconnects", test_primary_qmp_reconnect)
tap.run("colo: dataplane restart with a checkpoint pending", test_dataplane_restart)
tap.done()
