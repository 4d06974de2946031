#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Packet helpers for the network tests (tests/net/*.sh); run with /usr/bin/python3.

    pkt.py seed-plan PLAN.json
        The seed-table packets: for every "in" row (AH, ESP, UDP 500->500, UDP 4500->4500, IPv4
        and IPv6) one packet from ext, for every "out" row one from int, and the same protocols
        with a wrong port or a wrong direction (a source address that contradicts the side the
        packet comes from), which must be blocked. Each packet carries a unique tag in its
        payload; the plan holds its bytes, the side that sends it, the expected verdict and rule.
    pkt.py plan-pcap PLAN.json OUT.pcap
        The plan's packets as a raw-IP capture (for `ipsecfw replay`).
    pkt.py send PLAN.json SIDE IFACE DMAC
        Send the plan's packets of SIDE (ext or int) on IFACE to DMAC (the firewall's MAC).
    pkt.py check PLAN.json EXT.pcap INT.pcap
        Which tagged packets arrived where: each passed packet exactly once on its destination
        side, no blocked packet anywhere. Exit 1 on any difference.
    pkt.py check-counters PLAN.json COUNTERS.json [REPEAT]
        The daemon's `ipsecfw -j counters` against the plan (sent REPEAT times): per rule, the
        policy and the totals, packets and bytes.
    pkt.py udp-recv ADDR PORT OUT.json READY [MAX_SECONDS] [IDLE_SECONDS] [EXPECT]
        Receive numbered datagrams until EXPECT arrived, IDLE_SECONDS passed without one (once
        one came), or MAX_SECONDS in all; write the sequence numbers seen (and duplicates).
        READY is created once the socket is bound.
    pkt.py udp-send ADDR PORT FIRST COUNT RATE [FLOWS] [SIZE]
        Send datagrams numbered FIRST..FIRST+COUNT-1 at RATE per second (0: as fast as
        possible) from FLOWS source ports in turn (default 1).
    pkt.py udp-report OUT.json FIRST COUNT
        Print received/missing/duplicate numbers of a udp-recv result against FIRST..COUNT;
        exit 1 unless every datagram arrived exactly once.
    pkt.py ctl-raw SOCKET MODE
        Send a bad request to the control socket and report what came back. MODE: garbage,
        big (1 MiB line), bignl (1 MiB and a newline), unknown, half, nul, idle, unknowncmd,
        notobject, badtype, deep (60000 nested brackets), badutf8.
