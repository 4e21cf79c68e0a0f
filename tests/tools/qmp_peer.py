#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""qmp_peer: a QEMU stand-in of the project's own, for the QEMU adapter's tests.

Serves QMP on a unix socket as `-qmp unix:PATH,server=on,wait=off` does (greeting,
qmp_capabilities first, ids echoed, one client at a time, events with timestamps) and plays one
of three roles:

  vm (default)        a plain VM: stop, cont, query-status, quit, migrate {uri},
                      migrate-incoming {uri} (with -incoming defer on the command line),
                      query-migrate, MIGRATION events, migrate-set-parameters. A migration
                      really moves the VM's state (its boot id) over the URI's unix socket.
                      --linger-after-quit-ms: after quit, the socket still accepts (and drops)
                      connections that long, as a QEMU on its way out.
  colo-primary        QEMU's COLO primary as migration/colo.c behaves: periodic checkpoints every
                      x-checkpoint-delay ms (STOP, then RESUME --checkpoint-ms later); setting
                      x-checkpoint-delay again asks for one now, and a request made during a
                      checkpoint before its "vmstate received" point (half-way) is absorbed;
                      x-colo-lost-heartbeat or --exit-after-ms end COLO with COLO_EXIT.
  colo-secondary      serves QMP; killing it plays the secondary's loss.

