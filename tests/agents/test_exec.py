#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`colo-xdp agent exec` (the exec hook behind `run --on-checkpoint`) end to end against the
daemon's agent server (the test dataplane, which announces ORIGIN and sends side and stream
byte): the command's environment, exit status, time limit and output."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_agents import COLO, Proc, Tap, dataplane


def start(tmp, cmd, *extra):
    dp = dataplane(tmp)
    agent = Proc([COLO, "agent", "exec", "--socket", os.path.join(tmp, "agent.sock"),
                  "--command", cmd] + list(extra))
    ev = dp.event("connected")
    assert ev["features"] & 1, "the exec adapter announces ORIGIN: %s" % ev
    return dp, agent


def test_env_and_commit(tmp):
    envf = os.path.join(tmp, "env")
    dp, agent = start(tmp, "env | grep ^COLO_ | sort > %s; echo hello from the hook; "
                           "echo to stderr >&2" % envf)
    dp.send("request mismatch")
    dp.event("begin", id=1)
    assert dp.event("commit", id=1)["flags"] == 0
    with open(envf) as f:
        env = dict(l.rstrip("\n").split("=", 1) for l in f)
    want = {"COLO_CHECKPOINT_ID": "1", "COLO_REASON": "mismatch",
            "COLO_FLOW": "tcp 10.77.0.2:80 > 10.77.0.1:40000", "COLO_SIDE": "primary",
            "COLO_AT": "1234", "COLO_AT_KIND": "stream", "COLO_WAITED_NS": "0"}
    for k, v in want.items():
        assert env.get(k) == v, (k, env)
    assert int(env["COLO_TIME_NS"]) > 0, env
    agent.wait_err(lambda l: l.endswith("checkpoint 1: hello from the hook"), "stdout logged")
    agent.wait_err(lambda l: l.endswith("checkpoint 1: to stderr"), "stderr logged")
    agent.wait_err(lambda l: "checkpoint 1 committed: command exited 0" in l, "commit log")
    dp.send("request timeout")
    dp.event("commit", id=2)
    with open(envf) as f:
        env = dict(l.rstrip("\n").split("=", 1) for l in f)
    assert env["COLO_REASON"] == "timeout" and env["COLO_WAITED_NS"] == "3000000000", env
    assert agent.stop() == 0


def test_nonzero_aborts(tmp):
    dp, agent = start(tmp, "exit 3")
    dp.send("request")
    dp.event("begin", id=1)
    dp.event("abort", id=1)
    agent.wait_err(lambda l: "checkpoint 1 aborted: the command exited 3" in l, "why")


def test_time_limit_kills_and_aborts(tmp):
    pidf = os.path.join(tmp, "pid")
    dp, agent = start(tmp, "sleep 30 & echo $! > %s; wait" % pidf, "--timeout-ms", "300")
    t0 = time.monotonic()
    dp.send("request")
    dp.event("abort", id=1)
    assert time.monotonic() - t0 < 5
    agent.wait_err(lambda l: "ran past 300 ms (killed)" in l, "why")
    pid = int(open(pidf).read())
    time.sleep(0.2)
    try:
        os.kill(pid, 0)
        alive = open("/proc/%d/stat" % pid).read().split()[2] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        alive = False
    assert not alive, "the command's process group is killed, its children too"


def test_keep_streams(tmp):
    dp, agent = start(tmp, "true", "--keep-streams")
    dp.send("request")
    assert dp.event("commit", id=1)["flags"] == 1


def test_dataplane_restart(tmp):
    dp, agent = start(tmp, "true")
    dp.send("quit")
    assert dp.p.wait(10) == 0
    dp2 = dataplane(tmp)
    dp2.send("request")
    dp2.event("connected")
    dp2.event("commit", id=1)


def test_usage(tmp):
    for args in ([], ["--socket", "x"], ["--socket", "x", "--command", ""],
                 ["--socket", "x", "--command", "true", "--timeout-ms", "0"]):
        p = Proc([COLO, "agent", "exec"] + args)
        assert p.p.wait(10) == 2, args
        time.sleep(0.05)
        assert len(p.err) == 1, (args, p.err)


tap = Tap()
tap.run("exec: the request's fields in the environment, exit 0 commits, output logged", test_env_and_commit)
tap.run("exec: a non-zero exit aborts", test_nonzero_aborts)
tap.run("exec: the time limit kills the command's group and aborts", test_time_limit_kills_and_aborts)
tap.run("exec: --keep-streams commits with KEEP_STREAMS", test_keep_streams)
tap.run("exec: dataplane restart with a checkpoint pending", test_dataplane_restart)
tap.run("exec: usage errors exit 2 with one line", test_usage)
tap.done()