"""

import json
import os
import socket
import struct
import sys
import time

TAG = b"IFWT"

EXT4, INT4 = "198.51.100.2", "192.0.2.2"
EXT6, INT6 = "2001:db8:1::2", "2001:db8:2::2"
# Spoofed sources for the wrong-direction packets: an internal address arriving from ext, an
# external one arriving from int.
SPOOF_INT4, SPOOF_EXT4 = "192.0.2.99", "198.51.100.99"
SPOOF_INT6, SPOOF_EXT6 = "2001:db8:2::99", "2001:db8:1::99"

# Rule numbers in rules/seed-table.rules (1-based, rule lines only).
RULE = {
    ("in", "ah"): 1, ("out", "ah"): 2, ("in", "esp"): 3, ("out", "esp"): 4,
    ("in", "udp500"): 5, ("out", "udp500"): 6, ("in", "udp4500"): 13, ("out", "udp4500"): 14,
}


def tag(n):
    return TAG + struct.pack("!I", n)


def ike_v2(n):
    """An IKEv2 IKE_SA_INIT-like header (28 bytes) and the tag as its body."""
    body = tag(n) + bytes(24)
    return struct.pack("!8s8sBBBBII", b"\x5a\x1e\x0c\x0f\xfe\xe0\x00\x01", bytes(8), 33, 0x20,
                       34, 0x08, 0, 28 + len(body)) + body


def build(proto, fam, src, dst, n, sport=None, dport=None):
    from scapy.layers.inet import ICMP, IP, UDP
    from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
    from scapy.layers.ipsec import AH, ESP
    from scapy.packet import Raw

    l3 = IP(src=src, dst=dst, ttl=64) if fam == 4 else IPv6(src=src, dst=dst, hlim=64)
    if proto == "ah":
        # Transport-mode AH with a 12-byte ICV of filler: the daemon only peeks at it.
        icv = bytes(range(12))
        if fam == 4:
            pkt = l3 / AH(nh=1, payloadlen=4, spi=0x3000 + n, seq=1, icv=icv) / \
                ICMP(type=8, id=n, seq=1) / Raw(tag(n))
        else:
            pkt = l3 / AH(nh=58, payloadlen=4, spi=0x3000 + n, seq=1, icv=icv) / \
                ICMPv6EchoRequest(id=n, seq=1, data=tag(n))
    elif proto == "esp":
        pkt = l3 / ESP(spi=0x4000 + n, seq=1, data=tag(n) + bytes(range(40)))
    elif proto == "udp":
        payload = ike_v2(n) if dport in (500, 4500) or sport in (500, 4500) else tag(n)
        if 4500 in (sport, dport):
            payload = b"\0\0\0\0" + payload      # RFC 3948 non-ESP marker
        pkt = l3 / UDP(sport=sport, dport=dport) / Raw(payload)
    else:
        raise ValueError(proto)
    return bytes(pkt)


def seed_plan():
    plan = []

    def add(side, kind, fam, src, dst, expect, rule, desc):
        n = len(plan) + 1
        proto, sport, dport = kind
        data = build(proto, fam, src, dst, n, sport, dport)
        plan.append({"id": n, "side": side, "to": "int" if side == "ext" else "ext",
                     "family": fam, "desc": desc, "expect": expect, "rule": rule,
                     "len": len(data), "hex": data.hex()})

    kinds = {"ah": ("ah", None, None), "esp": ("esp", None, None),
             "udp500": ("udp", 500, 500), "udp4500": ("udp", 4500, 4500)}
    wrong_ports = [("udp", 500, 501), ("udp", 1500, 500), ("udp", 4500, 4501),
                   ("udp", 4501, 4500), ("udp", 500, 4500)]
    for fam in (4, 6):
        e, i = (EXT4, INT4) if fam == 4 else (EXT6, INT6)
        si, se = (SPOOF_INT4, SPOOF_EXT4) if fam == 4 else (SPOOF_INT6, SPOOF_EXT6)
        for name, kind in kinds.items():
            add("ext", kind, fam, e, i, "pass", RULE[("in", name)],
                "in  %s ipv%d %s > %s" % (name, fam, e, i))
            add("int", kind, fam, i, e, "pass", RULE[("out", name)],
                "out %s ipv%d %s > %s" % (name, fam, i, e))
        for kind in wrong_ports:
            add("ext", kind, fam, e, i, "block", "policy",
                "in  udp %d > %d ipv%d (wrong port)" % (kind[1], kind[2], fam))
            add("int", kind, fam, i, e, "block", "policy",
                "out udp %d > %d ipv%d (wrong port)" % (kind[1], kind[2], fam))
        for name, kind in kinds.items():
            # From ext with an internal source: the addresses say int -> int.
            add("ext", kind, fam, si, i, "block", "policy",
                "in  %s ipv%d %s > %s (wrong direction: internal source from ext)"
                % (name, fam, si, i))
            # From int with an external source: the addresses say ext -> ext.
            add("int", kind, fam, se, e, "block", "policy",
                "out %s ipv%d %s > %s (wrong direction: external source from int)"
                % (name, fam, se, e))
    return plan


def cmd_seed_plan(out):
    with open(out, "w") as f:
        json.dump(seed_plan(), f, indent=1)


def cmd_plan_pcap(planf, out):
    """The plan's packets as a raw-IP capture, for `ipsecfw replay`."""
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
        for i, p in enumerate(json.load(open(planf))):
            data = bytes.fromhex(p["hex"])
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(data), len(data)) + data)


def cmd_send(planf, side, iface, dmac):
    from scapy.config import conf
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.sendrecv import sendp
    conf.verb = 0
    plan = json.load(open(planf))
    frames = []
    for p in plan:
        if p["side"] != side:
            continue
        et = 0x0800 if p["family"] == 4 else 0x86DD
        frames.append(Ether(dst=dmac, type=et) / Raw(bytes.fromhex(p["hex"])))
    sendp(frames, iface=iface, inter=0.002)
    print("sent %d packets from %s" % (len(frames), side))


def tags_in(pcap):
    """Count every tag found in the packets of a capture."""
    from scapy.utils import RawPcapReader
    seen = {}
    if not os.path.exists(pcap):
        return seen
    r = RawPcapReader(pcap)
    try:
        for raw, _meta in r:
            start = 0
            while True:
                k = raw.find(TAG, start)
                if k < 0 or k + 8 > len(raw):
                    break
                n = struct.unpack("!I", raw[k + 4:k + 8])[0]
                seen[n] = seen.get(n, 0) + 1
                start = k + 8
    finally:
        r.close()
    return seen