Every event and command it handles is one JSON line in --log (flushed at once), so tests can
assert what the adapter made it do. Unknown arguments after the options are QEMU's and ignored.
"""
import argparse
import heapq
import json
import os
import random
import selectors
import signal
import socket
import sys
import time


def now_ts():
    t = time.time()
    return {"seconds": int(t), "microseconds": int((t % 1) * 1e6)}


class Peer:
    def __init__(self, args, incoming):
        self.a = args
        self.sel = selectors.DefaultSelector()
        self.timers = []
        self.seq = 0
        self.client = None
        self.buf = b""
        self.ready = False
        self.boot_id = args.boot_id or "%016x" % random.getrandbits(64)
        self.state = self.boot_id
        self.running = not incoming
        self.incoming = incoming
        self.mig_status = "none"
        self.mig_listen = None
        self.delay_ms = args.checkpoint_delay_ms
        self.in_cp = False
        self.cp_started = 0.0
        self.colo = args.role == "colo-primary"
        self.logf = open(args.log, "a") if args.log else None
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            os.unlink(args.qmp)
        except FileNotFoundError:
            pass
        self.srv.bind(args.qmp)
        self.srv.listen(1)
        self.sel.register(self.srv, selectors.EVENT_READ, self.on_accept)
        self.log("start", boot_id=self.boot_id, incoming=incoming, role=args.role,
                 pid=os.getpid())
        if self.colo:
            self.mig_status = "colo"
            self.arm_periodic()
        if args.exit_after_ms:
            self.after(args.exit_after_ms, lambda: self.colo_exit("error"))

    def log(self, what, **kw):
        if self.logf:
            kw["what"] = what
            kw["t"] = time.monotonic()
            self.logf.write(json.dumps(kw) + "\n")
            self.logf.flush()

    def after(self, ms, fn):
        self.seq += 1
        heapq.heappush(self.timers, (time.monotonic() + ms / 1000.0, self.seq, fn))

    def send(self, obj):
        if self.client:
            try:
                self.client.sendall((json.dumps(obj) + "\r\n").encode())
            except OSError:
                self.drop()

    def event(self, name, data=None):
        ev = {"event": name, "timestamp": now_ts()}
        if data is not None:
            ev["data"] = data
        self.log("event", event=name, data=data)
        if self.ready:
            self.send(ev)

    def on_accept(self, _):
        if self.client:
            return
        self.client, _ = self.srv.accept()
        self.buf = b""
        self.ready = False
        self.sel.register(self.client, selectors.EVENT_READ, self.on_read)
        self.log("client")
        self.send({"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0},
                                       "package": "qmp_peer"}, "capabilities": []}})

    def drop(self):
        if self.client:
            self.sel.unregister(self.client)
            self.client.close()
            self.client = None
            self.log("client_gone")

    def on_read(self, _):
        try:
            data = self.client.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.drop()
            return
        self.buf += data
        while self.client and b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            if line.strip():
                self.on_command(json.loads(line))

    def reply(self, cmd, ret=None, error=None):
        out = {"return": ret if ret is not None else {}} if error is None else \
            {"error": {"class": "GenericError", "desc": error}}
        if "id" in cmd:
            out["id"] = cmd["id"]
        self.send(out)

    def on_command(self, cmd):
        name = cmd.get("execute")
        args = cmd.get("arguments", {})
        self.log("command", cmd=name, args=args)
        if not self.ready:
            if name == "qmp_capabilities":
                self.ready = True
                self.reply(cmd)
            else:
                self.reply(cmd, error="capabilities negotiation first")
            return
        fn = getattr(self, "cmd_" + name.replace("-", "_"), None)
        if fn is None:
            self.reply(cmd, error="The command %s has not been found" % name)
            return
        fn(cmd, args)

    # ---- a plain VM ----
    def cmd_query_status(self, cmd, _):
        self.reply(cmd, {"running": self.running,
                         "status": "running" if self.running else "paused"})

    def cmd_stop(self, cmd, _):
        if self.a.fail == "stop":
            self.reply(cmd, error="stop refused (--fail stop)")
            return
        self.running = False
        self.reply(cmd)
        self.event("STOP")

    def cmd_cont(self, cmd, _):
        if self.incoming and self.mig_status != "completed":
            self.reply(cmd, error="guest is waiting for an incoming migration")
            return
        self.running = True
        self.reply(cmd)
        self.event("RESUME")
        self.log("running", state=self.state)

    def cmd_quit(self, cmd, _):
        self.reply(cmd)
        self.log("quit")
        self.event("SHUTDOWN", {"guest": False, "reason": "host-qmp-quit"})
        if not self.a.linger_after_quit_ms:
            sys.exit(0)
        # A QEMU on its way out: its client sees EOF while the socket still takes (and drops)
        # connections for a while.
        self.drop()
        self.sel.unregister(self.srv)
        self.sel.register(self.srv, selectors.EVENT_READ, self.on_accept_dying)
        self.after(self.a.linger_after_quit_ms, lambda: sys.exit(0))

    def on_accept_dying(self, _):
        conn, _ = self.srv.accept()
        self.log("client_dropped")
        conn.close()

    def set_mig(self, status):
        self.mig_status = status
        self.event("MIGRATION", {"status": status})

    def cmd_migrate_incoming(self, cmd, args):
        uri = args.get("uri", "")
        if not self.incoming or not uri.startswith("unix:"):
            self.reply(cmd, error="not waiting for an incoming migration on unix:")
            return
        path = uri[5:]
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        self.mig_listen = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.mig_listen.bind(path)
        self.mig_listen.listen(1)
        self.sel.register(self.mig_listen, selectors.EVENT_READ, self.on_mig_accept)
        self.set_mig("setup")
        self.reply(cmd)

    def on_mig_accept(self, _):
        conn, _ = self.mig_listen.accept()
        conn.settimeout(10)
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        conn.close()
        self.sel.unregister(self.mig_listen)
        self.mig_listen.close()
        if not data.endswith(b"\n"):
            self.set_mig("failed")
            return
        self.state = json.loads(data)["state"]
        self.log("migrated_in", state=self.state)
        self.set_mig("completed")

    def cmd_migrate(self, cmd, args):
        uri = args.get("uri", "")
        if self.a.fail == "migrate" or not uri.startswith("unix:"):
            self.reply(cmd, error="migration refused")
            return
        self.reply(cmd)
        self.set_mig("active")
        self.after(self.a.migrate_ms, lambda: self.finish_migrate(uri[5:]))

    def finish_migrate(self, path):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.sendall((json.dumps({"state": self.state}) + "\n").encode())
            s.close()
            self.set_mig("completed")
            self.log("migrated_out", state=self.state)
        except OSError as e:
            self.log("migrate_failed", why=str(e))
            self.set_mig("failed")

    def cmd_query_migrate(self, cmd, _):
        self.reply(cmd, {"status": self.mig_status} if self.mig_status != "none" else {})

    # ---- COLO primary ----
    def cmd_query_migrate_parameters(self, cmd, _):
        self.reply(cmd, {"x-checkpoint-delay": self.delay_ms})

    def cmd_migrate_set_parameters(self, cmd, args):
        if "x-checkpoint-delay" in args:
            self.delay_ms = args["x-checkpoint-delay"]
            self.reply(cmd)
            if self.colo and self.mig_status == "colo":
                self.kick()
            return
        self.reply(cmd)

    def cmd_x_colo_lost_heartbeat(self, cmd, _):
        if self.mig_status != "colo":
            self.reply(cmd, error="VM is not in COLO state")
            return
        self.reply(cmd)
        self.colo_exit("request")

    def arm_periodic(self):
        self.period_gen = getattr(self, "period_gen", 0) + 1
        gen = self.period_gen
        self.after(self.delay_ms, lambda: gen == self.period_gen and self.checkpoint("periodic"))

    def kick(self):
        # colo_checkpoint_notify(): the event is set and the periodic timer re-armed. A
        # checkpoint that has not reached "vmstate received" consumes the event: absorbed.
        if self.in_cp and time.monotonic() - self.cp_started < self.a.checkpoint_ms / 2000.0:
            self.log("kick_absorbed")
            self.arm_periodic()
            return
        if self.in_cp:
            self.log("kick_queued")
            self.kick_after_cp = True
            return
        self.checkpoint("kick")

    def checkpoint(self, why):
        if self.mig_status != "colo" or self.in_cp:
            return
        self.in_cp = True
        self.kick_after_cp = False
        self.cp_started = time.monotonic()
        self.log("checkpoint", why=why)
        self.event("STOP")
        self.after(self.a.checkpoint_ms, self.checkpoint_end)

    def checkpoint_end(self):
        if not self.in_cp or self.mig_status != "colo":
            return
        self.in_cp = False
        self.event("RESUME")
        self.arm_periodic()
        if self.kick_after_cp:
            self.checkpoint("kick")

    def colo_exit(self, reason):
        if self.mig_status != "colo":
            return
        self.mig_status = "completed"
        if self.in_cp:
            self.in_cp = False
            self.event("RESUME")
        self.event("COLO_EXIT", {"mode": "primary", "reason": reason})

    def run(self):
        while True:
            timeout = None
            if self.timers:
                timeout = max(0.0, self.timers[0][0] - time.monotonic())
            for key, _ in self.sel.select(timeout):
                key.data(key.fileobj)
            while self.timers and self.timers[0][0] <= time.monotonic():
                _, _, fn = heapq.heappop(self.timers)
                fn()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--qmp", required=True)
    p.add_argument("--role", choices=["vm", "colo-primary", "colo-secondary"], default="vm")
    p.add_argument("--log")
    p.add_argument("--boot-id")
    p.add_argument("--migrate-ms", type=int, default=30)
    p.add_argument("--fail", choices=["none", "stop", "migrate"], default="none")
    p.add_argument("--checkpoint-delay-ms", type=int, default=5000)
    p.add_argument("--checkpoint-ms", type=int, default=200)
    p.add_argument("--exit-after-ms", type=int, default=0)
    p.add_argument("--linger-after-quit-ms", type=int, default=0)
    args, rest = p.parse_known_args()
    incoming = "-incoming" in rest
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    Peer(args, incoming).run()


if __name__ == "__main__":
    main()
