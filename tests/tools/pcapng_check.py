#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks a divergence capture of `colo-xdp run --capture-dir` (pcapng).

usage: pcapng_check.py FILE.pcapng K

Reads the blocks (section header, interface descriptions, enhanced packets with comments),
and checks: interfaces "primary" and "secondary"; packets of both; for each side, the packet
whose comment names the checkpoint's byte "at=K" really holds stream byte K there (its TCP
sequence + offset equals that side's SYN sequence + 1 + K, and the named value is the byte at
that offset); and the two sides' bytes differ. Prints what it found; exit 0 when all hold.
"""
import re
import struct
import sys


def blocks(data):
    off = 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        yield btype, data[off + 8 : off + blen - 4]
        off += blen


def options(body):
    out = {}
    off = 0
    while off + 4 <= len(body):
        code, length = struct.unpack_from("<HH", body, off)
        if code == 0:
            break
        out.setdefault(code, []).append(body[off + 4 : off + 4 + length])
        off += 4 + ((length + 3) & ~3)
    return out


def tcp(frame):
    """(seq, flags, payload offset) of an untagged IPv4 TCP frame, or None."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return None
    ihl = (frame[14] & 15) * 4
    l4 = 14 + ihl
    seq = struct.unpack_from(">I", frame, l4 + 4)[0]
    doff = (frame[l4 + 12] >> 4) * 4
    return seq, frame[l4 + 13], l4 + doff


def main():
    data = open(sys.argv[1], "rb").read()
    k = int(sys.argv[2])
    ifnames, packets, head = [], [], ""
    for btype, body in blocks(data):
        if btype == 0x0A0D0D0A:
            assert struct.unpack_from("<I", body, 0)[0] == 0x1A2B3C4D, "byte-order magic"
            head = b"".join(options(body[16:]).get(1, [b""])).decode()
        elif btype == 1:
            ifnames.append(options(body[8:])[2][0].decode())
        elif btype == 6:
            ifid, _, _, caplen, _ = struct.unpack_from("<IIIII", body, 0)
            frame = body[20 : 20 + caplen]
            opts = options(body[20 + ((caplen + 3) & ~3) :])
            comment = opts.get(1, [b""])[0].decode()
            packets.append((ifnames[ifid], frame, comment))
    print(f"# {len(packets)} packets on {ifnames}; section comment: {head}")
    ok = ifnames == ["primary", "secondary"] and f"at={k}" in head
    byte = {}
    for side in ("primary", "secondary"):
        mine = [p for p in packets if p[0] == side]
        syn = [t for t in (tcp(p[1]) for p in mine) if t and t[1] & 2]
        named = [p for p in mine if f"at={k}:" in p[2]]
        if not mine or not syn or len(named) < 1:
            print(f"# {side}: {len(mine)} packets, {len(syn)} SYN, {len(named)} naming at={k}")
            return 1
        _, frame, comment = named[0]
        m = re.search(r"the byte at seq=(\d+) \(payload offset (\d+)\) is 0x([0-9a-f]{2})", comment)
        seq, off, value = int(m.group(1)), int(m.group(2)), int(m.group(3), 16)
        pseq, _, poff = tcp(frame)
        want = (syn[0][0] + 1 + k) & 0xFFFFFFFF
        print(f"# {side}: {comment!r}; SYN seq {syn[0][0]}, byte {k} at seq {want}")
        ok = ok and seq == want and (pseq + off) & 0xFFFFFFFF == seq and frame[poff + off] == value
        byte[side] = value
    ok = ok and byte["primary"] != byte["secondary"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
