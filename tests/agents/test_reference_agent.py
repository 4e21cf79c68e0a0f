#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The reference agent (build/tools/colo_agent) comes back by itself after the dataplane went
away (issue 13 item 4), and the checkpoint that was pending then completes."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_agents import BUILD, Proc, Tap, dataplane

AGENT = os.path.join(BUILD, "tools", "colo_agent")


def test_reconnect_completes_pending(tmp):
    sock = os.path.join(tmp, "agent.sock")
    dp = dataplane(tmp)
    agent = Proc([AGENT, "--socket", sock, "--mode", "commit", "--connect-timeout-ms", "10000"])
    dp.event("connected")
    dp.send("quit")
    assert dp.p.wait(10) == 0
    agent.event("reconnecting")
    dp2 = dataplane(tmp)
    dp2.send("request mismatch")
    ev = dp2.event("requested")
    assert ev["id"] == 1 and ev["rc"] != 0, "no agent yet: the request waits: %s" % ev
    dp2.event("connected")
    dp2.event("commit", id=1, flags=1)
    agent.event("request", id=1)
    assert agent.stop() == 0


def test_once_exits_at_close(tmp):
    sock = os.path.join(tmp, "agent.sock")
    dp = dataplane(tmp)
    agent = Proc([AGENT, "--once", "--socket", sock])
    dp.event("connected")
    dp.send("quit")
    agent.event("exit", status=0)
    assert agent.p.wait(10) == 0


def test_gives_up_when_not_back(tmp):
    sock = os.path.join(tmp, "agent.sock")
    dp = dataplane(tmp)
    agent = Proc([AGENT, "--socket", sock, "--connect-timeout-ms", "400"])
    dp.event("connected")
    dp.send("quit")
    agent.event("reconnecting")
    agent.event("exit", status=0)
    assert agent.p.wait(10) == 0


tap = Tap()
tap.run("reference agent: reconnects after the dataplane restarts; the pending checkpoint completes",
        test_reconnect_completes_pending)
tap.run("reference agent: --once exits 0 at the dataplane's close", test_once_exits_at_close)
tap.run("reference agent: exits 0 when the dataplane stays away past --connect-timeout-ms",
        test_gives_up_when_not_back)
tap.done()
