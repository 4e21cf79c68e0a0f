#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`colo-xdp agent xen` end to end: the daemon's agent server (the test dataplane), the adapter,
and this test playing the Xen COLO frame on the notify channel (4-byte big-endian length, then
the text), as QEMU's colo-compare notify_dev expects it."""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_agents import COLO, Proc, Tap, dataplane, wait_exists


def frame(text):
    return struct.pack(">I", len(text)) + text.encode()


def read_msg(s):
    s.settimeout(10)
    hdr = b""
    while len(hdr) < 4:
        hdr += s.recv(4 - len(hdr))
    n = struct.unpack(">I", hdr)[0]
    data = b""
    while len(data) < n:
        data += s.recv(n - len(data))
    return data.decode()


class Setup:
    def __init__(self, tmp, *extra):
        self.notify = os.path.join(tmp, "notify.sock")
        self.dp = dataplane(tmp)
        self.agent = Proc([COLO, "agent", "xen", "--socket", os.path.join(tmp, "agent.sock"),
                           "--xen-notify", "unix:" + self.notify] + list(extra))
        self.dp.event("connected")
        wait_exists(self.notify)
        self.xen = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.xen.connect(self.notify)
        self.agent.wait_err(lambda l: "Xen peer connected" in l, "Xen peer connected")


def test_init_and_checkpoint(tmp):
    s = Setup(tmp)
    # Split across sends: framing is by length only.
    msg = frame("COLO_USERSPACE_PROXY_INIT")
    s.xen.sendall(msg[:3])
    time.sleep(0.05)
    s.xen.sendall(msg[3:])
    assert read_msg(s.xen) == "COLO_COMPARE_GET_XEN_INIT"
    s.dp.send("request mismatch")
    assert read_msg(s.xen) == "DO_CHECKPOINT"
    s.xen.sendall(frame("COLO_CHECKPOINT"))
    s.dp.event("begin", id=1)
    assert s.dp.event("commit", id=1)["flags"] == 0
    # A checkpoint Xen takes by itself: COMMIT 0.
    s.xen.sendall(frame("COLO_CHECKPOINT"))
    s.dp.event("commit", id=0)
    # Prefixes and unknown texts are not the protocol's messages: ignored, nothing sent.
    s.xen.sendall(frame("COLO_CHECKPOINTX") + frame("COLO"))
    s.agent.wait_err(lambda l: "unknown message (4 bytes)" in l, "unknown ignored")
    assert s.agent.stop() == 0


def test_no_answer_aborts(tmp):
    s = Setup(tmp, "--checkpoint-timeout-ms", "300")
    s.dp.send("request")
    assert read_msg(s.xen) == "DO_CHECKPOINT"
    s.dp.event("abort", id=1)


def test_peer_gone_aborts(tmp):
    s = Setup(tmp)
    s.dp.send("request")
    assert read_msg(s.xen) == "DO_CHECKPOINT"
    s.xen.close()
    s.dp.event("abort", id=1)
    s.dp.send("request")
    s.dp.event("abort", id=2)  # no Xen peer connected


def test_oversized_dropped(tmp):
    s = Setup(tmp)
    s.xen.sendall(struct.pack(">I", 100000))
    s.agent.wait_err(lambda l: "Xen peer gone (message longer" in l, "dropped")


def test_usage(tmp):
    for args in ([], ["--socket", "x"], ["--socket", "x", "--xen-notify", "nocolon"]):
        p = Proc([COLO, "agent", "xen"] + args)
        assert p.p.wait(10) == 2, args


tap = Tap()
tap.run("xen: INIT answered, DO_CHECKPOINT on request, COLO_CHECKPOINT commits", test_init_and_checkpoint)
tap.run("xen: no COLO_CHECKPOINT in time aborts", test_no_answer_aborts)
tap.run("xen: the Xen peer's loss aborts the request in flight", test_peer_gone_aborts)
tap.run("xen: an oversized message drops the peer", test_oversized_dropped)
tap.run("xen: usage errors exit 2", test_usage)
tap.done()