def cmd_check(planf, ext_pcap, int_pcap):
    plan = json.load(open(planf))
    seen = {"ext": tags_in(ext_pcap), "int": tags_in(int_pcap)}
    bad = 0
    for p in plan:
        n = p["id"]
        at_dst = seen[p["to"]].get(n, 0)
        at_src = seen[p["side"]].get(n, 0)      # -Q in: a hairpinned packet would show here
        want = 1 if p["expect"] == "pass" else 0
        if at_dst == want and at_src == 0:
            print("ok   - #%d %s: %s, arrived %d" % (n, p["desc"], p["expect"], at_dst))
        else:
            bad += 1
            print("FAIL - #%d %s: expected %s (%d in %s), arrived %d in %s, %d back in %s"
                  % (n, p["desc"], p["expect"], want, p["to"], at_dst, p["to"], at_src,
                     p["side"]))
    known = {p["id"] for p in plan}
    for side in seen:
        for n in sorted(set(seen[side]) - known):
            bad += 1
            print("FAIL - unknown tag %d arrived in %s" % (n, side))
    npass = sum(1 for p in plan if p["expect"] == "pass")
    print("capture: %d packets sent, %d to pass, %d to block; %d wrong"
          % (len(plan), npass, len(plan) - npass, bad))
    return 1 if bad else 0


def cmd_check_counters(planf, countersf, repeat=1):
    plan = json.load(open(planf))
    d = json.load(open(countersf))
    repeat = int(repeat)
    bad = []

    def cmp(what, want, got):
        if want != got:
            bad.append("%s: expected %s, got %s" % (what, want, got))
        else:
            print("ok   - counters %s = %s" % (what, got))

    rules = {}
    pol = [0, 0]
    tot = {"pass": [0, 0], "block": [0, 0]}
    for p in plan:
        if p["rule"] == "policy":
            pol[0] += repeat
            pol[1] += repeat * p["len"]
        else:
            r = rules.setdefault(p["rule"], [0, 0])
            r[0] += repeat
            r[1] += repeat * p["len"]
        tot[p["expect"]][0] += repeat
        tot[p["expect"]][1] += repeat * p["len"]
    try:
        got_rules = {r["rule"]: r for r in d["rules"]}
        for n in sorted(set(got_rules) | set(rules)):
            want = rules.get(n, [0, 0])
            g = got_rules.get(n)
            if g is None:
                bad.append("rule %d missing from counters" % n)
                continue
            cmp("rule %d packets" % n, want[0], g["packets"])
            cmp("rule %d bytes" % n, want[1], g["bytes"])
        cmp("policy packets", pol[0], d["policy"]["packets"])
        cmp("policy bytes", pol[1], d["policy"]["bytes"])
        cmp("policy verdict", "block", d["policy"]["verdict"])
        for v in ("pass", "block"):
            cmp("%s packets" % v, tot[v][0], d[v]["packets"])
            cmp("%s bytes" % v, tot[v][1], d[v]["bytes"])
        cmp("total packets", tot["pass"][0] + tot["block"][0], d["packets"])
        cmp("total bytes", tot["pass"][1] + tot["block"][1], d["bytes"])
    except (KeyError, TypeError) as e:
        bad.append("counters JSON lacks %r: %s" % (e, json.dumps(d)[:400]))
    for b in bad:
        print("FAIL - counters %s" % b)
    return 1 if bad else 0


def cmd_udp_recv(addr, port, out, ready, max_s=60, idle_s=3, expect=0):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, int(port)))
    open(ready, "w").write("ready\n")
    seen = {}
    t0 = time.monotonic()
    last = None
    max_s, idle_s, expect = float(max_s), float(idle_s), int(expect)
    while True:
        now = time.monotonic()
        if now - t0 > max_s:
            break
        if last is not None and now - last > idle_s:
            break
        if expect and len(seen) >= expect:
            break
        s.settimeout(0.2)
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        last = time.monotonic()
        if data[:4] == TAG and len(data) >= 8:
            n = struct.unpack("!I", data[4:8])[0]
            seen[n] = seen.get(n, 0) + 1
    # A second pass for late duplicates.
    s.settimeout(0.3)
    try:
        while True:
            data = s.recv(65536)
            if data[:4] == TAG:
                n = struct.unpack("!I", data[4:8])[0]
                seen[n] = seen.get(n, 0) + 1
    except socket.timeout:
        pass
    with open(out, "w") as f:
        json.dump({"seen": {str(k): v for k, v in seen.items()}}, f)


def cmd_udp_send(addr, port, first, count, rate, flows=1, size=64):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    first, count, rate, flows, size = int(first), int(count), float(rate), int(flows), int(size)
    socks = [socket.socket(fam, socket.SOCK_DGRAM) for _ in range(flows)]
    t0 = time.monotonic()
    for i in range(count):
        n = first + i
        data = TAG + struct.pack("!I", n)
        data += b"." * max(0, size - len(data))
        while True:
            try:
                socks[i % flows].sendto(data, (addr, int(port)))
                break
            except (BlockingIOError, OSError) as e:
                if getattr(e, "errno", None) not in (105, 11):   # ENOBUFS, EAGAIN
                    raise
                time.sleep(0.001)
        if rate > 0:
            wait = t0 + (i + 1) / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
    print("sent %d datagrams (%d..%d) to %s port %s from %d flow(s)"
          % (count, first, first + count - 1, addr, port, flows))


def cmd_udp_report(out, first, count):
    first, count = int(first), int(count)
    seen = {int(k): v for k, v in json.load(open(out))["seen"].items()}
    want = set(range(first, first + count))
    missing = sorted(want - set(seen))
    dups = sorted(n for n, c in seen.items() if c > 1)
    extra = sorted(set(seen) - want)
    print("udp: %d sent, %d distinct arrived, %d missing, %d duplicated, %d unexpected"
          % (count, len(want & set(seen)), len(missing), len(dups), len(extra)))
    if missing:
        print("udp: missing %s%s" % (missing[:20], " ..." if len(missing) > 20 else ""))
    if dups:
        print("udp: duplicated %s" % dups[:20])
    if extra:
        print("udp: unexpected %s" % extra[:20])
    return 1 if missing or dups or extra else 0


def cmd_ctl_raw(path, mode):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    payload = {
        "garbage": b"\x00\xff\xfe garbage \x01\x02\x7f{{{]]]\n",
        "big": b"A" * (1 << 20),
        "bignl": b"B" * (1 << 20) + b"\n",
        "unknown": b"frobnicate --now\n",
        "nul": b"counters\x00extra\n",
        "unknowncmd": b'{"cmd":"frobnicate"}\n',
        "notobject": b'["counters"]\n',
        "badtype": b'{"cmd":"reload","file":42}\n',
        "deep": b"[" * 60000 + b"\n",
        "badutf8": b'{"cmd":"\xc3\x28\xff"}\n',
        "half": b"coun",
        "idle": b"",
    }[mode]
    sent = 0
    how = "replied"
    try:
        # Send in pieces: a daemon that closes early gives EPIPE/ECONNRESET, which is fine.
        while sent < len(payload):
            sent += s.send(payload[sent:sent + 65536])
    except (BrokenPipeError, ConnectionResetError):
        how = "closed while sending (after %d bytes)" % sent
    except socket.timeout:
        how = "sending blocked for 5 s after %d bytes" % sent
    if mode in ("half", "idle"):
        s.close()
        print("ctl-raw %s: sent %d bytes and disconnected" % (mode, sent))
        return 0
    reply = b""
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    try:
        while len(reply) < 65536:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    except socket.timeout:
        how = "no reply within 5 s, connection still open"
    except ConnectionResetError:
        how = "connection reset"
    s.close()
    if not reply and how == "replied":
        how = "closed without a reply"
    print("ctl-raw %s: sent %d bytes, %s: %r" % (mode, sent, how, reply[:200]))
    return 2 if how.startswith("no reply") or how.startswith("sending blocked") else 0


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    fn = {"seed-plan": cmd_seed_plan, "send": cmd_send, "plan-pcap": cmd_plan_pcap, "check": cmd_check,
          "check-counters": cmd_check_counters, "udp-recv": cmd_udp_recv,
          "udp-send": cmd_udp_send, "udp-report": cmd_udp_report,
          "ctl-raw": cmd_ctl_raw}.get(cmd)
    if fn is None:
        print("pkt.py: unknown command %s" % cmd, file=sys.stderr)
        return 2
    return fn(*args) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
